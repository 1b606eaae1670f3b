package dev.ensemble.http;

import java.util.Optional;
import java.util.UUID;

/** Identifiers taken from paths: a malformed one is simply not found. */
public final class Ids {
  private Ids() {}

  public static Optional<UUID> parse(String value) {
    if (value == null || value.length() != 36) {
      return Optional.empty();
    }
    try {
      return Optional.of(UUID.fromString(value));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }
}
