package dev.ensemble.runs;

import io.vertx.core.Future;
import java.time.Instant;

/** One started run, whichever executor runs it. */
public interface RunExecution {

  /** Why the supervisor (or the executor itself) ended a run early; the first reason wins. */
  enum StopReason {
    /** The run could not be set up (its network, its pod): the run failed. */
    SETUP_FAILED,
    CANCELLED,
    TIMED_OUT,
    OUTPUT_LIMIT
  }

  /** When the run started. */
  Instant startedAt();

  /** Asks the run to stop; returns at once (it may be called on an event loop). */
  void stop(StopReason reason);

  /** Completes with the result once the run and all its output are over (never fails). */
  Future<RunResult> ended();
}
