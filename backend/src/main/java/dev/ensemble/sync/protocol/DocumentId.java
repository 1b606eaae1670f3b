package dev.ensemble.sync.protocol;

import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.UUID;

/**
 * An automerge-repo document id: 16 random bytes (a UUID), written base58check-encoded on the wire
 * and in {@code automerge:<id>} URLs, stored as a {@code uuid} in the database.
 */
public record DocumentId(UUID uuid) {
  public static final String URL_PREFIX = "automerge:";

  /** Parses the wire form; empty when it is not base58check of exactly 16 bytes. */
  public static Optional<DocumentId> parse(String encoded) {
    return Base58Check.decode(encoded)
        .filter(b -> b.length == 16)
        .map(
            b -> {
              ByteBuffer buf = ByteBuffer.wrap(b);
              return new DocumentId(new UUID(buf.getLong(), buf.getLong()));
            });
  }

  /** Parses {@code automerge:<id>} (heads after {@code #} are ignored). */
  public static Optional<DocumentId> fromUrl(String url) {
    if (url == null || !url.startsWith(URL_PREFIX)) {
      return Optional.empty();
    }
    String rest = url.substring(URL_PREFIX.length());
    int hash = rest.indexOf('#');
    return parse(hash < 0 ? rest : rest.substring(0, hash));
  }

  public static DocumentId random() {
    return new DocumentId(UUID.randomUUID());
  }

  public byte[] bytes() {
    return ByteBuffer.allocate(16)
        .putLong(uuid.getMostSignificantBits())
        .putLong(uuid.getLeastSignificantBits())
        .array();
  }

  /** The wire form. */
  public String encoded() {
    return Base58Check.encode(bytes());
  }

  public String url() {
    return URL_PREFIX + encoded();
  }

  @Override
  public String toString() {
    return encoded();
  }
}
