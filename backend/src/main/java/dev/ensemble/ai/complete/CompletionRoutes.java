package dev.ensemble.ai.complete;

import static dev.ensemble.http.JsonBody.string;

import dev.ensemble.ai.complete.CompletionService.Ask;
import dev.ensemble.ai.complete.CompletionService.Call;
import dev.ensemble.ai.complete.CompletionService.Outcome;
import dev.ensemble.http.Api;
import dev.ensemble.http.ApiException;
import dev.ensemble.http.Ids;
import dev.ensemble.http.JsonBody;
import dev.ensemble.identity.Authenticator;
import dev.ensemble.identity.Caller;
import dev.ensemble.projects.Project;
import dev.ensemble.projects.ProjectStore;
import dev.ensemble.projects.Role;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.Optional;
import java.util.UUID;

/**
 * {@code POST /api/projects/{id}/ai/complete}: ghost text for the editor. The answer goes to the
 * caller alone; closing the connection closes the request to the provider.
 */
public final class CompletionRoutes {
  /**
   * The schema's sizes are only a ceiling; the configured limits are checked by the service and
   * answer 413 with the limit named.
   */
  static final JsonBody COMPLETE =
      JsonBody.object(
          new JsonObject()
              .put("path", string(1, 1000))
              .put("prefix", string(0, 1_000_000))
              .put("suffix", string(0, 1_000_000))
              .put("language", string(1, 100))
              .put("model", string(1, 200)),
          "path", "prefix", "suffix");

  private final CompletionService completions;
  private final ProjectStore projects;

  public CompletionRoutes(CompletionService completions, ProjectStore projects) {
    this.completions = completions;
    this.projects = projects;
  }

  public void mount(Router router, Api api) {
    api.raw(router.post("/api/projects/:projectId/ai/complete"), this::complete);
  }

  private void complete(RoutingContext ctx) {
    HttpServerResponse response = ctx.response();
    Future<Call> started;
    try {
      Caller caller = Authenticator.require(ctx);
      UUID id = Ids.parse(ctx.pathParam("projectId")).orElseThrow(() -> ApiException.notFound("project"));
      JsonObject body = COMPLETE.read(ctx);
      started = projects.find(id, caller.user().id()).map(found -> {
        Project p = found.orElseThrow(() -> ApiException.notFound("project"));
        if (!p.role().atLeast(Role.EDITOR)) {
          throw ApiException.forbidden("this needs the editor role; you are " + p.role().wire());
        }
        Ask ask = new Ask(
            p.id(), caller.user().id(), body.getString("path"), body.getString("prefix"), body.getString("suffix"),
            Optional.ofNullable(body.getString("language")), Optional.ofNullable(body.getString("model")));
        return completions.complete(ctx.vertx().getOrCreateContext(), ask);
      });
    } catch (RuntimeException e) {
      fail(ctx, e);
      return;
    }
    started
        .onFailure(e -> fail(ctx, e))
        .onSuccess(call -> {
          response.closeHandler(v -> call.callerGone());
          if (response.closed()) {
            call.callerGone();
          }
          call.outcome().onSuccess(o -> answer(response, o)).onFailure(e -> fail(ctx, e));
        });
  }

  private static void answer(HttpServerResponse response, Outcome outcome) {
    if (response.closed() || response.ended()) {
      return;
    }
    response.putHeader("Server-Timing", "complete;dur=" + outcome.latencyMs());
    if (outcome instanceof Outcome.Completed c) {
      response
          .setStatusCode(200)
          .putHeader("Content-Type", "application/json")
          .end(new JsonObject()
              .put("completion", c.completion())
              .put("model", c.model())
              .put("cached", c.cached())
              .put("latencyMs", c.latencyMs())
              .encode());
    } else {
      response.setStatusCode(204).end();
    }
  }

  private static void fail(RoutingContext ctx, Throwable e) {
    if (ctx.response().closed() || ctx.response().ended()) {
      return;
    }
    if (e instanceof CompletionRefused r) {
      r.retryAfterSeconds().ifPresent(s -> ctx.response().putHeader("Retry-After", Long.toString(s)));
      ctx.fail(ApiException.of(r.status(), r.code(), r.getMessage()));
    } else {
      ctx.fail(e);
    }
  }
}
