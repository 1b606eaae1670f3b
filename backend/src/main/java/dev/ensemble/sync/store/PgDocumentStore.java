package dev.ensemble.sync.store;

import dev.ensemble.sync.protocol.DocumentId;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/** {@link DocumentStore} in PostgreSQL (tables of migration V2). */
public final class PgDocumentStore implements DocumentStore {
  private final Pool pool;

  public PgDocumentStore(Pool pool) {
    this.pool = pool;
  }

  @Override
  public Future<Optional<Stored>> load(DocumentId id) {
    // One snapshot of the database for both reads, so that a concurrent compaction cannot make
    // us miss the increments it folded away.
    return pool.withTransaction(
        conn ->
            conn.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                .execute()
                .compose(v -> conn.preparedQuery("SELECT project_id, snapshot, snapshot_seq FROM documents WHERE id = $1")
                    .execute(Tuple.of(id.uuid())))
                .compose(
                    rows -> {
                      if (rows.size() == 0) {
                        return Future.succeededFuture(Optional.<Stored>empty());
                      }
                      Row doc = rows.iterator().next();
                      long snapshotSeq = doc.getLong("snapshot_seq");
                      Buffer snapshot = doc.getBuffer("snapshot");
                      return conn.preparedQuery(
                              "SELECT seq, changes FROM document_changes WHERE document_id = $1 AND seq > $2 ORDER BY seq")
                          .execute(Tuple.of(id.uuid(), snapshotSeq))
                          .map(
                              changes ->
                                  Optional.of(
                                      new Stored(
                                          doc.getUUID("project_id"),
                                          Optional.ofNullable(snapshot).map(Buffer::getBytes),
                                          snapshotSeq,
                                          increments(changes))));
                    }));
  }

  @Override
  public Future<UUID> create(DocumentId id, UUID projectId) {
    return pool.preparedQuery(
            "WITH ins AS (INSERT INTO documents (id, project_id) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING"
                + " RETURNING project_id)"
                + " SELECT project_id FROM ins UNION ALL SELECT project_id FROM documents WHERE id = $1")
        .execute(Tuple.of(id.uuid(), projectId))
        .compose(rows -> rows.size() > 0
            ? Future.succeededFuture(rows.iterator().next().getUUID("project_id"))
            // Another transaction inserted the row first and committed while this statement waited
            // on it: the insert did nothing, and the statement's snapshot predates that row.
            : pool.preparedQuery("SELECT project_id FROM documents WHERE id = $1")
                .execute(Tuple.of(id.uuid()))
                .compose(again -> again.size() > 0
                    ? Future.succeededFuture(again.iterator().next().getUUID("project_id"))
                    : Future.failedFuture(new IllegalStateException("document " + id + " vanished while created"))));
  }

  @Override
  public Future<Long> append(DocumentId id, byte[] changes) {
    return pool.preparedQuery(
            "WITH s AS (UPDATE documents SET last_seq = last_seq + 1, updated_at = now() WHERE id = $1"
                + " RETURNING last_seq)"
                + " INSERT INTO document_changes (document_id, seq, changes) SELECT $1, last_seq, $2 FROM s"
                + " RETURNING seq")
        .execute(Tuple.of(id.uuid(), Buffer.buffer(changes)))
        .compose(
            rows ->
                rows.size() == 1
                    ? Future.succeededFuture(rows.iterator().next().getLong("seq"))
                    : Future.failedFuture(new IllegalStateException("document " + id + " does not exist")));
  }

  @Override
  public Future<List<Increment>> changesAfter(DocumentId id, long seq) {
    // As in load, one snapshot of the database for both reads: what a concurrent compaction folds
    // away is then either still an increment or already in the snapshot read.
    return pool.withTransaction(
        conn ->
            conn.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                .execute()
                .compose(v -> conn.preparedQuery(
                        "SELECT snapshot_seq, CASE WHEN snapshot_seq > $2 THEN snapshot END AS snapshot"
                            + " FROM documents WHERE id = $1")
                    .execute(Tuple.of(id.uuid(), seq)))
                .compose(
                    rows -> {
                      if (rows.size() == 0) {
                        return Future.succeededFuture(List.<Increment>of());
                      }
                      Row doc = rows.iterator().next();
                      long snapshotSeq = doc.getLong("snapshot_seq");
                      Optional<byte[]> snapshot = Optional.ofNullable(doc.getBuffer("snapshot")).map(Buffer::getBytes);
                      return conn.preparedQuery(
                              "SELECT seq, changes FROM document_changes WHERE document_id = $1 AND seq > $2 ORDER BY seq")
                          .execute(Tuple.of(id.uuid(), Math.max(seq, snapshotSeq)))
                          .map(
                              changes -> {
                                List<Increment> out = new ArrayList<>(changes.size() + 1);
                                snapshot.ifPresent(bytes -> out.add(new Increment(snapshotSeq, bytes)));
                                out.addAll(increments(changes));
                                return out;
                              });
                    }));
  }

  @Override
  public Future<Void> compact(DocumentId id, byte[] snapshot, long throughSeq) {
    return pool.withTransaction(
        conn ->
            conn.preparedQuery(
                    "UPDATE documents SET snapshot = $2, snapshot_seq = $3 WHERE id = $1 AND snapshot_seq < $3")
                .execute(Tuple.of(id.uuid(), Buffer.buffer(snapshot), throughSeq))
                .compose(
                    updated ->
                        updated.rowCount() == 0
                            ? Future.succeededFuture()
                            : conn.preparedQuery("DELETE FROM document_changes WHERE document_id = $1 AND seq <= $2")
                                .execute(Tuple.of(id.uuid(), throughSeq))
                                .mapEmpty()));
  }

  @Override
  public Future<ProjectVersion> projectVersion(UUID projectId) {
    return pool.preparedQuery("SELECT count(*) AS n, coalesce(sum(last_seq), 0)::bigint AS s FROM documents WHERE project_id = $1")
        .execute(Tuple.of(projectId))
        .map(rows -> {
          Row r = rows.iterator().next();
          return new ProjectVersion(r.getLong("n"), r.getLong("s"));
        });
  }

  @Override
  public Future<Map<DocumentId, Long>> lastSeqs(UUID projectId) {
    return pool.preparedQuery("SELECT id, last_seq FROM documents WHERE project_id = $1")
        .execute(Tuple.of(projectId))
        .map(rows -> {
          Map<DocumentId, Long> out = new HashMap<>(rows.size() * 2);
          rows.forEach(r -> out.put(new DocumentId(r.getUUID("id")), r.getLong("last_seq")));
          return out;
        });
  }

  private static List<Increment> increments(RowSet<Row> rows) {
    List<Increment> out = new ArrayList<>(rows.size());
    rows.forEach(r -> out.add(new Increment(r.getLong("seq"), r.getBuffer("changes").getBytes())));
    return out;
  }
}
