package dev.ensemble.http;

import io.vertx.core.Handler;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/**
 * Binds REST endpoints behind the handlers every API route shares (body limit, authentication,
 * CSRF), so each route is one entry in the router and one label in the metrics.
 */
public final class Api {
  private final List<Handler<RoutingContext>> shared;

  public Api(List<Handler<RoutingContext>> shared) {
    this.shared = shared;
  }

  public void bind(Route route, Reply.Endpoint endpoint) {
    shared.forEach(route::handler);
    Reply.bind(route, endpoint);
  }

  /** A route with the shared handlers and a raw handler (redirects, streams). */
  public void raw(Route route, Handler<RoutingContext> handler) {
    shared.forEach(route::handler);
    route.handler(handler);
  }
}
