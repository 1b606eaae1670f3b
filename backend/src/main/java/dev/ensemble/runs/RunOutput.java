package dev.ensemble.runs;

import java.nio.charset.StandardCharsets;

/**
 * A run's output on its way into its {@link RunLog}, held to the output cap
 * ({@code ENSEMBLE_RUN_OUTPUT_BYTES}): bytes beyond it are dropped and the run is to be stopped.
 * Every executor writes through one of these, so both count output the same way. Thread-safe:
 * chunks are appended under the same lock that counts them, so sequence numbers follow the order
 * bytes were counted.
 */
public final class RunOutput {
  /** The longest a reader waits for the store before it reads on anyway (a stalled store). */
  static final long STORE_WAIT_MS = 1_000;

  private final RunLog log;
  private final long cap;
  private long bytes;
  private boolean truncated;

  public RunOutput(RunLog log, long cap) {
    this.log = log;
    this.cap = cap;
  }

  /**
   * Appends the first {@code n} bytes of {@code buf}, as much as the cap allows; false once the cap
   * is reached (the caller stops the run with {@link RunExecution.StopReason#OUTPUT_LIMIT}).
   */
  public synchronized boolean accept(RunChunk.Stream stream, byte[] buf, int n) {
    if (truncated) {
      return false; // drained and dropped until the stop lands, so the producer never blocks
    }
    int keep = (int) Math.min(n, cap - bytes);
    bytes += keep;
    if (keep < n) {
      truncated = true;
    }
    if (keep > 0) {
      byte[] data = new byte[keep];
      System.arraycopy(buf, 0, data, 0, keep);
      log.append(stream, data);
    }
    return !truncated;
  }

  /**
   * Called by a reader before it reads more: waits (bounded) while too much output waits for the
   * store (see {@link RunLog#awaitStoreRoom}); never call it on an event loop.
   */
  public void awaitStoreRoom() {
    try {
      log.awaitStoreRoom(STORE_WAIT_MS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** A line from Ensemble itself about the run (why it could not start), on stderr. */
  public void notice(String text) {
    byte[] line = ("[ensemble] " + text + "\n").getBytes(StandardCharsets.UTF_8);
    accept(RunChunk.Stream.STDERR, line, line.length);
  }

  /** Bytes kept so far. */
  public synchronized long bytes() {
    return bytes;
  }

  /** True once output beyond the cap was dropped. */
  public synchronized boolean truncated() {
    return truncated;
  }
}
