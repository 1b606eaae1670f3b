package dev.ensemble.projects;

import dev.ensemble.http.ApiException;
import dev.ensemble.http.Ids;
import dev.ensemble.identity.Authenticator;
import dev.ensemble.identity.Caller;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.ext.web.RoutingContext;
import java.net.URI;
import java.util.Optional;
import java.util.UUID;

/**
 * Admits a WebSocket upgrade into one project: authenticates (bearer header, {@code access_token}
 * query parameter, or the session cookie from our own origin only), checks membership, and only
 * then upgrades. Refusals are ordinary HTTP errors, sent before any WebSocket exists.
 */
public final class ProjectSocketGate {
  /** An admitted connection: who, into which project (with their role), and the socket. */
  public record Admitted(Caller caller, Project project, ServerWebSocket socket) {}

  private final Authenticator authenticator;
  private final ProjectStore projects;

  public ProjectSocketGate(Authenticator authenticator, ProjectStore projects) {
    this.authenticator = authenticator;
    this.projects = projects;
  }

  /**
   * Checks the request and upgrades it; on refusal the context has already failed with the error.
   * A project id that is not a UUID is not found.
   */
  public Future<Admitted> admit(RoutingContext ctx, String projectIdValue) {
    Optional<UUID> projectId = Ids.parse(projectIdValue);
    if (!isUpgrade(ctx)) {
      return refuse(ctx, ApiException.badRequest("websocket_expected", ctx.request().path() + " is a WebSocket upgrade"));
    }
    if (projectId.isEmpty()) {
      return refuse(ctx, ApiException.notFound("project"));
    }
    return admit(ctx, projectId.get());
  }

  /** Whether the request asks for a WebSocket. */
  public static boolean isUpgrade(RoutingContext ctx) {
    return "websocket".equalsIgnoreCase(ctx.request().getHeader("Upgrade"));
  }

  /** As {@link #admit(RoutingContext, String)} for an id the caller has already parsed. */
  public Future<Admitted> admit(RoutingContext ctx, UUID projectId) {
    HttpServerRequest req = ctx.request();
    if (!isUpgrade(ctx)) {
      return refuse(ctx, ApiException.badRequest("websocket_expected", req.path() + " is a WebSocket upgrade"));
    }
    Optional<String> accessToken = Optional.ofNullable(req.getParam("access_token")).filter(t -> !t.isBlank());
    String authorization = req.getHeader("Authorization");
    Optional<String> cookie = Authenticator.sessionCookie(ctx);
    // Browsers send cookies on cross-site WebSocket upgrades and apply no CORS to them: a
    // cookie-authenticated upgrade must come from our own origin.
    boolean byCookie = accessToken.isEmpty() && authorization == null && cookie.isPresent();
    if (byCookie && !sameOrigin(req)) {
      return refuse(ctx, ApiException.forbidden("cross-origin WebSocket with a session cookie"));
    }
    // The handshake must still be unread when we upgrade after the asynchronous checks.
    req.pause();
    Future<Admitted> admitted =
        authenticator
            .resolve(authorization, cookie, accessToken)
            .compose(caller -> caller.isPresent()
                ? Future.succeededFuture(caller.get())
                : Future.<Caller>failedFuture(ApiException.unauthorized("authentication required")))
            .compose(caller -> projects.find(projectId, caller.user().id())
                .compose(p -> p.isPresent()
                    ? Future.succeededFuture(p.get())
                    : Future.<Project>failedFuture(ApiException.notFound("project")))
                .compose(project -> req.toWebSocket().map(ws -> new Admitted(caller, project, ws))));
    return admitted.onFailure(e -> {
      if (!ctx.response().headWritten() && !ctx.failed()) {
        ctx.fail(e);
      }
    });
  }

  private static Future<Admitted> refuse(RoutingContext ctx, ApiException e) {
    ctx.fail(e);
    return Future.failedFuture(e);
  }

  static boolean sameOrigin(HttpServerRequest req) {
    String origin = req.getHeader("Origin");
    if (origin == null) {
      return true; // not a browser: no ambient credentials to abuse
    }
    try {
      URI o = URI.create(origin);
      String authority = req.authority() == null ? null : req.authority().toString();
      return o.getRawAuthority() != null && o.getRawAuthority().equalsIgnoreCase(authority);
    } catch (IllegalArgumentException e) {
      return false;
    }
  }
}
