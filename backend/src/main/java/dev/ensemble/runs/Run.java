package dev.ensemble.runs;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.Optional;
import java.util.UUID;

/** A run the supervisor knows about: its request, status, live log and eventual result. */
public final class Run {
  private final RunRequest request;
  private final RunLog log;
  private final Promise<RunResult> finished = Promise.promise();
  private volatile RunStatus status = RunStatus.QUEUED;
  private volatile RunExecution execution;
  private volatile RunOutput output;
  private volatile boolean cancelRequested;

  Run(RunRequest request, RunLog log) {
    this.request = request;
    this.log = log;
  }

  public UUID id() {
    return request.id();
  }

  public RunRequest request() {
    return request;
  }

  public RunStatus status() {
    return status;
  }

  /** The live output; subscribe here to watch. */
  public RunLog log() {
    return log;
  }

  /** Completes with the result when the run has ended (never fails). */
  public Future<RunResult> finished() {
    return finished.future();
  }

  /** The result once the run has ended. */
  public Optional<RunResult> result() {
    return log.result();
  }

  void running(RunExecution e, RunOutput o) {
    output = o;
    execution = e;
    status = RunStatus.RUNNING;
  }

  /** When the run started, once it has. */
  public Optional<java.time.Instant> startedAt() {
    return result().map(RunResult::startedAt).or(() -> Optional.ofNullable(execution).map(RunExecution::startedAt));
  }

  /** Output bytes kept so far (the final count once ended). */
  public long outputBytes() {
    return result().map(RunResult::outputBytes).orElseGet(() -> output == null ? 0 : output.bytes());
  }

  Optional<RunExecution> execution() {
    return Optional.ofNullable(execution);
  }

  void requestCancel() {
    cancelRequested = true;
  }

  boolean cancelRequested() {
    return cancelRequested;
  }

  /** Records the end; false when it had already ended. */
  boolean end(RunResult result) {
    synchronized (this) {
      if (status.isFinal()) {
        return false;
      }
      status = result.status();
    }
    log.end(result);
    finished.complete(result);
    return true;
  }
}
