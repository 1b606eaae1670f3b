package dev.ensemble.ai;

import static dev.ensemble.http.JsonBody.string;

import dev.ensemble.ai.AiSettings.ProviderKind;
import dev.ensemble.ai.ProjectProviderStore.Change;
import dev.ensemble.ai.ProjectProviderStore.KeyChange;
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
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * A project's own model provider: owners set and remove it, every member sees it (never its key)
 * and the models they may pick.
 */
public final class ProviderRoutes {
  /** Something other than white space (a JSON Schema pattern matches anywhere). */
  private static final String NOT_BLANK = "\\S";
  static final JsonBody PROVIDER =
      JsonBody.object(
          new JsonObject()
              .put("kind", JsonBody.oneOf(Arrays.stream(ProviderKind.values()).map(ProviderKind::wire).toArray(String[]::new)))
              .put("baseUrl", string(1, 500, NOT_BLANK))
              .put("apiKey", string(1, 500, NOT_BLANK).put("type", new JsonArray().add("string").add("null")))
              .put("chatModel", string(1, 200, NOT_BLANK))
              .put("completionModel", string(1, 200, NOT_BLANK))
              .put("models", new JsonObject()
                  .put("type", "array")
                  .put("maxItems", AiSettings.MAX_MODELS)
                  .put("uniqueItems", true)
                  .put("items", string(1, 200, NOT_BLANK))),
          "kind", "chatModel");

  private final ProjectProviders providers;
  private final ProjectStore projects;

  public ProviderRoutes(ProjectProviders providers, ProjectStore projects) {
    this.providers = providers;
    this.projects = projects;
  }

  public void mount(Router router, Api api) {
    api.bind(router.get("/api/projects/:projectId/ai/provider"), this::show);
    api.bind(router.put("/api/projects/:projectId/ai/provider"), this::save);
    api.bind(router.delete("/api/projects/:projectId/ai/provider"), this::remove);
    api.bind(router.get("/api/projects/:projectId/ai/models"), this::models);
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

  private Future<Reply> show(RoutingContext ctx) {
    return access(ctx, Role.VIEWER)
        .compose(p -> providers.own(p.id()))
        .map(own -> Reply.ok(view(own)));
  }

  private Future<Reply> save(RoutingContext ctx) {
    Caller caller = Authenticator.require(ctx);
    return access(ctx, Role.OWNER)
        .compose(p -> providers.save(p.id(), caller.user().id(), change(PROVIDER.read(ctx))))
        .map(saved -> Reply.ok(view(Optional.of(saved))));
  }

  private Future<Reply> remove(RoutingContext ctx) {
    return access(ctx, Role.OWNER)
        .compose(p -> providers.remove(p.id()))
        .map(removed -> {
          if (!removed) {
            throw ApiException.notFound("project provider");
          }
          return Reply.noContent();
        });
  }

  private Future<Reply> models(RoutingContext ctx) {
    return access(ctx, Role.VIEWER)
        .compose(p -> providers.offer(p.id()))
        .map(offer -> Reply.ok(offer
            .map(o -> o.toJson().put("configured", true))
            .orElseGet(() -> new JsonObject().put("configured", false).put("models", new JsonArray()))));
  }

  /** The project's own provider (or null) beside the instance's (or null), neither with a key. */
  private JsonObject view(Optional<ProjectProvider> own) {
    return new JsonObject()
        .put("project", own.map(ProjectProvider::toJson).orElse(null))
        .put("instance", providers.instanceProvider().map(ProjectProviders.Offer::toJson).orElse(null));
  }

  private static Change change(JsonObject body) {
    ProviderKind kind = ProviderKind.of(body.getString("kind")).orElseThrow();
    KeyChange key;
    if (!body.containsKey("apiKey")) {
      key = new KeyChange.Keep();
    } else if (body.getValue("apiKey") == null) {
      key = new KeyChange.Remove();
    } else {
      key = new KeyChange.Replace(body.getString("apiKey").strip());
    }
    List<String> models = body.getJsonArray("models", new JsonArray()).stream().map(String::valueOf).map(String::strip).toList();
    return new Change(
        kind, ProjectProviders.baseUrl(kind, Optional.ofNullable(body.getString("baseUrl"))), key,
        body.getString("chatModel").strip(), Optional.ofNullable(body.getString("completionModel")).map(String::strip),
        models);
  }
}
