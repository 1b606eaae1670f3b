package dev.ensemble.ai.agent;

import static dev.ensemble.http.JsonBody.string;

import dev.ensemble.ai.ChatEvent;
import dev.ensemble.ai.ChatRefused;
import dev.ensemble.ai.ChatStreamListener;
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
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.Optional;
import java.util.UUID;

/**
 * The agent's HTTP surface: a run streams back as {@code text/event-stream} (the chat events plus
 * {@code step}); approvals, stop and the auto-apply switch are plain JSON. Editors and owners start,
 * approve, reject and stop; the owner sets auto-apply; every member reads.
 */
public final class AgentRoutes {
  static final JsonBody TASK =
      JsonBody.object(
          new JsonObject()
              .put("threadId", string(36, 36, "^[0-9a-fA-F-]{36}$"))
              .put("message", string(1, 32_000))
              .put("model", string(1, 200))
              .put(
                  "context",
                  new JsonObject()
                      .put("type", "object")
                      .put("additionalProperties", false)
                      .put(
                          "properties",
                          new JsonObject()
                              .put("path", string(1, 1000))
                              .put("selection", string(0, 200_000))
                              .put(
                                  "openPaths",
                                  new JsonObject()
                                      .put("type", "array")
                                      .put("maxItems", 200)
                                      .put("items", string(1, 1000))))),
          "message");

  static final JsonBody DECISION = JsonBody.object(new JsonObject().put("reason", string(1, 2000)));

  static final JsonBody SETTINGS =
      JsonBody.object(new JsonObject().put("autoApply", new JsonObject().put("type", "boolean")), "autoApply");

  private final AgentService agent;
  private final ProjectStore projects;

  public AgentRoutes(AgentService agent, ProjectStore projects) {
    this.agent = agent;
    this.projects = projects;
  }

  public void mount(Router router, Api api) {
    String p = "/api/projects/:projectId/ai";
    api.raw(router.post(p + "/agent"), this::run);
    api.bind(router.get(p + "/agent/settings"), ctx -> access(ctx, Role.VIEWER).compose(agent::settings).map(Reply::ok));
    api.bind(router.put(p + "/agent/settings"), this::setSettings);
    api.bind(router.get(p + "/threads/:threadId/steps"), ctx -> access(ctx, Role.VIEWER)
        .compose(project -> agent.steps(project, id(ctx, "threadId", "thread")))
        .map(steps -> Reply.ok(new JsonArray(steps))));
    api.bind(router.post(p + "/threads/:threadId/steps/:stepId/approve"), ctx -> decide(ctx, true));
    api.bind(router.post(p + "/threads/:threadId/steps/:stepId/reject"), ctx -> decide(ctx, false));
    api.bind(router.post(p + "/threads/:threadId/agent/stop"), this::stop);
  }

  private Future<Project> access(RoutingContext ctx, Role needed) {
    Caller caller = Authenticator.require(ctx);
    UUID id = id(ctx, "projectId", "project");
    return projects
        .find(id, caller.user().id())
        .map(found -> {
          Project p = found.orElseThrow(() -> ApiException.notFound("project"));
          if (!p.role().atLeast(needed)) {
            throw ApiException.forbidden("this needs the " + needed.wire() + " role; you are " + p.role().wire());
          }
          return p;
        });
  }

  private static UUID id(RoutingContext ctx, String param, String what) {
    return Ids.parse(ctx.pathParam(param)).orElseThrow(() -> ApiException.notFound(what));
  }

  private void run(RoutingContext ctx) {
    Future<Future<Void>> started;
    EventStream stream = new EventStream(ctx.response());
    try {
      Caller caller = Authenticator.require(ctx);
      started = access(ctx, Role.EDITOR).compose(project -> {
        JsonObject body = TASK.read(ctx);
        Optional<UUID> threadId = Optional.ofNullable(body.getString("threadId"))
            .map(s -> Ids.parse(s).orElseThrow(() -> ApiException.notFound("thread")));
        return agent.ask(ctx.vertx().getOrCreateContext(), new AgentService.Task(
            project, caller.user().id(), threadId, body.getString("message"),
            Optional.ofNullable(body.getString("model")), Optional.ofNullable(body.getJsonObject("context"))), stream);
      });
    } catch (RuntimeException e) {
      fail(ctx, e);
      return;
    }
    started.onFailure(e -> fail(ctx, e));
  }

  private static void fail(RoutingContext ctx, Throwable e) {
    if (e instanceof ChatRefused r) {
      r.retryAfterSeconds().ifPresent(s -> ctx.response().putHeader("Retry-After", Long.toString(s)));
      ctx.fail(ApiException.of(r.status(), r.code(), r.getMessage()));
    } else {
      ctx.fail(e);
    }
  }

  private Future<Reply> decide(RoutingContext ctx, boolean approve) {
    Caller caller = Authenticator.require(ctx);
    return access(ctx, Role.EDITOR).compose(project -> {
      Optional<String> reason = ctx.body().length() <= 0
          ? Optional.empty()
          : Optional.ofNullable(DECISION.read(ctx).getString("reason"));
      return agent.decide(project, id(ctx, "threadId", "thread"), id(ctx, "stepId", "step"), caller.user(), approve,
          reason);
    }).map(Reply::ok);
  }

  private Future<Reply> stop(RoutingContext ctx) {
    Caller caller = Authenticator.require(ctx);
    return access(ctx, Role.EDITOR)
        .compose(project -> agent.steps(project, id(ctx, "threadId", "thread"))) // 404 for another project's thread
        .compose(steps -> agent.stop(id(ctx, "threadId", "thread"), caller.user().username()))
        .map(stopped -> Reply.ok(new JsonObject().put("stopped", stopped)));
  }

  private Future<Reply> setSettings(RoutingContext ctx) {
    Caller caller = Authenticator.require(ctx);
    return access(ctx, Role.OWNER)
        .compose(project -> agent.setAutoApply(project, SETTINGS.read(ctx).getBoolean("autoApply"), caller.user().id()))
        .map(Reply::ok);
  }

  /**
   * The caller's server-sent event stream. Unlike a chat answer, a run goes on when its caller
   * leaves (the other participants watch and approve it on the live channel); the stream only
   * stops writing. A caller that reads so slowly that the write queue fills is disconnected.
   */
  private static final class EventStream implements ChatStreamListener {
    private final HttpServerResponse response;
    private boolean open;
    private boolean gone;

    EventStream(HttpServerResponse response) {
      this.response = response;
    }

    @Override
    public void onEvent(ChatEvent event) {
      if (gone) {
        return;
      }
      if (!open) {
        open = true;
        response
            .setChunked(true)
            .putHeader("Content-Type", "text/event-stream; charset=utf-8")
            .putHeader("Cache-Control", "no-cache")
            // a compressor or a proxy's buffer would hold events back
            .putHeader("Content-Encoding", "identity")
            .putHeader("X-Accel-Buffering", "no");
        response.closeHandler(v -> gone = true);
      }
      if (response.writeQueueFull()) {
        gone = true;
        response.reset();
        return;
      }
      response.write("event: " + event.name() + "\ndata: " + event.toJson().encode() + "\n\n");
      if (event instanceof ChatEvent.Done || event instanceof ChatEvent.Failed) {
        gone = true;
        response.end();
      }
    }
  }
}
