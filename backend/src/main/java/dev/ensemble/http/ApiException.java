package dev.ensemble.http;

import java.util.Optional;

/** A failure the client caused or must know about; mapped to one JSON error shape. */
public final class ApiException extends RuntimeException {
  private final int status;
  private final String code;
  private final Optional<String> field;
  private final Optional<Long> retryAfterSeconds;

  private ApiException(
      int status, String code, String message, Optional<String> field, Optional<Long> retryAfter) {
    super(message, null, false, false);
    this.status = status;
    this.code = code;
    this.field = field;
    this.retryAfterSeconds = retryAfter;
  }

  public static ApiException of(int status, String code, String message) {
    return new ApiException(status, code, message, Optional.empty(), Optional.empty());
  }

  public static ApiException badRequest(String code, String message) {
    return new ApiException(400, code, message, Optional.empty(), Optional.empty());
  }

  public static ApiException invalidField(String field, String message) {
    return new ApiException(400, "validation_failed", message, Optional.of(field), Optional.empty());
  }

  public static ApiException unauthorized(String message) {
    return new ApiException(401, "unauthorized", message, Optional.empty(), Optional.empty());
  }

  public static ApiException forbidden(String message) {
    return new ApiException(403, "forbidden", message, Optional.empty(), Optional.empty());
  }

  public static ApiException csrf() {
    return new ApiException(
        403, "csrf_failed", "missing or wrong X-CSRF-Token header", Optional.empty(), Optional.empty());
  }

  /** Also used for resources the caller may not see, so existence is not leaked. */
  public static ApiException notFound(String what) {
    return new ApiException(404, "not_found", what + " not found", Optional.empty(), Optional.empty());
  }

  public static ApiException conflict(String code, String message) {
    return new ApiException(409, code, message, Optional.empty(), Optional.empty());
  }

  public static ApiException tooLarge(long limit) {
    return new ApiException(
        413, "payload_too_large", "request body exceeds " + limit + " bytes", Optional.empty(), Optional.empty());
  }

  public static ApiException rateLimited(long retryAfterSeconds) {
    return new ApiException(
        429, "rate_limited", "too many attempts; retry in " + retryAfterSeconds + " s",
        Optional.empty(), Optional.of(retryAfterSeconds));
  }

  public int status() {
    return status;
  }

  public String code() {
    return code;
  }

  public Optional<String> field() {
    return field;
  }

  public Optional<Long> retryAfterSeconds() {
    return retryAfterSeconds;
  }
}
