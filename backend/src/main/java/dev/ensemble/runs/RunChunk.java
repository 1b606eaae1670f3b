package dev.ensemble.runs;

import java.nio.charset.StandardCharsets;

/**
 * A piece of a run's output. Sequence numbers start at 1 and increase by one across both streams,
 * so a viewer can resume "after N" and still tell stdout from stderr.
 */
public record RunChunk(long seq, Stream stream, byte[] data) {

  /** Which output a chunk came from; the wire form is the lower-case name. */
  public enum Stream {
    STDOUT,
    STDERR;

    public String wire() {
      return this == STDOUT ? "stdout" : "stderr";
    }

    public static Stream fromWire(String value) {
      return "stdout".equals(value) ? STDOUT : STDERR;
    }
  }

  /** The bytes as text (output is not guaranteed to be UTF-8 or split on characters). */
  public String text() {
    return new String(data, StandardCharsets.UTF_8);
  }
}
