package dev.ensemble.ai;

import static dev.ensemble.http.JsonBody.string;

import dev.ensemble.ai.ChatService.LiveAnswerHandle;
import dev.ensemble.ai.actions.ActionService;
import dev.ensemble.ai.actions.ActionService.ActionRequest;
import dev.ensemble.ai.actions.CodeAction;
import dev.ensemble.http.Api;
import dev.ensemble.http.ApiException;
import dev.ensemble.http.Ids;
import dev.ensemble.http.JsonBody;
import dev.ensemble.http.Reply;
import dev.ensemble.identity.Authenticator;
import dev.ensemble.identity.Caller;
import dev.ensemble.projects.Project;
import dev.ensemble.projects.ProjectStore;
import dev.ensemble.projects.Role;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.Arrays;
import java.util.Optional;
import java.util.UUID;

/**
 * Code actions over HTTP: an action's answer streams like a chat answer; its proposed files are
 * read by any member and applied by editors and owners.
 */
public final class ActionRoutes {
  static final JsonBody ACTION =
      JsonBody.object(
          new JsonObject()
              .put("action", JsonBody.oneOf(Arrays.stream(CodeAction.values()).map(CodeAction::wire).toArray(String[]::new)))
              .put("path", string(1, 1000))
              .put("selection", string(0, 200_000))
              .put("runId", string(36, 36, "^[0-9a-fA-F-]{36}$"))
              .put("instruction", string(1, 4000))
              .put("openPaths", new JsonObject().put("type", "array").put("maxItems", 200).put("items", string(1, 1000)))
              .put("threadId", string(36, 36, "^[0-9a-fA-F-]{36}$"))
              .put("model", string(1, 200)),
          "action", "path");

  static final JsonBody APPLY =
      JsonBody.object(new JsonObject().put("force", new JsonObject().put("type", "boolean")));

  private final ActionService actions;
  private final ProjectStore projects;

  public ActionRoutes(ActionService actions, ProjectStore projects) {
    this.actions = actions;
    this.projects = projects;
  }

  void mount(Router router, Api api) {
    api.raw(router.post("/api/projects/:projectId/ai/actions"), this::act);
    api.bind(router.get("/api/projects/:projectId/ai/proposals/:proposalId"), this::proposal);
    api.bind(router.post("/api/projects/:projectId/ai/proposals/:proposalId/apply"), this::apply);
  }

  private void act(RoutingContext ctx) {
    AiRoutes.EventStream stream = new AiRoutes.EventStream(ctx.response());
    Future<LiveAnswerHandle> started;
    try {
      Caller caller = Authenticator.require(ctx);
      started = access(ctx, Role.EDITOR).compose(project -> {
        JsonObject body = ACTION.read(ctx);
        ActionRequest request = new ActionRequest(
            CodeAction.parse(body.getString("action")).orElseThrow(),
            body.getString("path"),
            Optional.ofNullable(body.getString("selection")),
            Optional.ofNullable(body.getString("runId")).map(s -> Ids.parse(s).orElseThrow(() -> ApiException.notFound("run"))),
            Optional.ofNullable(body.getString("instruction")),
            body.getJsonArray("openPaths", new JsonArray()).stream().map(String::valueOf).toList(),
            Optional.ofNullable(body.getString("threadId")).map(s -> Ids.parse(s).orElseThrow(() -> ApiException.notFound("thread"))),
            Optional.ofNullable(body.getString("model")));
        return actions.start(ctx.vertx().getOrCreateContext(), project, caller.user().id(), request, stream);
      });
    } catch (RuntimeException e) {
      AiRoutes.fail(ctx, e);
      return;
    }
    started.onSuccess(stream::attach).onFailure(e -> AiRoutes.fail(ctx, e));
  }

  private Future<Reply> proposal(RoutingContext ctx) {
    UUID id = proposalId(ctx);
    return access(ctx, Role.VIEWER)
        .compose(p -> actions.proposals().find(p.id(), id))
        .map(found -> Reply.ok(found.orElseThrow(() -> ApiException.notFound("proposal")).toJson()));
  }

  private Future<Reply> apply(RoutingContext ctx) {
    Caller caller = Authenticator.require(ctx);
    UUID id = proposalId(ctx);
    return access(ctx, Role.EDITOR).compose(p -> {
      boolean force = APPLY.read(ctx).getBoolean("force", false);
      return actions.apply(p, id, caller.user().id(), force);
    }).map(applied -> Reply.ok(applied.proposal().toJson().put("created", applied.created())));
  }

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

  private static UUID proposalId(RoutingContext ctx) {
    return Ids.parse(ctx.pathParam("proposalId")).orElseThrow(() -> ApiException.notFound("proposal"));
  }
}
