package dev.ensemble.http;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Turns every failure into {@code {"error": {code, message, field?}}} with the right status. */
public final class ErrorMapper {
  private static final Logger log = LoggerFactory.getLogger(ErrorMapper.class);

  private ErrorMapper() {}

  /** Installs the mapping on a router. */
  public static void install(Router router, long maxBodyBytes) {
    router.route().failureHandler(ctx -> handle(ctx, maxBodyBytes));
    router.errorHandler(404, ctx -> write(ctx, 404, "not_found", "no such route", null));
    router.errorHandler(405, ctx -> write(ctx, 405, "method_not_allowed", "method not allowed", null));
  }

  private static void handle(RoutingContext ctx, long maxBodyBytes) {
    Throwable failure = ctx.failure();
    if (failure instanceof ApiException e) {
      if (e.status() >= 400 && e.status() < 500) {
        log.info("{} {} -> {} {}: {}", ctx.request().method(), ctx.normalizedPath(), e.status(), e.code(), e.getMessage());
      }
      e.retryAfterSeconds().ifPresent(s -> ctx.response().putHeader("Retry-After", Long.toString(s)));
      write(ctx, e.status(), e.code(), e.getMessage(), e.field().orElse(null));
      return;
    }
    int status = ctx.statusCode();
    if (status == 413) {
      log.info("{} {} -> 413 body over {} bytes", ctx.request().method(), ctx.normalizedPath(), maxBodyBytes);
      write(ctx, 413, "payload_too_large", "request body exceeds " + maxBodyBytes + " bytes", null);
    } else if (status >= 400 && status < 500 && failure == null) {
      write(ctx, status, status == 404 ? "not_found" : "bad_request", "request rejected", null);
    } else {
      log.error("{} {} failed", ctx.request().method(), ctx.normalizedPath(), failure);
      write(ctx, 500, "internal", "internal server error", null);
    }
  }

  static void write(RoutingContext ctx, int status, String code, String message, String field) {
    if (ctx.response().headWritten()) {
      ctx.response().reset();
      return;
    }
    JsonObject error = new JsonObject().put("code", code).put("message", message);
    if (field != null) {
      error.put("field", field);
    }
    ctx.response()
        .setStatusCode(status)
        .putHeader("Content-Type", "application/json")
        .end(new JsonObject().put("error", error).encode());
  }
}
