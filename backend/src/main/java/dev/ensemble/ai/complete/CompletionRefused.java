package dev.ensemble.ai.complete;

import java.util.Optional;

/** A completion request refused or failed: a status, one of the documented codes, and maybe when to retry. */
final class CompletionRefused extends RuntimeException {
  private final int status;
  private final String code;
  private final Optional<Long> retryAfterSeconds;

  CompletionRefused(int status, String code, String message, Optional<Long> retryAfterSeconds) {
    super(message, null, false, false);
    this.status = status;
    this.code = code;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  int status() {
    return status;
  }

  String code() {
    return code;
  }

  Optional<Long> retryAfterSeconds() {
    return retryAfterSeconds;
  }
}
