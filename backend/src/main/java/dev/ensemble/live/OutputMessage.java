package dev.ensemble.live;

import dev.ensemble.runs.RunChunk;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * The JSON text of a run's {@code output} message, written directly from the output's UTF-8 bytes:
 * the same text {@link io.vertx.core.json.JsonObject#encode} makes of the message with the bytes
 * decoded, without the general encoder's passes over the data. Output is nearly all of what a busy
 * run sends to each viewer, and the general encoder was over half of an event loop's work while
 * ten viewers watched.
 *
 * <p>Escaping works on bytes: the characters JSON escapes here (quote, backslash, controls) are
 * single bytes in UTF-8 that never occur inside a multi-byte sequence, and escaping them changes
 * nothing about how the bytes around them decode, malformed sequences included (each becomes
 * U+FFFD when the finished text is decoded, as it would alone).
 */
final class OutputMessage {
  private static final byte[] HEX = "0123456789ABCDEF".getBytes(StandardCharsets.US_ASCII);

  private OutputMessage() {}

  /**
   * {@code {"channel":"run","event":"output","runId",…,"seq","firstSeq","stream","data"}}, with
   * {@code data} the first {@code length} bytes of {@code utf8}.
   */
  static String encode(UUID runId, long firstSeq, long seq, RunChunk.Stream stream, byte[] utf8, int length) {
    String head = "{\"channel\":\"run\",\"event\":\"output\",\"runId\":\"" + runId + "\",\"seq\":" + seq
        + ",\"firstSeq\":" + firstSeq + ",\"stream\":\"" + stream.wire() + "\",\"data\":\"";
    int escapes = 0;
    for (int i = 0; i < length; i++) {
      int c = utf8[i];
      if (c >= 0 && (c < 0x20 || c == '"' || c == '\\')) {
        escapes++;
      }
    }
    // Every escape is at most six bytes for one.
    byte[] start = head.getBytes(StandardCharsets.US_ASCII);
    byte[] out = new byte[start.length + length + escapes * 5 + 2];
    System.arraycopy(start, 0, out, 0, start.length);
    int at = start.length;
    int plain = 0; // start of the run of bytes that need no escape
    for (int i = 0; i < length && escapes > 0; i++) {
      int c = utf8[i];
      if (c < 0 || (c >= 0x20 && c != '"' && c != '\\')) {
        continue;
      }
      escapes--;
      System.arraycopy(utf8, plain, out, at, i - plain);
      at += i - plain;
      plain = i + 1;
      out[at++] = '\\';
      switch (c) {
        case '"' -> out[at++] = '"';
        case '\\' -> out[at++] = '\\';
        case '\n' -> out[at++] = 'n';
        case '\r' -> out[at++] = 'r';
        case '\t' -> out[at++] = 't';
        case '\b' -> out[at++] = 'b';
        case '\f' -> out[at++] = 'f';
        default -> {
          out[at++] = 'u';
          out[at++] = '0';
          out[at++] = '0';
          out[at++] = HEX[c >> 4];
          out[at++] = HEX[c & 0xF];
        }
      }
    }
    System.arraycopy(utf8, plain, out, at, length - plain);
    at += length - plain;
    out[at++] = '"';
    out[at++] = '}';
    return new String(out, 0, at, StandardCharsets.UTF_8);
  }
}
