package dev.ensemble.sync.files;

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
import dev.ensemble.sync.SyncSettings;
import dev.ensemble.sync.files.FileTree.Entry;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.net.URLConnection;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * The files API: {@code /api/projects/{projectId}/files[/{path}]} and {@code .../files:move}.
 * Viewers read, editors and owners write, non-members get 404. Vert.x path parameters cannot span
 * segments or follow a colon, so these routes are regular expressions, each named with the path
 * the OpenAPI description gives it.
 */
public final class FileRoutes {
  static final JsonBody MOVE =
      JsonBody.object(new JsonObject().put("from", string(1, 65_536)).put("to", string(1, 65_536)), "from", "to");

  private static final String PROJECT = "/api/projects/(?<projectId>[^/]+)";
  /** Types the JDK does not know; text types get {@code charset=utf-8}. */
  private static final Map<String, String> TYPES = Map.ofEntries(
      Map.entry("js", "text/javascript"), Map.entry("mjs", "text/javascript"), Map.entry("ts", "text/plain"),
      Map.entry("json", "application/json"), Map.entry("css", "text/css"), Map.entry("md", "text/markdown"),
      Map.entry("svg", "image/svg+xml"), Map.entry("wasm", "application/wasm"), Map.entry("yaml", "text/yaml"),
      Map.entry("yml", "text/yaml"), Map.entry("webp", "image/webp"), Map.entry("pdf", "application/pdf"));

  private final ProjectStore projects;
  private final ProjectFiles files;
  private final SyncSettings settings;

  public FileRoutes(ProjectStore projects, ProjectFiles files, SyncSettings settings) {
    this.projects = projects;
    this.files = files;
    this.settings = settings;
  }

  /** The api's body limit should be {@link SyncSettings#maxFileBytes()}. */
  public void mount(Router router, Api api) {
    api.bind(named(router.getWithRegex(PROJECT + "/files"), "/api/projects/{projectId}/files"), this::list);
    api.bind(named(router.postWithRegex(PROJECT + "/files:move"), "/api/projects/{projectId}/files:move"), this::move);
    String file = PROJECT + "/files/(?<path>.+)";
    String name = "/api/projects/{projectId}/files/{path}";
    api.raw(named(router.getWithRegex(file), name), this::read);
    // Refuses an oversize upload by its Content-Length before its body is read.
    named(router.putWithRegex(file), name).handler(this::checkLength);
    api.bind(named(router.putWithRegex(file), name), this::write);
    api.bind(named(router.deleteWithRegex(file), name), this::delete);
  }

  private static Route named(Route route, String name) {
    return route.setName(name);
  }

  private Future<Reply> list(RoutingContext ctx) {
    return access(ctx, Role.VIEWER)
        .compose(files::list)
        .map(entries -> Reply.ok(new JsonArray(entries.stream().map(FileRoutes::json).toList())));
  }

  private void read(RoutingContext ctx) {
    Future<Project> project;
    FilePath path;
    try {
      project = access(ctx, Role.VIEWER);
      path = path(ctx);
    } catch (RuntimeException e) {
      ctx.fail(e);
      return;
    }
    project
        .compose(p -> files.read(p, path))
        .map(found -> found.orElseThrow(() -> ApiException.notFound("file " + path)))
        .onSuccess(c -> {
          ctx.response()
              .putHeader("Content-Type", contentType(path, c.kind()))
              // Members' files are served from our origin: never let them run as a page of it.
              .putHeader("Content-Security-Policy", "sandbox; default-src 'none'")
              .putHeader("Cache-Control", "no-store")
              .end(Buffer.buffer(c.bytes()));
        })
        .onFailure(ctx::fail);
  }

  private void checkLength(RoutingContext ctx) {
    String length = ctx.request().getHeader("Content-Length");
    if (length != null) {
      try {
        if (Long.parseLong(length.trim()) > settings.maxFileBytes()) {
          // The body stays unread: close the connection after answering rather than drain it.
          ctx.response().putHeader("Connection", "close");
          ctx.fail(tooLarge());
          return;
        }
      } catch (NumberFormatException e) {
        ctx.fail(ApiException.badRequest("bad_content_length", "Content-Length is not a number"));
        return;
      }
    }
    ctx.next();
  }

  private Future<Reply> write(RoutingContext ctx) {
    FilePath path = path(ctx);
    Buffer body = ctx.body().buffer();
    byte[] bytes = body == null ? new byte[0] : body.getBytes();
    if (bytes.length > settings.maxFileBytes()) {
      throw tooLarge();
    }
    return access(ctx, Role.EDITOR)
        .compose(p -> files.write(p, path, bytes))
        .map(w -> w.created() ? Reply.created(json(w.entry())) : Reply.ok(json(w.entry())));
  }

  private Future<Reply> delete(RoutingContext ctx) {
    FilePath path = path(ctx);
    return access(ctx, Role.EDITOR)
        .compose(p -> files.delete(p, path))
        .map(deleted -> {
          if (!deleted) {
            throw ApiException.notFound("file " + path);
          }
          return Reply.noContent();
        });
  }

  private Future<Reply> move(RoutingContext ctx) {
    return access(ctx, Role.EDITOR)
        .compose(p -> {
          JsonObject body = MOVE.read(ctx);
          FilePath from = FilePath.parse(body.getString("from"), "from", settings.maxPathLength(), settings.maxPathDepth());
          FilePath to = FilePath.parse(body.getString("to"), "to", settings.maxPathLength(), settings.maxPathDepth());
          return files.move(p, from, to);
        })
        .map(e -> Reply.ok(json(e)));
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

  private FilePath path(RoutingContext ctx) {
    return FilePath.parse(ctx.pathParam("path"), "path", settings.maxPathLength(), settings.maxPathDepth());
  }

  private ApiException tooLarge() {
    return ApiException.of(413, "payload_too_large", "a file has at most " + settings.maxFileBytes() + " bytes");
  }

  static JsonObject json(Entry e) {
    JsonObject o = new JsonObject().put("path", e.path()).put("kind", e.kind().wire).put("size", e.size());
    e.doc().ifPresent(d -> o.put("docUrl", d.url()));
    e.blob().ifPresent(b -> o.put("blobId", b.toString()));
    return o;
  }

  static String contentType(FilePath path, FileTree.Kind kind) {
    String name = path.name();
    int dot = name.lastIndexOf('.');
    String ext = dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
    String type = TYPES.get(ext);
    if (type == null) {
      type = URLConnection.guessContentTypeFromName(name.toLowerCase(Locale.ROOT));
    }
    if (type == null) {
      type = kind == FileTree.Kind.TEXT ? "text/plain" : "application/octet-stream";
    }
    return kind == FileTree.Kind.TEXT && (type.startsWith("text/") || type.endsWith("json") || type.endsWith("+xml"))
        ? type + "; charset=utf-8"
        : type;
  }
}
