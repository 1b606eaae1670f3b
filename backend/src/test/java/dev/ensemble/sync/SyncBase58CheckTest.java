package dev.ensemble.sync;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ensemble.sync.protocol.Base58Check;
import dev.ensemble.sync.protocol.DocumentId;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** base58check and document ids agree with the bs58check package automerge-repo uses. */
class SyncBase58CheckTest {
  /** Vectors printed by bs58check 3.0.1 (the version @automerge/automerge-repo 2.5.6 depends on). */
  @Test
  void encodesLikeTheJavaScriptImplementation() {
    assertEquals("1Bhh3pU9gLXZiNDL6PEa1Gs9fh", Base58Check.encode(bytes(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)));
    assertEquals("11111111111111114Ki9Gx", Base58Check.encode(new byte[16]));
    assertEquals("113DyTCgLVu", Base58Check.encode(bytes(0, 0, 1, 2, 255)));
  }

  @Test
  void decodesWhatItEncodesKeepingLeadingZeros() {
    Random random = new Random(42);
    for (int i = 0; i < 500; i++) {
      byte[] payload = new byte[random.nextInt(40)];
      random.nextBytes(payload);
      if (payload.length > 2 && random.nextBoolean()) {
        payload[0] = 0;
        payload[1] = 0;
      }
      assertArrayEquals(payload, Base58Check.decode(Base58Check.encode(payload)).orElseThrow());
    }
  }

  @Test
  void rejectsWrongChecksumsAndForeignCharacters() {
    String good = "1Bhh3pU9gLXZiNDL6PEa1Gs9fh";
    assertTrue(Base58Check.decode(good).isPresent());
    assertTrue(Base58Check.decode("1Bhh3pU9gLXZiNDL6PEa1Gs9fi").isEmpty(), "last character changed");
    assertTrue(Base58Check.decode("0Bhh3pU9gLXZiNDL6PEa1Gs9fh").isEmpty(), "0 is not in the alphabet");
    assertTrue(Base58Check.decode("").isEmpty());
    assertTrue(Base58Check.decode("1l").isEmpty());
  }

  @Test
  void documentIdsAreSixteenBytesAndRoundTripThroughUrls() {
    DocumentId id = DocumentId.parse("1Bhh3pU9gLXZiNDL6PEa1Gs9fh").orElseThrow();
    assertEquals(UUID.fromString("00010203-0405-0607-0809-0a0b0c0d0e0f"), id.uuid());
    assertEquals("automerge:1Bhh3pU9gLXZiNDL6PEa1Gs9fh", id.url());
    assertEquals(id, DocumentId.fromUrl(id.url() + "#heads").orElseThrow());
    DocumentId random = DocumentId.random();
    assertEquals(random, DocumentId.parse(random.encoded()).orElseThrow());
    assertTrue(DocumentId.parse("113DyTCgLVu").isEmpty(), "valid base58check but not 16 bytes");
    assertTrue(DocumentId.fromUrl("1Bhh3pU9gLXZiNDL6PEa1Gs9fh").isEmpty(), "no automerge: prefix");
  }

  private static byte[] bytes(int... values) {
    byte[] b = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      b[i] = (byte) values[i];
    }
    return b;
  }
}
