package dev.ensemble.terminal;

/**
 * Someone following a terminal's output. Called on the terminal's reader thread under its lock:
 * implementations only note what happened and hand the work to their own thread.
 */
public interface TerminalSubscriber {
  /** Output up to {@code seq} is available from {@link TerminalSession#chunksAfter}. */
  void onOutput(long seq);

  /** The terminal ended; no output follows what is already available. */
  void onEnd(TerminalState end);
}
