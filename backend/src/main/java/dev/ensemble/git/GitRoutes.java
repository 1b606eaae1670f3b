package dev.ensemble.git;

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
import dev.ensemble.sync.files.FilePath;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The git API: imports and their jobs, stored host credentials, and the source-control operations
 * of a project ({@code /api/projects/{projectId}/git/...}). Viewers read status, diffs, history and
 * branches; editors stage, commit, push, pull and switch branches; owners connect a remote.
 */
public final class GitRoutes {
  private static final int MAX_PATH = 4096;
  private static final long HEARTBEAT_MILLIS = 15_000;
  /** Highest page of a provider's repository list a client may ask for. */
  private static final int MAX_PAGE = 10_000;
  /** Longest search text for a provider's repository list. */
  private static final int MAX_QUERY = 100;

  static final JsonBody IMPORT = JsonBody.object(
      new JsonObject().put("url", string(1, 2048)).put("branch", string(1, 255)).put("name", string(1, 100)), "url");
  static final JsonBody CREDENTIAL = JsonBody.object(
      new JsonObject().put("host", string(1, 255)).put("username", string(1, 255)).put("token", string(1, 4096)),
      "host", "token");
  static final JsonBody PATHS = JsonBody.object(new JsonObject().put("paths", paths()), "paths");
  static final JsonBody COMMIT = JsonBody.object(
      new JsonObject().put("message", string(1, 65_536)).put("paths", paths()), "message");
  static final JsonBody NEW_BRANCH = JsonBody.object(
      new JsonObject().put("name", string(1, 255)).put("from", string(1, 255)), "name");
  static final JsonBody CHECKOUT = JsonBody.object(new JsonObject().put("branch", string(1, 255)), "branch");
  static final JsonBody REMOTE = JsonBody.object(new JsonObject().put("url", string(1, 2048)), "url");

  private final ProjectStore projects;
  private final GitService git;
  private final ProviderRepositories providerRepositories;

  public GitRoutes(ProjectStore projects, GitService git, ProviderRepositories providerRepositories) {
    this.projects = projects;
    this.git = git;
    this.providerRepositories = providerRepositories;
  }

  public void mount(Router router, Api api) {
    api.bind(router.post("/api/projects/import"), this::importRepository);
    api.bind(router.get("/api/jobs/:jobId"), this::job);
    api.bind(router.get("/api/jobs/:jobId/events"), this::jobEvents);
    api.bind(router.post("/api/jobs/:jobId/cancel"), this::cancel);
    api.bind(router.post("/api/git/credentials"), this::saveCredential);
    api.bind(router.get("/api/git/credentials"), this::credentials);
    api.bind(router.delete("/api/git/credentials/:host"), this::deleteCredential);
    api.bind(router.get("/api/git/repositories"), this::providerRepositories);
    String p = "/api/projects/:projectId/git";
    api.bind(router.get(p + "/status"), ctx -> access(ctx, Role.VIEWER).compose(git::status).map(Reply::ok));
    api.bind(router.get(p + "/diff"), this::diff);
    api.bind(router.post(p + "/stage"), ctx -> access(ctx, Role.EDITOR)
        .compose(project -> git.stage(project, paths(PATHS.read(ctx)))).map(Reply::ok));
    api.bind(router.post(p + "/unstage"), ctx -> access(ctx, Role.EDITOR)
        .compose(project -> git.unstage(project, paths(PATHS.read(ctx)))).map(Reply::ok));
    api.bind(router.post(p + "/commit"), this::commit);
    api.bind(router.post(p + "/push"), ctx -> access(ctx, Role.EDITOR)
        .compose(project -> git.push(project, user(ctx))).map(Reply::ok));
    api.bind(router.post(p + "/pull"), ctx -> access(ctx, Role.EDITOR)
        .compose(project -> git.pull(project, user(ctx))).map(Reply::ok));
    api.bind(router.get(p + "/log"), this::log);
    api.bind(router.get(p + "/branches"), ctx -> access(ctx, Role.VIEWER).compose(git::branches).map(Reply::ok));
    api.bind(router.post(p + "/branches"), this::createBranch);
    api.bind(router.post(p + "/checkout"), ctx -> access(ctx, Role.EDITOR).compose(project ->
        git.checkout(project, CHECKOUT.read(ctx).getString("branch"))).map(Reply::ok));
    api.bind(router.post(p + "/remote"), ctx -> access(ctx, Role.OWNER).compose(project ->
        git.connect(project, REMOTE.read(ctx).getString("url"))).map(Reply::ok));
  }

  private Future<Reply> importRepository(RoutingContext ctx) {
    Caller caller = Authenticator.require(ctx);
    JsonObject body = IMPORT.read(ctx);
    Optional<String> name = Optional.ofNullable(body.getString("name")).map(String::strip);
    if (name.isPresent() && name.get().isEmpty()) {
      throw ApiException.invalidField("name", "name must not be blank");
    }
    return git.importRepository(caller.user(), body.getString("url"), Optional.ofNullable(body.getString("branch")), name)
        .map(started -> new Reply(202, new JsonObject()
            .put("projectId", started.projectId().toString())
            .put("jobId", started.jobId().toString())));
  }

  private Future<Reply> job(RoutingContext ctx) {
    return git.job(jobId(ctx), user(ctx).id()).map(Reply::ok);
  }

  /**
   * The job as server-sent events: {@code event: job} with the job's JSON now and after every
   * change, a comment line every {@value #HEARTBEAT_MILLIS} ms so proxies keep the stream open,
   * and the end of the stream once the job has finished.
   */
  private Future<Reply> jobEvents(RoutingContext ctx) {
    HttpServerResponse response = ctx.response();
    boolean[] open = {false};
    return git.watch(jobId(ctx), user(ctx).id(), job -> {
          if (response.ended() || response.closed()) {
            return;
          }
          if (!open[0]) {
            open[0] = true;
            response.setChunked(true)
                .putHeader("Content-Type", "text/event-stream; charset=utf-8")
                .putHeader("Cache-Control", "no-cache")
                .putHeader("Content-Encoding", "identity")
                .putHeader("X-Accel-Buffering", "no");
          }
          response.write("event: job\ndata: " + job.encode() + "\n\n");
        })
        .compose(watch -> {
          long heartbeat = ctx.vertx().setPeriodic(HEARTBEAT_MILLIS, t -> {
            if (!response.ended() && !response.closed()) {
              response.write(": keep-alive\n\n");
            }
          });
          response.closeHandler(v -> watch.stop());
          return watch.ended().onComplete(v -> ctx.vertx().cancelTimer(heartbeat));
        })
        .map(v -> {
          if (!response.ended() && !response.closed()) {
            response.end();
          }
          return new Reply(200, null); // already answered: the stream above
        });
  }

  private Future<Reply> cancel(RoutingContext ctx) {
    return git.cancel(jobId(ctx), user(ctx).id()).map(j -> new Reply(202, j));
  }

  private Future<Reply> saveCredential(RoutingContext ctx) {
    UUID userId = user(ctx).id();
    JsonObject body = CREDENTIAL.read(ctx);
    String host = GitAccess.host(body.getString("host"), "host");
    return git.saveCredential(userId, host, Optional.ofNullable(body.getString("username")), body.getString("token"))
        .map(v -> Reply.created(new JsonObject().put("host", host).put("username", body.getString("username"))));
  }

  private Future<Reply> credentials(RoutingContext ctx) {
    return git.credentials(user(ctx).id()).map(Reply::ok);
  }

  private Future<Reply> deleteCredential(RoutingContext ctx) {
    return git.deleteCredential(user(ctx).id(), ctx.pathParam("host")).map(deleted -> {
      if (!deleted) {
        throw ApiException.notFound("credential");
      }
      return Reply.noContent();
    });
  }

  private Future<Reply> providerRepositories(RoutingContext ctx) {
    Caller caller = Authenticator.require(ctx);
    String provider = ctx.queryParams().get("provider");
    if (provider == null || !ProviderRepositories.PROVIDERS.contains(provider)) {
      throw ApiException.invalidField("provider", "provider is one of " + String.join(", ", ProviderRepositories.PROVIDERS));
    }
    int page = 1;
    String rawPage = ctx.queryParams().get("page");
    if (rawPage != null) {
      try {
        page = Integer.parseInt(rawPage);
      } catch (NumberFormatException e) {
        page = -1;
      }
      if (page < 1 || page > MAX_PAGE) {
        throw ApiException.invalidField("page", "page is between 1 and " + MAX_PAGE);
      }
    }
    Optional<String> query = Optional.ofNullable(ctx.queryParams().get("q")).map(String::strip).filter(q -> !q.isEmpty());
    if (query.isPresent() && query.get().length() > MAX_QUERY) {
      throw ApiException.invalidField("q", "q is at most " + MAX_QUERY + " characters");
    }
    return providerRepositories.list(caller.user().id(), provider, page, query).map(p -> Reply.ok(p.toJson()));
  }

  private Future<Reply> diff(RoutingContext ctx) {
    Optional<String> path = Optional.ofNullable(ctx.queryParams().get("path"))
        .map(raw -> FilePath.parse(raw, "path", MAX_PATH, 256).value());
    boolean staged = "true".equals(ctx.queryParams().get("staged"));
    return access(ctx, Role.VIEWER).compose(p -> git.diff(p, path, staged)).map(Reply::ok);
  }

  private Future<Reply> commit(RoutingContext ctx) {
    return access(ctx, Role.EDITOR).compose(project -> {
      JsonObject body = COMMIT.read(ctx);
      String message = body.getString("message");
      if (message.isBlank()) {
        throw ApiException.invalidField("message", "a commit message must not be blank");
      }
      List<String> paths = body.containsKey("paths") ? paths(body) : List.of();
      return git.commit(project, user(ctx), message, paths);
    }).map(Reply::created);
  }

  private Future<Reply> log(RoutingContext ctx) {
    int limit = 50;
    String raw = ctx.queryParams().get("limit");
    if (raw != null) {
      try {
        limit = Integer.parseInt(raw);
      } catch (NumberFormatException e) {
        limit = -1;
      }
      if (limit < 1 || limit > 1000) {
        throw ApiException.invalidField("limit", "limit is between 1 and 1000");
      }
    }
    int n = limit;
    return access(ctx, Role.VIEWER).compose(p -> git.log(p, n)).map(Reply::ok);
  }

  private Future<Reply> createBranch(RoutingContext ctx) {
    return access(ctx, Role.EDITOR).compose(project -> {
      JsonObject body = NEW_BRANCH.read(ctx);
      return git.createBranch(project, body.getString("name"), Optional.ofNullable(body.getString("from")));
    }).map(Reply::created);
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

  private static dev.ensemble.identity.User user(RoutingContext ctx) {
    return Authenticator.require(ctx).user();
  }

  private static UUID jobId(RoutingContext ctx) {
    return Ids.parse(ctx.pathParam("jobId")).orElseThrow(() -> ApiException.notFound("job"));
  }

  private static List<String> paths(JsonObject body) {
    JsonArray raw = body.getJsonArray("paths");
    return raw.stream().map(p -> FilePath.parse((String) p, "paths", MAX_PATH, 256).value()).distinct().toList();
  }

  private static JsonObject paths() {
    return new JsonObject().put("type", "array").put("items", string(1, MAX_PATH)).put("minItems", 1).put("maxItems", 10_000);
  }
}
