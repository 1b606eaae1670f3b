package dev.ensemble.identity;

import java.util.Optional;

/**
 * Who made a request. {@code csrfToken} is present when the caller authenticated with the session
 * cookie, which is what makes a request forgeable.
 */
public record Caller(User user, Optional<String> csrfToken, Optional<byte[]> sessionHash) {
  public static final String KEY = "ensemble.caller";
}
