package dev.ensemble.sync;

import java.util.Optional;

/**
 * A shallow reading of an Automerge sync message (the {@code data} of {@code sync} and
 * {@code request}): its advertised heads and how many change chunks it carries. Enough to refuse a
 * read-only peer's changes without handing them to Automerge, and to reject bytes that are not a
 * sync message at all.
 *
 * <p>Layout: a type byte (0x42, or 0x43 for the whole-document variant), then length-prefixed
 * (unsigned LEB128) lists: heads and need (32-byte hashes), have (each: last-sync hashes and a
 * length-prefixed bloom filter), changes (each length-prefixed), then optional flags.
 */
record SyncPayload(int headCount, int changeCount) {
  private static final int HASH = 32;

  /** Empty when the bytes are not an Automerge sync message. */
  static Optional<SyncPayload> read(byte[] data) {
    try {
      Reader r = new Reader(data);
      int type = r.byteAt();
      if (type != 0x42 && type != 0x43) {
        return Optional.empty();
      }
      int heads = r.count();
      r.skip((long) heads * HASH);
      r.skip((long) r.count() * HASH); // need
      int have = r.count();
      for (int i = 0; i < have; i++) {
        r.skip((long) r.count() * HASH); // last sync
        r.skip(r.uleb()); // bloom
      }
      int changes = r.count();
      for (int i = 0; i < changes; i++) {
        r.skip(r.uleb());
      }
      return Optional.of(new SyncPayload(heads, changes));
    } catch (IndexOutOfBoundsException e) {
      return Optional.empty();
    }
  }

  private static final class Reader {
    private final byte[] b;
    private int pos;

    Reader(byte[] b) {
      this.b = b;
    }

    int byteAt() {
      if (pos >= b.length) {
        throw new IndexOutOfBoundsException();
      }
      return b[pos++] & 0xff;
    }

    long uleb() {
      long value = 0;
      for (int shift = 0; shift < 64; shift += 7) {
        int x = byteAt();
        value |= (long) (x & 0x7f) << shift;
        if ((x & 0x80) == 0) {
          return value;
        }
      }
      throw new IndexOutOfBoundsException();
    }

    /** A list length, which can never exceed the bytes left. */
    int count() {
      long n = uleb();
      if (n > b.length - pos) {
        throw new IndexOutOfBoundsException();
      }
      return (int) n;
    }

    void skip(long n) {
      if (n < 0 || n > b.length - pos) {
        throw new IndexOutOfBoundsException();
      }
      pos += (int) n;
    }
  }
}
