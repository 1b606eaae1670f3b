package dev.ensemble.sync.files;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.util.Optional;
import java.util.UUID;

/** The bytes of binary files, in PostgreSQL (table {@code blobs} of migration V5). */
final class BlobStore {
  private final Pool pool;

  BlobStore(Pool pool) {
    this.pool = pool;
  }

  Future<UUID> put(UUID projectId, byte[] content) {
    return pool.preparedQuery("INSERT INTO blobs (project_id, content, size) VALUES ($1, $2, $3) RETURNING id")
        .execute(Tuple.of(projectId, Buffer.buffer(content), (long) content.length))
        .map(rows -> rows.iterator().next().getUUID("id"));
  }

  Future<Optional<byte[]>> get(UUID projectId, UUID id) {
    return pool.preparedQuery("SELECT content FROM blobs WHERE id = $1 AND project_id = $2")
        .execute(Tuple.of(id, projectId))
        .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(rows.iterator().next().getBuffer("content").getBytes()));
  }

  Future<Void> delete(UUID projectId, UUID id) {
    return pool.preparedQuery("DELETE FROM blobs WHERE id = $1 AND project_id = $2")
        .execute(Tuple.of(id, projectId))
        .mapEmpty();
  }
}
