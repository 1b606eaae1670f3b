package dev.ensemble.ai.complete;

import dev.ensemble.ai.AiProvider.Failure;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/**
 * A failed HTTP answer of the fill-in-the-middle endpoint, in the assistant's {@code ai_*} codes
 * (the chat path gets the same codes from its langchain4j adapter).
 */
final class ProviderFailures {
  private ProviderFailures() {}

  static Failure fromStatus(int status, String detail, Optional<Long> retryAfter) {
    if (status == 401 || status == 403) {
      return failure("ai_provider_auth", "The provider refused the configured API key (" + status + "): " + detail);
    }
    if (status == 404) {
      return failure("ai_model_not_found", "The provider does not know this model or endpoint: " + detail);
    }
    if (status == 429) {
      return new Failure(
          "ai_provider_rate_limited", "The provider is rate limiting requests: " + detail, retryAfter, Optional.empty());
    }
    if (status >= 500) {
      return new Failure(
          "ai_provider_unavailable", "The provider had an internal problem (" + status + "); try again: " + detail,
          retryAfter, Optional.empty());
    }
    return failure("ai_provider_rejected", "The provider rejected the request (" + status + "): " + detail);
  }

  /** {@code error.message} of an OpenAI-style error body, else the start of the raw text. */
  static String providerMessage(String body) {
    if (body == null || body.isBlank()) {
      return "no details given";
    }
    try {
      Object error = new JsonObject(body).getValue("error");
      if (error instanceof JsonObject e && e.getString("message") != null) {
        return e.getString("message");
      }
      if (error instanceof String s) {
        return s;
      }
    } catch (RuntimeException notJson) {
      // fall through to the raw text
    }
    String text = body.strip();
    return text.length() > 300 ? text.substring(0, 300) + "…" : text;
  }

  /** Retry-After in whole seconds (at least 1), given as seconds or as an HTTP date. */
  static Optional<Long> retryAfter(String value) {
    if (value == null || value.isBlank()) {
      return Optional.empty();
    }
    String v = value.trim();
    try {
      return Optional.of(Math.max(1, (long) Math.ceil(Double.parseDouble(v))));
    } catch (NumberFormatException notSeconds) {
      try {
        ZonedDateTime at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME);
        return Optional.of(Math.max(1, Duration.between(ZonedDateTime.now(at.getZone()), at).toSeconds()));
      } catch (DateTimeParseException notADate) {
        return Optional.empty();
      }
    }
  }

  private static Failure failure(String code, String message) {
    return new Failure(code, message, Optional.empty(), Optional.empty());
  }
}
