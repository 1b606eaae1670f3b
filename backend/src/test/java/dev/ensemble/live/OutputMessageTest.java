package dev.ensemble.live;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ensemble.runs.RunChunk;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The direct encoding of output messages says exactly what the general JSON encoder says. */
class OutputMessageTest {
  private static final UUID RUN = UUID.fromString("0b5d4c1e-8f0a-4a52-9d0e-3f1b2c3d4e5f");

  @Test
  void trickyOutputEncodesAsTheGeneralEncoderDoes() {
    List<String> samples = List.of(
        "",
        "plain ascii line\n",
        "quote \" backslash \\ slash / tab\tcr\rnewline\n",
        "bell \u0007 nul \u0000 escape \u001b[31mred\u001b[0m del \u007f",
        "\b\f\u001f\u0020",
        "ünïcödé — “quotes” \u2028 \u2029 日本語",
        "emoji 🎉 at the end 🎉");
    for (String text : samples) {
      assertSame(text.getBytes(StandardCharsets.UTF_8), RunChunk.Stream.STDERR);
    }
    // Malformed UTF-8, also next to bytes that are escaped: each bad byte decodes as U+FFFD.
    assertSame(new byte[] {(byte) 0xC3, '"', 'x', (byte) 0xFF, '\\', (byte) 0xE2, (byte) 0x82, '\n'},
        RunChunk.Stream.STDOUT);
    assertSame(new byte[] {(byte) 0xF0, (byte) 0x9F, (byte) 0x8E}, RunChunk.Stream.STDOUT);
  }

  @Test
  void randomOutputEncodesAsTheGeneralEncoderDoes() {
    Random random = new Random(42);
    for (int round = 0; round < 2000; round++) {
      byte[] bytes = new byte[random.nextInt(300)];
      if (round % 2 == 0) {
        random.nextBytes(bytes); // anything, mostly malformed
      } else {
        StringBuilder b = new StringBuilder();
        while (b.length() < bytes.length) {
          int kind = random.nextInt(4);
          b.appendCodePoint(switch (kind) {
            case 0 -> random.nextInt(0x20);
            case 1 -> 0x20 + random.nextInt(0x60);
            case 2 -> 0x80 + random.nextInt(0x780);
            default -> 0x10000 + random.nextInt(0x1000);
          });
        }
        bytes = b.toString().getBytes(StandardCharsets.UTF_8);
      }
      assertSame(bytes, RunChunk.Stream.STDOUT);
    }
  }

  @Test
  void onlyTheGivenLengthIsEncoded() {
    byte[] bytes = "abc\"def".getBytes(StandardCharsets.UTF_8);
    assertEquals(OutputMessage.encode(RUN, 1, 1, RunChunk.Stream.STDOUT, Arrays.copyOf(bytes, 4), 4),
        OutputMessage.encode(RUN, 1, 1, RunChunk.Stream.STDOUT, bytes, 4));
  }

  private static void assertSame(byte[] data, RunChunk.Stream stream) {
    JsonObject expected = new JsonObject()
        .put("channel", "run")
        .put("event", "output")
        .put("runId", RUN.toString())
        .put("seq", 41L)
        .put("firstSeq", 7L)
        .put("stream", stream.wire())
        .put("data", new String(data, StandardCharsets.UTF_8));
    String encoded = OutputMessage.encode(RUN, 7, 41, stream, data, data.length);
    assertEquals(expected.encode(), encoded, () -> "for " + Arrays.toString(data));
    assertEquals(expected, new JsonObject(encoded));
  }
}
