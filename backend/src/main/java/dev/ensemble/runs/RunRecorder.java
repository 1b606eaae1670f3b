package dev.ensemble.runs;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stores runs and their whole output as they happen. Output is written with at most one batch in
 * flight per run: chunks that arrive during a write go in the next one, so batches grow with the
 * output rate (up to {@value #BATCH_BYTES} bytes) and no timer is needed. Each stored batch lets the run's log drop it from memory.
 */
public final class RunRecorder implements RunEvents {
  private static final Logger log = LoggerFactory.getLogger(RunRecorder.class);
  private static final int FINISHED_KEPT = 4096;
  /**
   * Output stored in one round trip at most (a batch ends with the chunk that reaches it): the
   * insert is encoded on an event loop, and batches of megabytes held one for several milliseconds.
   */
  private static final long BATCH_BYTES = 256 * 1024;

  private final RunStore store;
  private final Map<UUID, Future<Void>> inserted = new ConcurrentHashMap<>();
  private final Map<UUID, Recording> recordings = new ConcurrentHashMap<>();
  /** Waiting for runs to be stored; an entry leaves once its run is. */
  private final Map<UUID, Promise<Void>> done = new ConcurrentHashMap<>();
  /** The runs stored most recently, so that asking after the fact still gets an answer. */
  private final Set<UUID> finished = Collections.newSetFromMap(new LinkedHashMap<>() {
    @Override
    protected boolean removeEldestEntry(Map.Entry<UUID, Boolean> eldest) {
      return size() > FINISHED_KEPT;
    }
  });

  public RunRecorder(RunStore store) {
    this.store = store;
  }

  /**
   * Completes when the run's end and all its output are stored (at once for one of the last
   * {@value #FINISHED_KEPT} runs stored).
   */
  public Future<Void> stored(UUID runId) {
    Promise<Void> p = done.computeIfAbsent(runId, id -> Promise.promise());
    if (wasFinished(runId)) {
      // stored before (or while) this was asked: finish() may have missed the promise
      p.tryComplete();
      done.remove(runId, p);
    }
    return p.future();
  }

  /** Runs waited for and not yet stored (a test's view: it must fall back to zero). */
  int waiting() {
    return done.size();
  }

  private boolean wasFinished(UUID runId) {
    synchronized (finished) {
      return finished.contains(runId);
    }
  }

  /** Completes when the run's row exists (it may have failed to be stored: then it still completes). */
  public Future<Void> recorded(UUID runId) {
    return ignoreFailure(inserted.getOrDefault(runId, Future.succeededFuture()));
  }

  @Override
  public void queued(Run run) {
    inserted.put(run.id(), store.insert(run.request()).onFailure(e -> warn(run, "insert", e)));
  }

  @Override
  public void started(Run run) {
    Future<Void> row = inserted.getOrDefault(run.id(), Future.succeededFuture());
    Instant startedAt = run.execution().map(RunExecution::startedAt).orElse(Instant.now());
    Recording r = new Recording(run, row.transform(ignored -> store.started(run.id(), startedAt)));
    recordings.put(run.id(), r);
    run.log().subscribe(0, r);
  }

  @Override
  public void ended(Run run, RunResult result) {
    if (!recordings.containsKey(run.id())) {
      // never started (cancelled while waiting, or failed to start): nothing to flush
      Future<Void> row = inserted.getOrDefault(run.id(), Future.succeededFuture());
      finish(run, row.transform(ignored -> store.finish(run.id(), result)));
    }
  }

  private void finish(Run run, Future<Void> last) {
    last.onComplete(
        ar -> {
          if (ar.failed()) {
            warn(run, "finish", ar.cause());
          }
          inserted.remove(run.id());
          recordings.remove(run.id());
          synchronized (finished) {
            finished.add(run.id()); // first, so that stored() asked from now on answers at once
          }
          Promise<Void> waiting = done.remove(run.id());
          if (waiting != null) {
            waiting.tryComplete();
          }
        });
  }

  private static void warn(Run run, String what, Throwable e) {
    log.warn("could not store run {} ({}): {}", run.id(), what, e.toString());
  }

  private static Future<Void> ignoreFailure(Future<Void> f) {
    return f.transform(ignored -> Future.succeededFuture());
  }

  /** Output of one run on its way to the store. */
  private final class Recording implements RunSubscriber {
    private final Run run;
    private List<RunChunk> pending = new ArrayList<>();
    private Future<Void> tail;
    private boolean writing;
    private Optional<RunResult> end = Optional.empty();

    Recording(Run run, Future<Void> started) {
      this.run = run;
      this.tail = ignoreFailure(started);
    }

    @Override
    public void onChunk(RunChunk chunk) {
      synchronized (this) {
        pending.add(chunk);
        if (writing) {
          return;
        }
        writing = true;
      }
      writeNext();
    }

    @Override
    public void onEnd(RunResult result) {
      synchronized (this) {
        end = Optional.of(result);
        if (writing) {
          return;
        }
        writing = true;
      }
      writeNext();
    }

    /** Writes what is pending; runs with {@code writing} set and without holding any lock. */
    private void writeNext() {
      List<RunChunk> batch;
      Optional<RunResult> ending;
      synchronized (this) {
        int take = 0;
        long bytes = 0;
        while (take < pending.size() && bytes < BATCH_BYTES) {
          bytes += pending.get(take++).data().length;
        }
        if (take == pending.size()) {
          batch = pending;
          pending = new ArrayList<>();
        } else {
          batch = new ArrayList<>(pending.subList(0, take));
          pending = new ArrayList<>(pending.subList(take, pending.size()));
        }
        ending = end;
        if (batch.isEmpty()) {
          writing = false;
        }
      }
      if (batch.isEmpty()) {
        ending.ifPresent(result -> finish(run, tail.compose(v -> store.finish(run.id(), result))));
        return;
      }
      long lastSeq = batch.get(batch.size() - 1).seq();
      tail = tail.compose(v -> store.append(run.id(), batch))
          .transform(
              ar -> {
                if (ar.failed()) {
                  warn(run, "output", ar.cause());
                }
                // Stored or lost for good: either way it may leave memory, which stays bounded.
                run.log().markStored(lastSeq);
                writeNext();
                return Future.succeededFuture();
              });
    }
  }
}
