package dev.ensemble.http;

import dev.ensemble.ai.AiRoutes;
import dev.ensemble.ai.agent.AgentRoutes;
import dev.ensemble.git.GitRoutes;
import dev.ensemble.git.WebhookRoutes;
import dev.ensemble.identity.AuthRoutes;
import dev.ensemble.live.LiveEndpoint;
import dev.ensemble.identity.Authenticator;
import dev.ensemble.projects.ProjectRoutes;
import dev.ensemble.runs.RunRoutes;
import dev.ensemble.store.Database;
import dev.ensemble.sync.SyncEndpoint;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.AllowForwardHeaders;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.StaticHandler;
import io.vertx.micrometer.PrometheusScrapingHandler;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** One HTTP server instance (one per event loop): routes, health, metrics and the web app. */
public final class HttpVerticle extends VerticleBase {
  /** Everything the routes need, built once by the composition root. */
  public record Wiring(
      String host, int port, long maxBodyBytes, boolean trustProxy, Duration shutdownTimeout,
      Database database, PrometheusMeterRegistry registry, Authenticator authenticator,
      AuthRoutes auth, ProjectRoutes projects, SyncEndpoint sync, AiRoutes ai, LiveEndpoint live, RunRoutes runs,
      GitRoutes git, WebhookRoutes webhooks, ApiDescription openApi,
      BooleanSupplier draining, AgentRoutes agent) {}

  private final Wiring w;
  private HttpServer server;
  private Router router;

  public HttpVerticle(Wiring wiring) {
    this.w = wiring;
  }

  @Override
  public Future<?> start() {
    router = Router.router(vertx);
    if (w.trustProxy()) {
      router.allowForward(AllowForwardHeaders.ALL);
    }
    router.route().handler(HttpVerticle::securityHeaders);
    router.get("/health").handler(ctx -> json(ctx, 200, new JsonObject().put("status", "UP")));
    router.get("/ready").handler(this::ready);
    router.get("/metrics").handler(PrometheusScrapingHandler.create(w.registry()));
    router.get("/api/openapi.yaml").handler(w.openApi()::serve);

    Api api = new Api(List.of(BodyHandler.create(false).setBodyLimit(w.maxBodyBytes()), w.authenticator()));
    w.auth().mount(router, api);
    w.projects().mount(router, api);
    w.ai().mount(router, api);
    w.agent().mount(router, api);
    w.git().mount(router, api);
    w.webhooks().mount(router, api);
    w.runs().mount(router, api);
    w.live().mount(router);
    w.sync().mount(router);
    router.route("/api/*").handler(ctx -> ctx.fail(ApiException.notFound("route " + ctx.request().path())));

    router.route().handler(StaticHandler.create("webroot").setCachingEnabled(true).setIndexPage("index.html"));
    // Client-side routes of the single-page app (e.g. /invite/<token>) get index.html.
    router.get().handler(ctx -> ctx.reroute("/index.html"));
    ErrorMapper.install(router, w.maxBodyBytes());

    server =
        vertx.createHttpServer(
            new HttpServerOptions()
                .setHost(w.host())
                .setPort(w.port())
                .setCompressionSupported(true)
                // No cleartext HTTP/2 upgrades: browsers never ask, proxies speak HTTP/1.1 to us, and a
                // client that asked (the JDK's, by default) could get a large answer mis-framed.
                .setHttp2ClearTextEnabled(false)
                // Sync messages are compact binary already; deflate on WebSockets only costs CPU and
                // lets clients inflate late, after their socket started closing.
                .setPerMessageWebSocketCompressionSupported(false)
                .setPerFrameWebSocketCompressionSupported(false)
                .setMaxWebSocketFrameSize(w.sync().settings().transportLimitBytes())
                .setMaxWebSocketMessageSize(w.sync().settings().transportLimitBytes()));
    return server.requestHandler(router).listen();
  }

  @Override
  public Future<?> stop() {
    // Stop accepting, let in-flight requests finish, then close what is left; the rest of the
    // shutdown budget is for the pool and the embedded database.
    return server == null ? Future.succeededFuture() : server.shutdown(w.shutdownTimeout().toMillis() * 7 / 10, TimeUnit.MILLISECONDS);
  }

  private void ready(RoutingContext ctx) {
    if (w.draining().getAsBoolean()) {
      json(ctx, 503, new JsonObject().put("status", "DOWN").put("reason", "shutting down"));
      return;
    }
    w.database()
        .checkReady()
        .onSuccess(v -> json(ctx, 200, new JsonObject().put("status", "UP")
            .put("checks", new JsonObject().put("database", "UP").put("migrations", "UP")
                .put("sandbox", w.runs().isolation()))))
        .onFailure(e -> json(ctx, 503, new JsonObject().put("status", "DOWN").put("reason", "database: " + e.getMessage())));
  }

  private static void securityHeaders(RoutingContext ctx) {
    ctx.response()
        .putHeader("X-Content-Type-Options", "nosniff")
        .putHeader("X-Frame-Options", "DENY")
        .putHeader("Referrer-Policy", "same-origin");
    ctx.next();
  }

  private static void json(RoutingContext ctx, int status, JsonObject body) {
    ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body.encode());
  }

  /** The routes this server answers (the OpenAPI test compares them with the description). */
  public List<io.vertx.ext.web.Route> routes() {
    return router.getRoutes();
  }

  public SyncEndpoint sync() {
    return w.sync();
  }

  /** Port actually bound (useful when configured as 0). */
  public int actualPort() {
    return server.actualPort();
  }
}
