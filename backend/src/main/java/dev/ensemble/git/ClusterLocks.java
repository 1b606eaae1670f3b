package dev.ensemble.git;

import dev.ensemble.http.ApiException;
import io.vertx.core.Future;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.util.UUID;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One git operation per project across every node sharing the working copies: a PostgreSQL
 * session-level advisory lock on the project's key, held on a connection of its own for the length
 * of the operation. A node that dies drops its connections, and PostgreSQL releases their locks with
 * them. The wait is the database's ({@code lock_timeout}), so no thread of this node waits; it ends
 * after {@code wait} with 409 {@code repository_busy}.
 */
final class ClusterLocks {
  private static final Logger log = LoggerFactory.getLogger(ClusterLocks.class);
  /** PostgreSQL's lock_not_available: lock_timeout ran out. */
  private static final String LOCK_NOT_AVAILABLE = "55P03";

  private final Pool pool;
  private final Duration wait;

  /** @param pool a pool used for nothing else: each connection holds one lock at a time */
  ClusterLocks(Pool pool, Duration wait) {
    this.pool = pool;
    this.wait = wait;
  }

  /** The advisory lock key of a project: its id's 128 bits folded into 64. */
  static long key(UUID projectId) {
    return projectId.getMostSignificantBits() ^ projectId.getLeastSignificantBits();
  }

  /** Runs {@code operation} while this node holds the project's lock; it is released whatever the outcome. */
  <T> Future<T> run(UUID projectId, Supplier<Future<T>> operation) {
    long key = key(projectId);
    return pool.getConnection()
        .recover(e -> Future.failedFuture(unavailable(projectId, e)))
        .compose(conn -> acquire(conn, projectId, key)
            .recover(e -> conn.close().transform(x -> Future.<Void>failedFuture(e)))
            .compose(v -> {
              Future<T> result;
              try {
                result = operation.get();
              } catch (RuntimeException e) {
                result = Future.failedFuture(e);
              }
              return result.eventually(() -> release(conn, projectId, key));
            }));
  }

  private Future<Void> acquire(SqlConnection conn, UUID projectId, long key) {
    // lock_timeout bounds this session's lock waits; the connection serves nothing but this lock.
    return conn.query("SET lock_timeout = " + Math.max(1, wait.toMillis())).execute()
        .compose(r -> conn.preparedQuery("SELECT pg_advisory_lock($1)").execute(Tuple.of(key)))
        .<Void>mapEmpty()
        .recover(e -> Future.failedFuture(e instanceof PgException pg && LOCK_NOT_AVAILABLE.equals(pg.getSqlState())
            ? ApiException.conflict("repository_busy", "another git operation on this project is still running; "
                + "try again in a moment")
            : unavailable(projectId, e)));
  }

  /**
   * Unlocks and gives the connection back. Should the unlock fail on a connection that still works,
   * everything it holds is released before it goes back to the pool; a broken connection held its
   * locks only as long as it lived.
   */
  private Future<Void> release(SqlConnection conn, UUID projectId, long key) {
    return conn.preparedQuery("SELECT pg_advisory_unlock($1)").execute(Tuple.of(key))
        .compose(rows -> Boolean.TRUE.equals(rows.iterator().next().getBoolean(0))
            ? Future.<Void>succeededFuture()
            : Future.failedFuture(new IllegalStateException("the lock was not held")))
        .recover(e -> {
          log.warn("project {}: releasing its git lock failed ({}); releasing all of the session's", projectId, e.toString());
          return conn.query("SELECT pg_advisory_unlock_all()").execute().mapEmpty();
        })
        .transform(x -> conn.close())
        .otherwiseEmpty(); // the operation's outcome stands whatever happened here
  }

  private static ApiException unavailable(UUID projectId, Throwable cause) {
    log.warn("project {}: the git lock could not be taken: {}", projectId, cause.toString());
    return ApiException.of(503, "git_lock_unavailable",
        "the lock that orders git operations between server nodes could not be taken (the database did not "
            + "answer, or this node has too many git operations waiting); try again later");
  }
}
