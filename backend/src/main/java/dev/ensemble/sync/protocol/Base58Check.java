package dev.ensemble.sync.protocol;

import java.math.BigInteger;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Optional;

/**
 * Base58 with a four-byte double-SHA-256 checksum (the Bitcoin alphabet), as automerge-repo uses
 * for document ids and URL heads.
 */
public final class Base58Check {
  private static final char[] ALPHABET =
      "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz".toCharArray();
  private static final int[] INDEX = new int[128];
  private static final BigInteger BASE = BigInteger.valueOf(58);

  static {
    Arrays.fill(INDEX, -1);
    for (int i = 0; i < ALPHABET.length; i++) {
      INDEX[ALPHABET[i]] = i;
    }
  }

  private Base58Check() {}

  /** Encodes the payload followed by its checksum. */
  public static String encode(byte[] payload) {
    byte[] sum = checksum(payload);
    byte[] all = Arrays.copyOf(payload, payload.length + 4);
    System.arraycopy(sum, 0, all, payload.length, 4);
    return encodePlain(all);
  }

  /** The payload, or empty when the text is not base58 or its checksum does not match. */
  public static Optional<byte[]> decode(String text) {
    Optional<byte[]> all = decodePlain(text);
    if (all.isEmpty() || all.get().length < 4) {
      return Optional.empty();
    }
    byte[] bytes = all.get();
    byte[] payload = Arrays.copyOf(bytes, bytes.length - 4);
    byte[] expected = checksum(payload);
    return MessageDigest.isEqual(expected, Arrays.copyOfRange(bytes, bytes.length - 4, bytes.length))
        ? Optional.of(payload)
        : Optional.empty();
  }

  static String encodePlain(byte[] bytes) {
    int zeros = 0;
    while (zeros < bytes.length && bytes[zeros] == 0) {
      zeros++;
    }
    StringBuilder out = new StringBuilder();
    BigInteger n = new BigInteger(1, bytes);
    while (n.signum() > 0) {
      BigInteger[] qr = n.divideAndRemainder(BASE);
      out.append(ALPHABET[qr[1].intValue()]);
      n = qr[0];
    }
    for (int i = 0; i < zeros; i++) {
      out.append(ALPHABET[0]);
    }
    return out.reverse().toString();
  }

  static Optional<byte[]> decodePlain(String text) {
    if (text == null || text.isEmpty() || text.length() > 256) {
      return Optional.empty();
    }
    BigInteger n = BigInteger.ZERO;
    int zeros = 0;
    boolean leading = true;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      int digit = c < 128 ? INDEX[c] : -1;
      if (digit < 0) {
        return Optional.empty();
      }
      if (leading && digit == 0) {
        zeros++;
      } else {
        leading = false;
      }
      n = n.multiply(BASE).add(BigInteger.valueOf(digit));
    }
    byte[] magnitude = n.signum() == 0 ? new byte[0] : n.toByteArray();
    // BigInteger may prepend a sign byte.
    int skip = magnitude.length > 0 && magnitude[0] == 0 ? 1 : 0;
    byte[] out = new byte[zeros + magnitude.length - skip];
    System.arraycopy(magnitude, skip, out, zeros, magnitude.length - skip);
    return Optional.of(out);
  }

  private static byte[] checksum(byte[] payload) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      byte[] once = sha.digest(payload);
      return Arrays.copyOf(sha.digest(once), 4);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
