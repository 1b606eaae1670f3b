package dev.ensemble.runs;

/**
 * A viewer of a run's output. Calls come from the run's reader threads, one at a time and in
 * sequence order; implementations must not block (hand work to an event loop or a queue).
 */
public interface RunSubscriber {
  /**
   * The next chunk; from a run on this node sequence numbers arrive without gaps from where the
   * subscription began. Relayed from another node they may skip: the store has what was skipped.
   */
  void onChunk(RunChunk chunk);

  /** The run ended; no more chunks follow. */
  void onEnd(RunResult result);
}
