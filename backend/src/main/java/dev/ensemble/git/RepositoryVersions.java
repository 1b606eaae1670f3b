package dev.ensemble.git;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.util.UUID;

/**
 * Each project's repository version in PostgreSQL (table {@code git_repository_versions} of V18):
 * raised by every git operation that may change the repository, under the project's lock and
 * before the repository is touched, so every node sharing the working copy sees at once that a
 * status it remembers may be out of date.
 */
final class RepositoryVersions {
  private final Pool pool;

  RepositoryVersions(Pool pool) {
    this.pool = pool;
  }

  /** The project's version now (0 before its first change). */
  Future<Long> current(UUID projectId) {
    return pool.preparedQuery("SELECT version FROM git_repository_versions WHERE project_id = $1")
        .execute(Tuple.of(projectId))
        .map(rows -> rows.size() == 0 ? 0L : rows.iterator().next().getLong(0));
  }

  /** Raises the project's version (nothing when the project is gone). */
  Future<Void> raise(UUID projectId) {
    return pool.preparedQuery("INSERT INTO git_repository_versions (project_id, version) "
            + "SELECT id, 1 FROM projects WHERE id = $1 "
            + "ON CONFLICT (project_id) DO UPDATE SET version = git_repository_versions.version + 1")
        .execute(Tuple.of(projectId))
        .mapEmpty();
  }
}
