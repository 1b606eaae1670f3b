package dev.ensemble.ai;

import java.util.Optional;

/** A chat request refused before any answer started: not configured, rate limited, over budget. */
public final class ChatRefused extends RuntimeException {
  private final int status;
  private final String code;
  private final Optional<Long> retryAfterSeconds;

  ChatRefused(int status, String code, String message, Optional<Long> retryAfterSeconds) {
    super(message, null, false, false);
    this.status = status;
    this.code = code;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  public static ChatRefused notConfigured() {
    return new ChatRefused(
        503, "ai_not_configured", "the AI assistant is not configured on this server (see ENSEMBLE_AI_PROVIDER)",
        Optional.empty());
  }

  public int status() {
    return status;
  }

  public String code() {
    return code;
  }

  public Optional<Long> retryAfterSeconds() {
    return retryAfterSeconds;
  }
}
