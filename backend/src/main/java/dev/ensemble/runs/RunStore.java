package dev.ensemble.runs;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** Runs and their output in PostgreSQL. */
public final class RunStore {
  private static final String COLUMNS =
      "id, project_id, user_id, command, status, exit_code, created_at, started_at, finished_at,"
          + " duration_ms, output_bytes, truncated";

  private final Pool pool;

  public RunStore(Pool pool) {
    this.pool = pool;
  }

  /** A run as stored. */
  public record StoredRun(
      UUID id,
      UUID projectId,
      Optional<UUID> userId,
      String command,
      RunStatus status,
      Optional<Integer> exitCode,
      Instant createdAt,
      Optional<Instant> startedAt,
      Optional<Instant> finishedAt,
      Optional<Long> durationMs,
      long outputBytes,
      boolean truncated) {

    static StoredRun from(Row r) {
      return new StoredRun(
          r.getUUID("id"), r.getUUID("project_id"), Optional.ofNullable(r.getUUID("user_id")),
          r.getString("command"), RunStatus.fromWire(r.getString("status")),
          Optional.ofNullable(r.getInteger("exit_code")), r.getOffsetDateTime("created_at").toInstant(),
          instant(r, "started_at"), instant(r, "finished_at"), Optional.ofNullable(r.getLong("duration_ms")),
          r.getLong("output_bytes"), r.getBoolean("truncated"));
    }

    private static Optional<Instant> instant(Row r, String column) {
      return Optional.ofNullable(r.getOffsetDateTime(column)).map(OffsetDateTime::toInstant);
    }
  }

  /** Records a run that was just accepted. */
  public Future<Void> insert(RunRequest run) {
    return pool.preparedQuery(
            "INSERT INTO runs (id, project_id, user_id, command, status) VALUES ($1, $2, $3, $4, 'queued')")
        .execute(Tuple.of(run.id(), run.projectId(), run.userId(), run.command()))
        .mapEmpty();
  }

  /** Marks a run as running since {@code startedAt}. */
  public Future<Void> started(UUID id, Instant startedAt) {
    return pool.preparedQuery("UPDATE runs SET status = 'running', started_at = $2 WHERE id = $1")
        .execute(Tuple.of(id, utc(startedAt)))
        .mapEmpty();
  }

  /** Records how a run ended. */
  public Future<Void> finish(UUID id, RunResult result) {
    Instant finishedAt = result.startedAt().plusMillis(result.durationMs());
    return pool.preparedQuery(
            "UPDATE runs SET status = $2, exit_code = $3, started_at = coalesce(started_at, $4),"
                + " finished_at = $5, duration_ms = $6, output_bytes = $7, truncated = $8 WHERE id = $1")
        .execute(
            Tuple.from(
                new Object[] {
                  id, result.status().wire(), result.exitCode().orElse(null), utc(result.startedAt()),
                  utc(finishedAt), result.durationMs(), result.outputBytes(), result.truncated()
                }))
        .mapEmpty();
  }

  /** Appends output chunks in one round trip. */
  public Future<Void> append(UUID runId, List<RunChunk> chunks) {
    if (chunks.isEmpty()) {
      return Future.succeededFuture();
    }
    List<Tuple> rows = new ArrayList<>(chunks.size());
    for (RunChunk c : chunks) {
      rows.add(Tuple.of(runId, c.seq(), c.stream().wire(), Buffer.buffer(c.data())));
    }
    return pool.preparedQuery("INSERT INTO run_output (run_id, seq, stream, data) VALUES ($1, $2, $3, $4)")
        .executeBatch(rows)
        .mapEmpty();
  }

  public Future<Optional<StoredRun>> find(UUID id) {
    return pool.preparedQuery("SELECT " + COLUMNS + " FROM runs WHERE id = $1")
        .execute(Tuple.of(id))
        .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(StoredRun.from(rows.iterator().next())));
  }

  /** A project's runs, newest first. */
  public Future<List<StoredRun>> forProject(UUID projectId, int limit) {
    return pool.preparedQuery(
            "SELECT " + COLUMNS + " FROM runs WHERE project_id = $1 ORDER BY created_at DESC, id LIMIT $2")
        .execute(Tuple.of(projectId, limit))
        .map(
            rows -> {
              List<StoredRun> out = new ArrayList<>();
              rows.forEach(r -> out.add(StoredRun.from(r)));
              return out;
            });
  }

  /** The last chunks of a run's stored output, in order, covering at least {@code bytes} bytes when there are as many. */
  public Future<List<RunChunk>> lastChunks(UUID runId, int bytes) {
    return pool.preparedQuery(
            "SELECT seq, stream, data FROM (SELECT seq, stream, data, sum(octet_length(data)) OVER (ORDER BY seq DESC) AS after"
                + " FROM run_output WHERE run_id = $1) t WHERE after - octet_length(data) < $2 ORDER BY seq")
        .execute(Tuple.of(runId, bytes))
        .map(
            rows -> {
              List<RunChunk> out = new ArrayList<>();
              rows.forEach(
                  r -> out.add(new RunChunk(r.getLong("seq"), RunChunk.Stream.fromWire(r.getString("stream")),
                      r.getBuffer("data").getBytes())));
              return out;
            });
  }

  /** Output chunks after {@code afterSeq}, in order, at most {@code limit}. */
  public Future<List<RunChunk>> chunksAfter(UUID runId, long afterSeq, int limit) {
    return chunksAfter(runId, afterSeq, limit, Integer.MAX_VALUE);
  }

  /**
   * Output chunks after {@code afterSeq}, in order, at most {@code limit} of them, ending with the
   * first chunk that brings the data to {@code maxBytes} or more (so a page holds less than {@code
   * maxBytes} only when the store had no more). The byte bound keeps a page of large chunks from costing the
   * event loop that decodes it tens of milliseconds.
   */
  public Future<List<RunChunk>> chunksAfter(UUID runId, long afterSeq, int limit, int maxBytes) {
    return pool.preparedQuery(
            "SELECT seq, stream, data FROM (SELECT seq, stream, data,"
                + " sum(octet_length(data)) OVER (ORDER BY seq) - octet_length(data) AS before"
                + " FROM (SELECT seq, stream, data FROM run_output WHERE run_id = $1 AND seq > $2 ORDER BY seq LIMIT $3) r) t"
                + " WHERE before < $4 ORDER BY seq")
        .execute(Tuple.of(runId, afterSeq, limit, maxBytes))
        .map(
            rows -> {
              List<RunChunk> out = new ArrayList<>();
              rows.forEach(
                  r -> out.add(new RunChunk(r.getLong("seq"), RunChunk.Stream.fromWire(r.getString("stream")),
                      r.getBuffer("data").getBytes())));
              return out;
            });
  }

  /**
   * Marks runs this node left queued or running (it stopped without ending them) as killed.
   * Single-node only: with several nodes, {@link #endOrphans} ends runs whose node went away.
   */
  public Future<Integer> endAbandoned() {
    return pool.query(
            "UPDATE runs SET status = 'killed', finished_at = now() WHERE status IN ('queued', 'running')")
        .execute()
        .map(rows -> rows.rowCount());
  }

  /** Confirms that this node still holds these runs (the ones not yet ended). */
  public Future<Void> heartbeat(List<UUID> ids) {
    if (ids.isEmpty()) {
      return Future.succeededFuture();
    }
    return pool.preparedQuery(
            "UPDATE runs SET heartbeat_at = now() WHERE id = ANY($1) AND status IN ('queued', 'running')")
        .execute(Tuple.tuple().addArrayOfUUID(ids.toArray(new UUID[0])))
        .mapEmpty();
  }

  /**
   * Marks runs whose node has not confirmed them for {@code silentFor} as killed, and returns them
   * as they are now; never those in {@code held} (this node's own). Safe on every node at once:
   * each row is ended (and returned) by one of them.
   */
  public Future<List<StoredRun>> endOrphans(java.time.Duration silentFor, List<UUID> held) {
    return pool.preparedQuery(
            "UPDATE runs SET status = 'killed', finished_at = now() WHERE status IN ('queued', 'running')"
                + " AND heartbeat_at < now() - make_interval(secs => $1) AND NOT (id = ANY($2)) RETURNING " + COLUMNS)
        .execute(Tuple.tuple().addDouble(silentFor.toMillis() / 1000.0).addArrayOfUUID(held.toArray(new UUID[0])))
        .map(rows -> {
          List<StoredRun> out = new ArrayList<>();
          rows.forEach(r -> out.add(StoredRun.from(r)));
          return out;
        });
  }

  private static OffsetDateTime utc(Instant i) {
    return i.atOffset(ZoneOffset.UTC);
  }
}
