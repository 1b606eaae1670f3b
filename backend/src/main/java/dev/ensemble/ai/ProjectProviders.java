package dev.ensemble.ai;

import dev.ensemble.ai.AiSettings.ProviderKind;
import dev.ensemble.ai.ProjectProviderStore.Change;
import dev.ensemble.http.ApiException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which provider answers for a project: the project's own when its owners set one, else the
 * instance's from ENSEMBLE_AI_*. A project's provider works even when the instance has none.
 *
 * <p>Providers built for projects are kept per project and rebuilt when the stored version
 * changes; the version is read with every request, so a save on one node reaches the others
 * without a message. They share one JDK HTTP client per scheme, so a kept provider costs little.
 */
public final class ProjectProviders {
  /** Where a project's provider comes from. */
  public enum Source {
    PROJECT, INSTANCE;

    public String wire() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * What members of a project may pick: the default chat model, the completion model and every
   * model on offer. When {@code restricted}, a request naming another model is refused.
   */
  public record Offer(
      Source source, ProviderKind kind, String chatModel, String completionModel, List<String> models,
      boolean restricted) {
    public boolean allows(String model) {
      return !restricted || models.contains(model);
    }

    public JsonObject toJson() {
      return new JsonObject()
          .put("source", source.wire())
          .put("kind", kind.wire())
          .put("chatModel", chatModel)
          .put("completionModel", completionModel)
          .put("models", new JsonArray(models))
          .put("restricted", restricted);
    }
  }

  /** The provider that answers for a project and what its members may pick. */
  public record Choice(Offer offer, AiProvider provider) {}

  private record Built(long version, AiProvider provider) {}

  private final Vertx vertx;
  private final AiSettings settings;
  private final Optional<AiProvider> instance;
  private final ProjectProviderStore store;
  private final Map<UUID, Built> built = new ConcurrentHashMap<>();
  private final Map<String, HttpClient> clients = new ConcurrentHashMap<>();

  ProjectProviders(Vertx vertx, AiSettings settings, Optional<AiProvider> instance, ProjectProviderStore store) {
    this.vertx = vertx;
    this.settings = settings;
    this.instance = instance;
    this.store = store;
  }

  /** Providers over the {@code ai_project_providers} table, keys sealed with {@code secrets}. */
  public static ProjectProviders create(
      Vertx vertx, AiSettings settings, Optional<AiProvider> instance, io.vertx.sqlclient.Pool pool,
      dev.ensemble.identity.SecretBox secrets) {
    return new ProjectProviders(vertx, settings, instance, new ProjectProviderStore(pool, secrets));
  }

  /**
   * The provider for a project, or empty when neither the project nor the instance has one. A
   * project's provider is refused (400 {@code ai_provider_not_allowed}) when its host now resolves
   * into a denied network.
   */
  public Future<Optional<Choice>> forProject(UUID projectId) {
    return store.find(projectId).compose(own -> {
      if (own.isEmpty()) {
        built.remove(projectId);
        return Future.succeededFuture(instance.map(p -> new Choice(instanceOffer(), p)));
      }
      ProjectProvider p = own.get();
      Built b = built.compute(projectId, (id, old) -> old != null && old.version() == p.version()
          ? old
          : new Built(p.version(), new Langchain4jProvider(p.endpoint(), settings.timeout(), client(p.baseUrl()))));
      return reachable(p.baseUrl()).map(v -> Optional.of(new Choice(offer(p), b.provider())));
    });
  }

  /** What members may pick in a project, without building a provider. */
  public Future<Optional<Offer>> offer(UUID projectId) {
    return store.find(projectId).map(own -> own.map(ProjectProviders::offer).or(
        () -> instance.map(p -> instanceOffer())));
  }

  /** The project's own provider, if its owners set one. */
  public Future<Optional<ProjectProvider>> own(UUID projectId) {
    return store.find(projectId);
  }

  /** The instance's provider as members may see it (no URL, no key), if there is one. */
  public Optional<Offer> instanceProvider() {
    return instance.map(p -> instanceOffer());
  }

  /** Sets a project's provider once its host passes the address policy. */
  Future<ProjectProvider> save(UUID projectId, UUID userId, Change change) {
    // A missing key is the owner's to fix first; the store checks again under its row lock.
    return store.find(projectId)
        .compose(before -> {
          if (change.kind() != ProviderKind.OPENAI_COMPATIBLE && !ProjectProviderStore.keyAfter(change, before)) {
            return Future.failedFuture(ProjectProviderStore.missingKey(change, before.flatMap(ProjectProvider::apiKey).isPresent()));
          }
          return reachable(change.baseUrl());
        })
        .compose(v -> store.save(projectId, userId, change))
        .onSuccess(saved -> built.remove(projectId));
  }

  /** Removes a project's provider; it falls back to the instance's. True when there was one. */
  Future<Boolean> remove(UUID projectId) {
    return store.delete(projectId).onSuccess(deleted -> built.remove(projectId));
  }

  /**
   * Checks a base URL an owner gave: hosted providers only over https (the key travels with every
   * request), an OpenAI-compatible server over http too; no credentials, query or fragment.
   * Without a URL a hosted provider gets its public API root.
   */
  static URI baseUrl(ProviderKind kind, Optional<String> given) {
    if (given.isEmpty()) {
      return URI.create(kind.defaultBaseUrl().orElseThrow(() -> ApiException.invalidField(
          "baseUrl", "baseUrl: an " + kind.wire() + " server needs its URL, e.g. http://10.0.0.5:11434/v1")));
    }
    String v = given.get().strip();
    URI u;
    try {
      u = new URI(v.endsWith("/") ? v.substring(0, v.length() - 1) : v);
    } catch (URISyntaxException e) {
      throw ApiException.invalidField("baseUrl", "baseUrl: not a valid URL");
    }
    String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
    if (u.getHost() == null || !(scheme.equals("https") || scheme.equals("http"))) {
      throw ApiException.invalidField("baseUrl", "baseUrl: must be an http(s) URL with a host");
    }
    if (scheme.equals("http") && kind != ProviderKind.OPENAI_COMPATIBLE) {
      throw ApiException.invalidField("baseUrl", "baseUrl: " + kind.wire() + " is only reached over https");
    }
    if (u.getRawUserInfo() != null || u.getRawQuery() != null || u.getRawFragment() != null) {
      throw ApiException.invalidField("baseUrl", "baseUrl: no user name, query or fragment; give the API root only");
    }
    return u;
  }

  private Future<Void> reachable(URI baseUrl) {
    // resolving the host blocks
    return vertx.executeBlocking(() -> {
      settings.projectProviders().check(baseUrl);
      return null;
    }, false);
  }

  private HttpClient client(URI baseUrl) {
    return clients.computeIfAbsent(baseUrl.getScheme(), s -> Langchain4jProvider.httpClientFor(baseUrl));
  }

  private Offer instanceOffer() {
    return new Offer(
        Source.INSTANCE, settings.endpoint().orElseThrow().kind(), settings.chatModel(), settings.completionModel(),
        settings.offeredModels(), !settings.models().isEmpty());
  }

  private static Offer offer(ProjectProvider p) {
    return new Offer(
        Source.PROJECT, p.kind(), p.chatModel(), p.completionModel().orElse(p.chatModel()), p.offeredModels(), true);
  }
}
