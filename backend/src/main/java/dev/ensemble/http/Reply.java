package dev.ensemble.http;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.RoutingContext;

/** What an endpoint answers: a status and an optional JSON body. */
public record Reply(int status, Object body) {

  /** An endpoint: reads the request, returns its reply later, or fails with an ApiException. */
  @FunctionalInterface
  public interface Endpoint {
    Future<Reply> handle(RoutingContext ctx);
  }

  public static Reply ok(JsonObject body) {
    return new Reply(200, body);
  }

  public static Reply ok(JsonArray body) {
    return new Reply(200, body);
  }

  public static Reply created(JsonObject body) {
    return new Reply(201, body);
  }

  public static Reply noContent() {
    return new Reply(204, null);
  }

  /** Binds an endpoint to a route; failures and thrown exceptions go to the error mapper. */
  static void bind(Route route, Endpoint endpoint) {
    route.handler(
        ctx -> {
          Future<Reply> reply;
          try {
            reply = endpoint.handle(ctx);
          } catch (RuntimeException e) {
            ctx.fail(e);
            return;
          }
          reply.onSuccess(r -> send(ctx, r)).onFailure(ctx::fail);
        });
  }

  static void send(RoutingContext ctx, Reply r) {
    if (ctx.response().ended()) {
      return;
    }
    ctx.response().setStatusCode(r.status());
    if (r.body() == null) {
      ctx.response().end();
    } else {
      ctx.response()
          .putHeader("Content-Type", "application/json")
          .end(r.body() instanceof JsonObject o ? o.encode() : ((JsonArray) r.body()).encode());
    }
  }
}
