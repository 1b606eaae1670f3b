package dev.ensemble.runs;

/** A viewer's hold on a run's live output, on this node or another; cancel to let go. */
public interface RunWatch {
  void cancel();
}
