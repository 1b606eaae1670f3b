package dev.ensemble.git;

import dev.ensemble.http.Api;
import dev.ensemble.http.ApiException;
import dev.ensemble.http.Ids;
import dev.ensemble.http.Reply;
import dev.ensemble.identity.Authenticator;
import dev.ensemble.identity.Caller;
import dev.ensemble.projects.Project;
import dev.ensemble.projects.ProjectStore;
import dev.ensemble.projects.Role;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;

/**
 * Webhooks over HTTP: owners manage a project's webhook ({@code /api/projects/{projectId}/git/webhook});
 * GitHub and GitLab deliver to {@code /api/hooks/github} and {@code /api/hooks/gitlab}.
 */
public final class WebhookRoutes {
  private final ProjectStore projects;
  private final Webhooks webhooks;
  private final long maxBytes;

  public WebhookRoutes(ProjectStore projects, Webhooks webhooks, long maxBytes) {
    this.projects = projects;
    this.webhooks = webhooks;
    this.maxBytes = maxBytes;
  }

  public void mount(Router router, Api api) {
    String p = "/api/projects/:projectId/git/webhook";
    api.bind(router.post(p), ctx -> access(ctx, Role.OWNER)
        .compose(project -> webhooks.create(project, Authenticator.require(ctx).user())).map(Reply::created));
    // Editors may see that a webhook exists and what it last did (never its secret); viewers not.
    api.bind(router.get(p), ctx -> access(ctx, Role.EDITOR).compose(webhooks::describe).map(Reply::ok));
    api.bind(router.delete(p), ctx -> access(ctx, Role.OWNER).compose(webhooks::delete).map(v -> Reply.noContent()));

    // Deliveries carry no session: the secret is their authentication, so no Authenticator (and no
    // CSRF check) runs on them, and their body limit is the webhook one.
    Api hooks = new Api(List.of(BodyHandler.create(false).setBodyLimit(maxBytes)));
    delivery(router, hooks, "/api/hooks/github", Webhooks.Source.GITHUB, "X-GitHub-Event", "X-Hub-Signature-256",
        "X-GitHub-Delivery");
    delivery(router, hooks, "/api/hooks/gitlab", Webhooks.Source.GITLAB, "X-Gitlab-Event", "X-Gitlab-Token",
        "X-Gitlab-Event-UUID");
  }

  private void delivery(Router router, Api hooks, String path, Webhooks.Source source, String eventHeader,
      String proofHeader, String idHeader) {
    Route route = router.post(path);
    hooks.bind(route, ctx -> {
      String contentType = Optional.ofNullable(ctx.request().getHeader("Content-Type")).orElse("");
      if (!contentType.toLowerCase(Locale.ROOT).startsWith("application/json")) {
        throw ApiException.of(415, "unsupported_media_type", "set the webhook's content type to application/json");
      }
      String event = required(ctx, eventHeader, "");
      String proof = required(ctx, proofHeader, ": give the webhook the secret from POST /api/projects/{projectId}/git/webhook");
      Buffer body = ctx.body().buffer();
      var d = new Webhooks.Delivery(source, event, Optional.ofNullable(ctx.request().getHeader(idHeader)), proof,
          body == null ? new byte[0] : body.getBytes());
      return webhooks.receive(d).map(r -> new Reply(r.kind() == Webhooks.Kind.PUSH ? 202 : 200,
          new JsonObject().put("accepted", r.accepted())));
    });
    // The body handler refuses a body over the limit (declared or while reading): name that limit.
    route.failureHandler(ctx -> {
      if (ctx.statusCode() == 413 && !(ctx.failure() instanceof ApiException)) {
        ctx.fail(ApiException.tooLarge(maxBytes));
      } else {
        ctx.next();
      }
    });
  }

  private static String required(RoutingContext ctx, String header, String hint) {
    String value = ctx.request().getHeader(header);
    if (value == null || value.isBlank()) {
      throw ApiException.badRequest("missing_header", "the " + header + " header is required" + hint);
    }
    return value.strip();
  }

  /** The project for the caller with at least the role: 404 for non-members, 403 if too weak. */
  private Future<Project> access(RoutingContext ctx, Role needed) {
    Caller caller = Authenticator.require(ctx);
    UUID id = Ids.parse(ctx.pathParam("projectId")).orElseThrow(() -> ApiException.notFound("project"));
    return projects.find(id, caller.user().id()).map(found -> {
      Project p = found.orElseThrow(() -> ApiException.notFound("project"));
      if (!p.role().atLeast(needed)) {
        throw ApiException.forbidden("this needs the " + needed.wire() + " role; you are " + p.role().wire());
      }
      return p;
    });
  }
}
