package dev.ensemble.terminal;

/**
 * A piece of a terminal's output. Sequence numbers start at 1 and increase by one; {@code data}
 * is whole UTF-8 characters (a character split between reads waits for its remaining bytes), and
 * {@code bytes} is what it took on the terminal.
 */
public record TerminalChunk(long seq, String data, int bytes) {}
