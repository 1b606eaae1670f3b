package dev.ensemble.ai;

import static dev.ensemble.http.JsonBody.string;

import dev.ensemble.ai.ChatService.LiveAnswerHandle;
import dev.ensemble.ai.ChatService.Question;
import dev.ensemble.ai.complete.CompletionRoutes;
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
 * The assistant's HTTP surface: chat answers stream back as {@code text/event-stream}; threads and
 * usage are plain JSON. Editors and owners chat and stop answers; every member reads.
 */
public final class AiRoutes {
  static final JsonBody CHAT =
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

  private final ChatService chat;
  private final ProjectStore projects;
  private final AiSettings settings;
  private final ChatContext chatContext;
  private final ActionRoutes actions;
  private Optional<CompletionRoutes> completion = Optional.empty();

  public AiRoutes(
      ChatService chat, ProjectStore projects, AiSettings settings, ChatContext chatContext, ActionRoutes actions) {
    this.chat = chat;
    this.projects = projects;
    this.settings = settings;
    this.chatContext = chatContext;
    this.actions = actions;
  }

  /** Also serves inline completion under the same prefix. */
  public AiRoutes withCompletion(CompletionRoutes routes) {
    this.completion = Optional.of(routes);
    return this;
  }

  public void mount(Router router, Api api) {
    completion.ifPresent(c -> c.mount(router, api));
    api.raw(router.post("/api/projects/:projectId/ai/chat"), this::chat);
    api.bind(router.get("/api/projects/:projectId/ai/threads"), this::threads);
    api.bind(router.get("/api/projects/:projectId/ai/threads/:threadId"), this::thread);
    api.bind(router.post("/api/projects/:projectId/ai/threads/:threadId/stop"), this::stop);
    api.bind(router.get("/api/projects/:projectId/ai/usage"), this::usage);
    new ProviderRoutes(chat.providers(), projects).mount(router, api);
    actions.mount(router, api);
  }

  private Future<Project> access(RoutingContext ctx, Role needed) {
    Caller caller = Authenticator.require(ctx);
    UUID id = Ids.parse(ctx.pathParam("projectId")).orElseThrow(() -> ApiException.notFound("project"));
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

  private void chat(RoutingContext ctx) {
    Future<LiveAnswerHandle> started;
    EventStream stream = new EventStream(ctx.response());
    try {
      Caller caller = Authenticator.require(ctx);
      started =
          access(ctx, Role.EDITOR)
              .compose(project -> {
                JsonObject body = CHAT.read(ctx);
                Optional<UUID> threadId = Optional.ofNullable(body.getString("threadId")).map(
                    s -> Ids.parse(s).orElseThrow(() -> ApiException.notFound("thread")));
                Question q =
                    new Question(
                        project.id(), project.name(), caller.user().id(), threadId, body.getString("message"),
                        Optional.ofNullable(body.getString("model")),
                        Optional.ofNullable(body.getJsonObject("context")));
                return chat.ask(ctx.vertx().getOrCreateContext(), q, question -> chatContext.brief(project, question), stream);
              });
    } catch (RuntimeException e) {
      fail(ctx, e);
      return;
    }
    started.onSuccess(stream::attach).onFailure(e -> fail(ctx, e));
  }

  static void fail(RoutingContext ctx, Throwable e) {
    if (e instanceof ChatRefused r) {
      r.retryAfterSeconds().ifPresent(s -> ctx.response().putHeader("Retry-After", Long.toString(s)));
      ctx.fail(ApiException.of(r.status(), r.code(), r.getMessage()));
    } else {
      ctx.fail(e);
    }
  }

  private Future<Reply> threads(RoutingContext ctx) {
    return access(ctx, Role.VIEWER)
        .compose(p -> chat.store().threads(p.id()))
        .map(list -> Reply.ok(new JsonArray(list.stream().map(ChatStore.ChatThread::toJson).toList())));
  }

  private Future<Reply> thread(RoutingContext ctx) {
    return access(ctx, Role.VIEWER)
        .compose(p -> chat.store().thread(p.id(), threadId(ctx)))
        .compose(found -> {
          ChatStore.ChatThread t = found.orElseThrow(() -> ApiException.notFound("thread"));
          return chat.store().messages(t.id()).map(messages -> Reply.ok(
              t.toJson().put("messages", new JsonArray(messages.stream().map(ChatStore.ChatMessage::toJson).toList()))));
        });
  }

  private Future<Reply> stop(RoutingContext ctx) {
    Caller caller = Authenticator.require(ctx);
    return access(ctx, Role.EDITOR)
        .compose(p -> chat.store().thread(p.id(), threadId(ctx)))
        .compose(found -> {
          ChatStore.ChatThread t = found.orElseThrow(() -> ApiException.notFound("thread"));
          return chat.stop(t.projectId(), t.id(), caller.user().username());
        })
        .map(stopped -> Reply.ok(new JsonObject().put("stopped", stopped)));
  }

  private Future<Reply> usage(RoutingContext ctx) {
    return access(ctx, Role.VIEWER)
        .compose(p -> chat.store().usageThisMonth(p.id()))
        .map(rows -> {
          long used = rows.stream().mapToLong(r -> r.getLong("promptTokens") + r.getLong("completionTokens")).sum();
          JsonObject body = new JsonObject().put("usedTokens", used).put("byUserAndModel", new JsonArray(rows));
          body.put("budgetTokens", settings.projectTokenBudget() == 0 ? null : settings.projectTokenBudget());
          return Reply.ok(body);
        });
  }

  private static UUID threadId(RoutingContext ctx) {
    return Ids.parse(ctx.pathParam("threadId")).orElseThrow(() -> ApiException.notFound("thread"));
  }

  /**
   * The caller's server-sent event stream. The headers go out with the first event; closing the
   * connection, or reading so slowly that the write queue fills, cancels the answer.
   */
  static final class EventStream implements ChatStreamListener {
    private final HttpServerResponse response;
    private boolean open;
    private boolean gone;
    private LiveAnswerHandle answer;

    EventStream(HttpServerResponse response) {
      this.response = response;
    }

    void attach(LiveAnswerHandle handle) {
      this.answer = handle;
      if (gone) {
        handle.callerGone();
      }
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
            // a compressor or a proxy's buffer would hold tokens back
            .putHeader("Content-Encoding", "identity")
            .putHeader("X-Accel-Buffering", "no");
        response.closeHandler(v -> leave());
      }
      if (response.writeQueueFull()) {
        leave();
        response.reset();
        return;
      }
      response.write("event: " + event.name() + "\ndata: " + event.toJson().encode() + "\n\n");
      if (event instanceof ChatEvent.Done || event instanceof ChatEvent.Failed) {
        gone = true;
        response.end();
      }
    }

    private void leave() {
      if (gone) {
        return;
      }
      gone = true;
      if (answer != null) {
        answer.callerGone();
      }
    }
  }
}
