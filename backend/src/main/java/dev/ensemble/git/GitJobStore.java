package dev.ensemble.git;

import static dev.ensemble.store.Rows.first;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Git jobs (imports) and their progress, in PostgreSQL (table {@code git_jobs} of V6; the node
 * running each job and its heartbeat since V19).
 */
final class GitJobStore {
  /** Where a job is; the last three are final. */
  enum State {
    QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED;

    String wire() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }

    boolean finished() {
      return this == SUCCEEDED || this == FAILED || this == CANCELLED;
    }
  }

  /**
   * A job as its owner sees it; {@code skipped} names the first {@code skippedCount} files an
   * import left in git only ({@code {path, reason, message}}); {@code nodeId} the node that runs
   * it (none for jobs from before V19).
   */
  record Job(
      UUID id, UUID userId, UUID projectId, String kind, State state, String phase, long done, long total,
      Optional<String> errorCode, Optional<String> errorMessage, int skippedCount, JsonArray skipped,
      OffsetDateTime createdAt, OffsetDateTime updatedAt, Optional<String> nodeId) {

    static Job from(Row r) {
      return new Job(
          r.getUUID("id"), r.getUUID("user_id"), r.getUUID("project_id"), r.getString("kind"),
          State.valueOf(r.getString("state").toUpperCase(java.util.Locale.ROOT)), r.getString("phase"),
          r.getLong("done"), r.getLong("total"), Optional.ofNullable(r.getString("error_code")),
          Optional.ofNullable(r.getString("error_message")), r.getInteger("skipped_count"),
          r.getJsonArray("skipped"), r.getOffsetDateTime("created_at"), r.getOffsetDateTime("updated_at"),
          Optional.ofNullable(r.getString("node_id")));
    }

    JsonObject toJson() {
      JsonObject o = new JsonObject()
          .put("id", id.toString())
          .put("kind", kind)
          .put("projectId", projectId.toString())
          .put("state", state.wire())
          .put("progress", new JsonObject().put("phase", phase).put("done", done).put("total", total))
          .put("createdAt", createdAt.toInstant().toString())
          .put("updatedAt", updatedAt.toInstant().toString());
      errorCode.ifPresent(code -> o.put("error", new JsonObject().put("code", code).put("message", errorMessage.orElse(code))));
      if (state == State.SUCCEEDED) {
        o.put("skipped", new JsonObject().put("count", skippedCount).put("files", skipped));
      }
      return o;
    }
  }

  private static final String COLUMNS =
      "id, user_id, project_id, kind, state, phase, done, total, error_code, error_message, skipped_count, skipped,"
          + " created_at, updated_at, node_id";

  private final Pool pool;
  private final String nodeId;

  /** {@code nodeId}: this node, named as the one running the jobs it creates. */
  GitJobStore(Pool pool, String nodeId) {
    this.pool = pool;
    this.nodeId = nodeId;
  }

  /** A new job, queued and run by this node. */
  Future<Job> create(UUID userId, UUID projectId, String kind) {
    return pool.preparedQuery(
            "INSERT INTO git_jobs (user_id, project_id, kind, state, node_id) VALUES ($1, $2, $3, 'queued', $4)"
                + " RETURNING " + COLUMNS)
        .execute(Tuple.of(userId, projectId, kind, nodeId))
        .map(rows -> Job.from(rows.iterator().next()));
  }

  /** The job if it is the user's. */
  Future<Optional<Job>> find(UUID jobId, UUID userId) {
    return pool.preparedQuery("SELECT " + COLUMNS + " FROM git_jobs WHERE id = $1 AND user_id = $2")
        .execute(Tuple.of(jobId, userId))
        .map(rows -> first(rows).map(Job::from));
  }

  /** Records progress of an unfinished job (a finished one keeps its final state). */
  Future<Void> progress(UUID jobId, State state, String phase, long done, long total) {
    return pool.preparedQuery(
            "UPDATE git_jobs SET state = $2, phase = $3, done = $4, total = $5, updated_at = now()"
                + " WHERE id = $1 AND state IN ('queued', 'running')")
        .execute(Tuple.of(jobId, state.wire(), phase, done, total))
        .mapEmpty();
  }

  /** An import that succeeded: its last progress and what it left in git only, in one step. */
  Future<Void> succeed(UUID jobId, long done, long total, int skippedCount, JsonArray skipped) {
    return pool.preparedQuery(
            "UPDATE git_jobs SET state = 'succeeded', phase = 'done', done = $2, total = $3, skipped_count = $4,"
                + " skipped = $5, updated_at = now() WHERE id = $1 AND state IN ('queued', 'running')")
        .execute(Tuple.of(jobId, done, total, skippedCount, skipped))
        .mapEmpty();
  }

  Future<Void> finish(UUID jobId, State state, Optional<String> errorCode, Optional<String> errorMessage) {
    return pool.preparedQuery(
            "UPDATE git_jobs SET state = $2, error_code = $3, error_message = $4, updated_at = now()"
                + " WHERE id = $1 AND state IN ('queued', 'running')")
        .execute(Tuple.of(jobId, state.wire(), errorCode.orElse(null), errorMessage.orElse(null)))
        .mapEmpty();
  }

  /**
   * Jobs a previous run of the server left unfinished can never finish: they failed. Single node
   * only (every unfinished job was its own); with several, {@link #failOrphans} fails the jobs of
   * nodes that went away.
   */
  Future<Integer> failInterrupted() {
    return pool.preparedQuery(
            "UPDATE git_jobs SET state = 'failed', error_code = 'interrupted',"
                + " error_message = 'the server restarted during the job', updated_at = now()"
                + " WHERE state IN ('queued', 'running')")
        .execute()
        .map(rows -> rows.rowCount());
  }

  /** Confirms that this node is still running these jobs (those not yet finished). */
  Future<Void> heartbeat(List<UUID> ids) {
    if (ids.isEmpty()) {
      return Future.succeededFuture();
    }
    return pool.preparedQuery(
            "UPDATE git_jobs SET heartbeat_at = now() WHERE id = ANY($1) AND state IN ('queued', 'running')")
        .execute(Tuple.tuple().addArrayOfUUID(ids.toArray(new UUID[0])))
        .mapEmpty();
  }

  /**
   * Fails as interrupted the unfinished jobs whose node has neither confirmed them nor recorded
   * their progress for {@code silentFor} (by the database's clock), never those in {@code held}
   * (this node's own), and returns them as they are now. One conditional UPDATE: safe on every
   * node at once, each job is failed (and returned) by one of them, and a job whose node still
   * confirms it is never touched.
   */
  Future<List<Job>> failOrphans(Duration silentFor, List<UUID> held) {
    return pool.preparedQuery(
            "UPDATE git_jobs SET state = 'failed', error_code = 'interrupted',"
                + " error_message = 'the server node running the job went away', updated_at = now()"
                + " WHERE state IN ('queued', 'running') AND NOT (id = ANY($2))"
                // progress counts as a sign of life too: jobs of nodes from before V19 only record that
                + " AND heartbeat_at < now() - make_interval(secs => $1) AND updated_at < now() - make_interval(secs => $1)"
                + " RETURNING " + COLUMNS)
        .execute(Tuple.tuple().addDouble(silentFor.toMillis() / 1000.0).addArrayOfUUID(held.toArray(new UUID[0])))
        .map(rows -> {
          List<Job> out = new ArrayList<>();
          rows.forEach(r -> out.add(Job.from(r)));
          return out;
        });
  }
}
