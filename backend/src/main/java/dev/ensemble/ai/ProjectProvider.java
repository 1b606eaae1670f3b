package dev.ensemble.ai;

import dev.ensemble.ai.AiSettings.Endpoint;
import dev.ensemble.ai.AiSettings.ProviderKind;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * A project's own provider, set by its owners in place of the instance's. {@code version} grows
 * with every save, so a provider built from an older version is known to be stale.
 */
public record ProjectProvider(
    UUID projectId, ProviderKind kind, URI baseUrl, Optional<String> apiKey, String chatModel,
    Optional<String> completionModel, List<String> models, long version, Optional<UUID> updatedBy,
    OffsetDateTime updatedAt) {

  public ProjectProvider {
    models = List.copyOf(models);
  }

  public Endpoint endpoint() {
    return new Endpoint(kind, baseUrl, apiKey);
  }

  /** The models members may choose from: chat model first, then completion model and the list. */
  public List<String> offeredModels() {
    return Stream.concat(Stream.concat(Stream.of(chatModel), completionModel.stream()), models.stream())
        .distinct()
        .toList();
  }

  /** What members may see: everything but the key, of which only its presence is told. */
  public JsonObject toJson() {
    return new JsonObject()
        .put("kind", kind.wire())
        .put("baseUrl", baseUrl.toString())
        .put("hasApiKey", apiKey.isPresent())
        .put("chatModel", chatModel)
        .put("completionModel", completionModel.orElse(null))
        .put("models", new JsonArray(models))
        .put("updatedBy", updatedBy.map(UUID::toString).orElse(null))
        .put("updatedAt", updatedAt.toInstant().toString());
  }

  @Override
  public String toString() {
    // never print the key
    return "project " + projectId + " provider " + endpoint() + " v" + version;
  }
}
