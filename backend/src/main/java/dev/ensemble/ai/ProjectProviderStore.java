package dev.ensemble.ai;

import static dev.ensemble.store.Rows.first;

import dev.ensemble.ai.AiSettings.ProviderKind;
import dev.ensemble.http.ApiException;
import dev.ensemble.identity.SecretBox;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** Projects' own providers (table {@code ai_project_providers}), API keys sealed with the server's key. */
final class ProjectProviderStore {
  /** What happens to the stored key on a save. */
  sealed interface KeyChange {
    /** A new key, sealed before it is written. */
    record Replace(String key) implements KeyChange {}

    /** No key any more (a local server that needs none). */
    record Remove() implements KeyChange {}

    /** The stored key, if kind and base URL stay the same. */
    record Keep() implements KeyChange {}
  }

  /** An owner's save: everything but the key is given in full. */
  record Change(
      ProviderKind kind, URI baseUrl, KeyChange key, String chatModel, Optional<String> completionModel,
      List<String> models) {}

  private static final String COLUMNS =
      "project_id, kind, base_url, api_key_enc, chat_model, completion_model, models, version, updated_by, updated_at";

  private final Pool pool;
  private final SecretBox secrets;

  ProjectProviderStore(Pool pool, SecretBox secrets) {
    this.pool = pool;
    this.secrets = secrets;
  }

  Future<Optional<ProjectProvider>> find(UUID projectId) {
    return pool.preparedQuery("SELECT " + COLUMNS + " FROM ai_project_providers WHERE project_id = $1")
        .execute(Tuple.of(projectId))
        .map(rows -> first(rows).map(this::provider));
  }

  /**
   * Saves a project's provider. A kept key stays only while kind and base URL are unchanged: a key
   * one owner stored is never sent to a host another owner names later.
   */
  Future<ProjectProvider> save(UUID projectId, UUID userId, Change change) {
    return pool.withTransaction(conn -> conn
        .preparedQuery("SELECT kind, base_url, api_key_enc FROM ai_project_providers WHERE project_id = $1 FOR UPDATE")
        .execute(Tuple.of(projectId))
        .compose(rows -> {
          Optional<Row> before = first(rows);
          Buffer sealed = sealedKey(change, before);
          if (sealed == null && change.kind() != ProviderKind.OPENAI_COMPATIBLE) {
            return Future.failedFuture(missingKey(change, before.map(r -> r.getBuffer("api_key_enc") != null).orElse(false)));
          }
          return conn.preparedQuery(
                  "INSERT INTO ai_project_providers (project_id, kind, base_url, api_key_enc, chat_model, completion_model,"
                      + " models, updated_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
                      + " ON CONFLICT (project_id) DO UPDATE SET kind = EXCLUDED.kind, base_url = EXCLUDED.base_url,"
                      + " api_key_enc = EXCLUDED.api_key_enc, chat_model = EXCLUDED.chat_model,"
                      + " completion_model = EXCLUDED.completion_model, models = EXCLUDED.models,"
                      + " updated_by = EXCLUDED.updated_by, version = ai_project_providers.version + 1, updated_at = now()"
                      + " RETURNING " + COLUMNS)
              .execute(Tuple.of(
                  projectId, change.kind().wire(), change.baseUrl().toString(), sealed, change.chatModel(),
                  change.completionModel().orElse(null), change.models().toArray(new String[0]), userId))
              .map(saved -> provider(saved.iterator().next()));
        }));
  }

  /** True when the project had a provider of its own. */
  Future<Boolean> delete(UUID projectId) {
    return pool.preparedQuery("DELETE FROM ai_project_providers WHERE project_id = $1")
        .execute(Tuple.of(projectId))
        .map(rows -> rows.rowCount() > 0);
  }

  /** True when the provider will have a key after the change, given what was stored before. */
  static boolean keyAfter(Change change, Optional<ProjectProvider> before) {
    if (change.key() instanceof KeyChange.Replace) {
      return true;
    }
    return change.key() instanceof KeyChange.Keep && before
        .filter(b -> b.kind() == change.kind() && b.baseUrl().toString().equals(change.baseUrl().toString()))
        .flatMap(ProjectProvider::apiKey)
        .isPresent();
  }

  static ApiException missingKey(Change change, boolean hadKey) {
    return ApiException.invalidField("apiKey", hadKey && change.key() instanceof KeyChange.Keep
        ? "apiKey: give the key again when the kind or base URL changes; a stored key only goes where it was meant for"
        : "apiKey: " + change.kind().wire() + " needs an API key");
  }

  private Buffer sealedKey(Change change, Optional<Row> before) {
    if (change.key() instanceof KeyChange.Replace r) {
      return Buffer.buffer(secrets.seal(r.key().getBytes(StandardCharsets.UTF_8)));
    }
    if (change.key() instanceof KeyChange.Remove) {
      return null;
    }
    return before
        .filter(r -> change.kind().wire().equals(r.getString("kind"))
            && change.baseUrl().toString().equals(r.getString("base_url")))
        .map(r -> r.getBuffer("api_key_enc"))
        .orElse(null);
  }

  private ProjectProvider provider(Row r) {
    Buffer sealed = r.getBuffer("api_key_enc");
    return new ProjectProvider(
        r.getUUID("project_id"),
        ProviderKind.of(r.getString("kind")).orElseThrow(),
        URI.create(r.getString("base_url")),
        Optional.ofNullable(sealed).map(b -> new String(secrets.open(b.getBytes()), StandardCharsets.UTF_8)),
        r.getString("chat_model"),
        Optional.ofNullable(r.getString("completion_model")),
        List.of(r.getArrayOfStrings("models")),
        r.getLong("version"),
        Optional.ofNullable(r.getUUID("updated_by")),
        r.getOffsetDateTime("updated_at"));
  }
}
