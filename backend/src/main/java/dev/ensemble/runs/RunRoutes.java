package dev.ensemble.runs;

import static dev.ensemble.http.JsonBody.string;

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
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Runs over HTTP: start (editors and owners), look at, cancel, read the log, the project's history
 * and its run configurations. A run is visible to the members of its project only; to anyone else
 * it does not exist (404). Output streams live on the project's live channel.
 */
public final class RunRoutes {
  private static final String ENV_NAME = "^[A-Za-z_][A-Za-z0-9_]{0,127}$";
  private static final String WORKING_DIRECTORY = "^(?!/)(?!.*(^|/)\\.\\.?(/|$)).*$";

  private static JsonObject env() {
    return new JsonObject()
        .put("type", "object")
        .put("maxProperties", 64)
        .put("propertyNames", new JsonObject().put("pattern", ENV_NAME))
        .put("additionalProperties", new JsonObject().put("type", "string").put("maxLength", 32_768));
  }

  private static JsonObject configuration() {
    return new JsonObject()
        .put("type", "object")
        .put("additionalProperties", false)
        .put("required", new JsonArray().add("name").add("command"))
        .put("properties", new JsonObject()
            .put("name", string(1, 100))
            .put("command", string(1, 10_000))
            .put("workingDirectory", string(1, 1024, WORKING_DIRECTORY))
            .put("env", env()));
  }

  static final JsonBody NEW_RUN =
      JsonBody.object(new JsonObject()
          .put("command", string(1, 10_000))
          .put("configuration", string(1, 100))
          .put("env", env()));
  static final JsonBody RUN_CONFIGURATIONS =
      JsonBody.object(new JsonObject().put("configurations", new JsonObject()
              .put("type", "array").put("maxItems", 100).put("items", configuration())),
          "configurations");

  static final JsonBody RUN_NETWORK =
      JsonBody.object(new JsonObject().put("allowNetwork", new JsonObject().put("type", "boolean")), "allowNetwork");

  private static final int HISTORY_DEFAULT = 50;
  private static final int HISTORY_MAX = 200;

  private final RunService runs;
  private final ProjectStore projects;

  public RunRoutes(RunService runs, ProjectStore projects) {
    this.runs = runs;
    this.projects = projects;
  }

  public void mount(Router router, Api api) {
    api.bind(router.post("/api/projects/:projectId/runs"), this::start);
    api.bind(router.get("/api/projects/:projectId/runs"), this::history);
    api.bind(router.get("/api/projects/:projectId/run-configurations"), this::configurations);
    api.bind(router.put("/api/projects/:projectId/run-configurations"), this::saveConfigurations);
    api.bind(router.get("/api/runs/:runId"), this::get);
    api.raw(router.get("/api/runs/:runId/log"), this::log);
    api.bind(router.post("/api/runs/:runId/cancel"), this::cancel);
    // Not behind the shared handlers: a run's pod presents the run's one-time token, not a session.
    router.get("/api/runs/:runId/workspace.tar").handler(this::workspace);
    api.bind(router.get("/api/projects/:projectId/run-network"), ctx -> project(ctx, Role.VIEWER)
        .compose(runs::networkSetting).map(Reply::ok));
    api.bind(router.put("/api/projects/:projectId/run-network"), ctx -> project(ctx, Role.OWNER)
        .compose(p -> runs.setNetwork(p, RUN_NETWORK.read(ctx).getBoolean("allowNetwork"), Authenticator.require(ctx).user().id()))
        .map(Reply::ok));
  }

  /** Which isolation runs get, for {@code /ready}. */
  public String isolation() {
    return runs.isolation();
  }

  private Future<Project> access(RoutingContext ctx, UUID projectId, Role needed, String what) {
    Caller caller = Authenticator.require(ctx);
    return projects.find(projectId, caller.user().id()).map(found -> {
      Project p = found.orElseThrow(() -> ApiException.notFound(what));
      if (!p.role().atLeast(needed)) {
        throw ApiException.forbidden("this needs the " + needed.wire() + " role; you are " + p.role().wire());
      }
      return p;
    });
  }

  private Future<Project> project(RoutingContext ctx, Role needed) {
    UUID id = Ids.parse(ctx.pathParam("projectId")).orElseThrow(() -> ApiException.notFound("project"));
    return access(ctx, id, needed, "project");
  }

  /** The run and its project, when the caller is a member with at least {@code needed}. */
  private Future<RunView> run(RoutingContext ctx, Role needed) {
    UUID id = Ids.parse(ctx.pathParam("runId")).orElseThrow(() -> ApiException.notFound("run"));
    Authenticator.require(ctx);
    return runs.find(id).compose(found -> {
      RunView run = found.orElseThrow(() -> ApiException.notFound("run"));
      return access(ctx, run.projectId(), needed, "run").map(p -> run);
    });
  }

  private Future<Reply> start(RoutingContext ctx) {
    Caller caller = Authenticator.require(ctx);
    return project(ctx, Role.EDITOR).compose(p -> {
      JsonObject body = NEW_RUN.read(ctx);
      Map<String, String> env = strings(body.getJsonObject("env"));
      String command = body.getString("command");
      String configuration = body.getString("configuration");
      if ((command == null) == (configuration == null)) {
        throw ApiException.invalidField("command", "give either command or configuration");
      }
      if (command != null) {
        return runs.start(p, caller.user().id(), command, env);
      }
      return runs.configurations(p).compose(all -> {
        RunConfiguration c = all.stream().filter(x -> x.name().equals(configuration)).findFirst()
            .orElseThrow(() -> ApiException.invalidField("configuration", "no run configuration named '" + configuration + "'"));
        Map<String, String> merged = new LinkedHashMap<>(c.env());
        merged.putAll(env);
        return runs.start(p, caller.user().id(), c.effectiveCommand(), merged);
      });
    }).map(view -> Reply.created(view.toJson()));
  }

  private Future<Reply> history(RoutingContext ctx) {
    int limit = HISTORY_DEFAULT;
    String raw = ctx.request().getParam("limit");
    if (raw != null) {
      try {
        limit = Integer.parseInt(raw);
      } catch (NumberFormatException e) {
        limit = -1;
      }
      if (limit < 1 || limit > HISTORY_MAX) {
        throw ApiException.invalidField("limit", "limit must be between 1 and " + HISTORY_MAX);
      }
    }
    int n = limit;
    return project(ctx, Role.VIEWER)
        .compose(p -> runs.history(p.id(), n))
        .map(list -> Reply.ok(new JsonArray(list.stream().map(RunView::toJson).toList())));
  }

  private Future<Reply> get(RoutingContext ctx) {
    return run(ctx, Role.VIEWER).map(r -> Reply.ok(r.toJson()));
  }

  private Future<Reply> cancel(RoutingContext ctx) {
    return run(ctx, Role.EDITOR).compose(r -> runs.cancel(r.id())
        .compose(cancelled -> runs.find(r.id()).map(now -> Reply.ok(now.orElse(r).toJson().put("cancelled", cancelled)))));
  }

  private Future<Reply> configurations(RoutingContext ctx) {
    return project(ctx, Role.VIEWER)
        .compose(runs::configurations)
        .map(list -> Reply.ok(new JsonArray(list.stream().map(RunConfiguration::toJson).toList())));
  }

  private Future<Reply> saveConfigurations(RoutingContext ctx) {
    return project(ctx, Role.EDITOR).compose(p -> {
      JsonArray items = RUN_CONFIGURATIONS.read(ctx).getJsonArray("configurations");
      List<RunConfiguration> list = new ArrayList<>();
      Set<String> names = new HashSet<>();
      for (int i = 0; i < items.size(); i++) {
        JsonObject c = items.getJsonObject(i);
        String name = c.getString("name").strip();
        if (name.isEmpty() || !names.add(name)) {
          throw ApiException.invalidField("configurations." + i + ".name",
              name.isEmpty() ? "a configuration needs a name" : "two configurations are named '" + name + "'");
        }
        if (c.getString("command").isBlank() || c.getString("command").indexOf('\0') >= 0) {
          throw ApiException.invalidField("configurations." + i + ".command", "a configuration needs a command");
        }
        list.add(new RunConfiguration(name, c.getString("command"),
            Optional.ofNullable(c.getString("workingDirectory")), strings(c.getJsonObject("env")), false));
      }
      return runs.saveConfigurations(p, list).compose(v -> runs.configurations(p));
    }).map(all -> Reply.ok(new JsonArray(all.stream().map(RunConfiguration::toJson).toList())));
  }

  /** The whole output as text, in sequence order, streamed page by page with backpressure. */
  private void log(RoutingContext ctx) {
    Future<RunView> found;
    try {
      found = run(ctx, Role.VIEWER);
    } catch (RuntimeException e) {
      ctx.fail(e);
      return;
    }
    found.onFailure(ctx::fail).onSuccess(run -> {
      HttpServerResponse response = ctx.response()
          .setChunked(true)
          .putHeader("Content-Type", "text/plain; charset=utf-8")
          .putHeader("Cache-Control", "no-store");
      if ("1".equals(ctx.request().getParam("download")) || "true".equals(ctx.request().getParam("download"))) {
        response.putHeader("Content-Disposition", "attachment; filename=\"run-" + run.id() + ".log\"");
      }
      writeFrom(response, run.id(), 0);
    });
  }

  /** A run's working copy as a tar, once, for the pod presenting its token (Kubernetes executor). */
  private void workspace(RoutingContext ctx) {
    Optional<UUID> id = Ids.parse(ctx.pathParam("runId"));
    if (id.isEmpty()) {
      ctx.fail(ApiException.notFound("workspace"));
      return;
    }
    Optional<String> token = Optional.ofNullable(ctx.request().getHeader("Authorization"))
        .filter(h -> h.regionMatches(true, 0, "Bearer ", 0, 7))
        .map(h -> h.substring(7).trim());
    runs.workspaceArchive(id.get(), token).onFailure(ctx::fail).onSuccess(tar -> ctx.response()
        .putHeader("Content-Type", "application/x-tar")
        .putHeader("Cache-Control", "no-store")
        .sendFile(tar.toString())
        .onComplete(sent -> runs.discardArchive(tar)));
  }

  private void writeFrom(HttpServerResponse response, UUID runId, long afterSeq) {
    runs.chunksAfter(runId, afterSeq, RunService.page()).onComplete(ar -> {
      if (ar.failed()) {
        response.reset();
        return;
      }
      List<RunChunk> page = ar.result();
      if (page.isEmpty()) {
        response.end();
        return;
      }
      Buffer buf = Buffer.buffer();
      page.forEach(c -> buf.appendBytes(c.data()));
      long last = page.get(page.size() - 1).seq();
      response.write(buf);
      if (response.writeQueueFull()) {
        response.drainHandler(v -> writeFrom(response, runId, last));
      } else {
        writeFrom(response, runId, last);
      }
    });
  }

  private static Map<String, String> strings(JsonObject o) {
    Map<String, String> out = new LinkedHashMap<>();
    if (o != null) {
      o.forEach(e -> out.put(e.getKey(), String.valueOf(e.getValue())));
    }
    return out;
  }
}
