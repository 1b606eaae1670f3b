package dev.ensemble.cluster;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * The fields the binary bus messages share (docs/scaling.md): a UUID as two big-endian longs, and
 * text as a 4-byte length and UTF-8 (a batch of text may exceed {@code writeUTF}'s 64 KiB).
 */
public final class BusFields {
  private BusFields() {}

  public static void uuid(DataOutputStream out, UUID id) throws IOException {
    out.writeLong(id.getMostSignificantBits());
    out.writeLong(id.getLeastSignificantBits());
  }

  public static UUID uuid(DataInputStream in) throws IOException {
    return new UUID(in.readLong(), in.readLong());
  }

  public static void text(DataOutputStream out, String s) throws IOException {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    out.writeInt(b.length);
    out.write(b);
  }

  /** Fails on a length that is negative or beyond what the payload still holds. */
  public static String text(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n < 0 || n > in.available()) {
      throw new IOException("cut short");
    }
    return new String(in.readNBytes(n), StandardCharsets.UTF_8);
  }
}
