package dev.ensemble.terminal;

import java.util.List;
import java.util.UUID;

/**
 * What a viewer follows of a project's terminal: the terminal itself on the node running it
 * ({@link TerminalSession}), or that node's output as relayed to this one ({@link RemoteTerminal}).
 */
public interface TerminalOutput {
  /** The terminal session. */
  UUID id();

  /** The state now: running at its current size, or how it ended. */
  TerminalState state();

  /** Output after {@code afterSeq} still in memory, oldest first, about {@code maxBytes} at most (at least one chunk). */
  List<TerminalChunk> chunksAfter(long afterSeq, int maxBytes);

  /** Tells {@code subscriber} about new output and the end until the handle is closed. */
  AutoCloseable subscribe(TerminalSubscriber subscriber);
}
