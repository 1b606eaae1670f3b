package dev.ensemble.git;

import static dev.ensemble.store.Rows.first;
import static dev.ensemble.store.Rows.map;

import dev.ensemble.identity.SecretBox;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** The projects' webhooks with their secrets sealed at rest (table {@code git_webhooks}). */
final class WebhookStore {
  /** What the latest delivery did for a project. */
  record LastDelivery(OffsetDateTime at, String event, String result, String message) {}

  /** A project's webhook without its secret. */
  record Hook(UUID projectId, UUID createdBy, String createdByUsername, String remoteUrl, OffsetDateTime createdAt,
      Optional<LastDelivery> last) {}

  /** A webhook a delivery might be for, with its secret opened to verify the delivery. */
  record Candidate(UUID projectId, UUID createdBy, String remoteKey, byte[] secret) {}

  private final Pool pool;
  private final SecretBox secrets;

  WebhookStore(Pool pool, SecretBox secrets) {
    this.pool = pool;
    this.secrets = secrets;
  }

  /** Creates the project's webhook, or replaces its secret and creator (last delivery cleared). */
  Future<Void> save(UUID projectId, UUID createdBy, String secret, String remoteUrl, String remoteKey) {
    byte[] sealed = secrets.seal(secret.getBytes(StandardCharsets.UTF_8));
    return pool.preparedQuery(
            "INSERT INTO git_webhooks (project_id, created_by, secret_enc, remote_url, remote_key)"
                + " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (project_id) DO UPDATE SET"
                + " created_by = EXCLUDED.created_by, secret_enc = EXCLUDED.secret_enc,"
                + " remote_url = EXCLUDED.remote_url, remote_key = EXCLUDED.remote_key, created_at = now(),"
                + " last_at = NULL, last_event = NULL, last_result = NULL, last_message = NULL")
        .execute(Tuple.of(projectId, createdBy, Buffer.buffer(sealed), remoteUrl, remoteKey))
        .mapEmpty();
  }

  Future<Optional<Hook>> find(UUID projectId) {
    return pool.preparedQuery(
            "SELECT w.project_id, w.created_by, u.username, w.remote_url, w.created_at, w.last_at, w.last_event,"
                + " w.last_result, w.last_message FROM git_webhooks w JOIN users u ON u.id = w.created_by"
                + " WHERE w.project_id = $1")
        .execute(Tuple.of(projectId))
        .map(rows -> first(rows).map(WebhookStore::hook));
  }

  Future<Boolean> delete(UUID projectId) {
    return pool.preparedQuery("DELETE FROM git_webhooks WHERE project_id = $1")
        .execute(Tuple.of(projectId))
        .map(rows -> rows.rowCount() > 0);
  }

  /** The project's origin moved: deliveries for the new repository find the webhook from now on. */
  Future<Void> moveRemote(UUID projectId, String remoteUrl, String remoteKey) {
    return pool.preparedQuery("UPDATE git_webhooks SET remote_url = $2, remote_key = $3 WHERE project_id = $1")
        .execute(Tuple.of(projectId, remoteUrl, remoteKey))
        .mapEmpty();
  }

  /** The webhooks of projects whose origin is one of the normalised URLs. */
  Future<List<Candidate>> candidates(Collection<String> remoteKeys) {
    return pool.preparedQuery(
            "SELECT project_id, created_by, remote_key, secret_enc FROM git_webhooks WHERE remote_key = ANY($1)")
        .execute(Tuple.of(remoteKeys.toArray(new String[0])))
        .map(rows -> map(rows, r -> new Candidate(r.getUUID("project_id"), r.getUUID("created_by"),
            r.getString("remote_key"), secrets.open(r.getBuffer("secret_enc").getBytes()))));
  }

  /**
   * Records what a delivery did, unless a later delivery has already been recorded (deliveries
   * that are ignored finish before an earlier one's pull does).
   */
  Future<Void> record(UUID projectId, OffsetDateTime at, String event, String result, String message) {
    return pool.preparedQuery(
            "UPDATE git_webhooks SET last_at = $2, last_event = $3, last_result = $4, last_message = $5"
                + " WHERE project_id = $1 AND (last_at IS NULL OR last_at <= $2)")
        .execute(Tuple.of(projectId, at.withOffsetSameInstant(ZoneOffset.UTC), event, result, message))
        .mapEmpty();
  }

  private static Hook hook(Row r) {
    Optional<LastDelivery> last = Optional.ofNullable(r.getOffsetDateTime("last_at")).map(at -> new LastDelivery(
        at, r.getString("last_event"), r.getString("last_result"), r.getString("last_message")));
    return new Hook(r.getUUID("project_id"), r.getUUID("created_by"), r.getString("username"),
        r.getString("remote_url"), r.getOffsetDateTime("created_at"), last);
  }
}
