package dev.ensemble.support;

import dev.ensemble.config.DatabaseUrl;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Tuple;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.flywaydb.core.Flyway;

/**
 * A fresh PostgreSQL database with every migration applied and a pool on it, for tests of one
 * store; closing it drops the database.
 */
public final class MigratedDatabase implements AutoCloseable {
  private final DatabaseUrl db;
  private final Vertx vertx;
  private final Pool pool;

  private MigratedDatabase(DatabaseUrl db, Vertx vertx, Pool pool) {
    this.db = db;
    this.vertx = vertx;
    this.pool = pool;
  }

  /** A pool of at most {@code maxConnections}. */
  public static MigratedDatabase open(int maxConnections) {
    DatabaseUrl db = TestDatabase.fresh();
    Flyway.configure().dataSource(db.jdbcUrl(), db.user(), db.password())
        .locations("classpath:db/migration").load().migrate();
    Vertx vertx = Vertx.vertx();
    Pool pool = PgBuilder.pool()
        .with(new PoolOptions().setMaxSize(maxConnections))
        .connectingTo(new PgConnectOptions().setHost(db.host()).setPort(db.port()).setDatabase(db.database())
            .setUser(db.user()).setPassword(db.password()))
        .using(vertx).build();
    return new MigratedDatabase(db, vertx, pool);
  }

  public Pool pool() {
    return pool;
  }

  /** A user named {@code username}; its id. */
  public UUID user(String username) throws Exception {
    return await(pool.preparedQuery("INSERT INTO users (username, display_name) VALUES ($1, $1) RETURNING id")
        .execute(Tuple.of(username))).iterator().next().getUUID("id");
  }

  /** A project created by {@code userId}; its id. */
  public UUID project(UUID userId) throws Exception {
    return await(pool.preparedQuery("INSERT INTO projects (name, created_by) VALUES ('p', $1) RETURNING id")
        .execute(Tuple.of(userId))).iterator().next().getUUID("id");
  }

  @Override
  public void close() throws Exception {
    await(pool.close());
    await(vertx.close());
    TestDatabase.drop(db);
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }
}
