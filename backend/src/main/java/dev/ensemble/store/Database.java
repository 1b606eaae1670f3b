package dev.ensemble.store;

import dev.ensemble.config.DatabaseUrl;
import dev.ensemble.config.EnsembleConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The durable store: a PostgreSQL pool (the configured server, or the embedded one), migrated by
 * Flyway before anything uses it.
 */
public final class Database {
  private static final Logger log = LoggerFactory.getLogger(Database.class);

  private final Vertx vertx;
  private final PgConnectOptions connect;
  private final Pool pool;
  private final Optional<EmbeddedPostgres> embedded;
  private final AtomicBoolean migrated = new AtomicBoolean();
  /** Pools opened by {@link #dedicatedPool}, closed with the main one. */
  private final List<Pool> dedicated = new CopyOnWriteArrayList<>();

  private Database(Vertx vertx, PgConnectOptions connect, Pool pool, Optional<EmbeddedPostgres> embedded) {
    this.vertx = vertx;
    this.connect = connect;
    this.pool = pool;
    this.embedded = embedded;
  }

  /** Starts the embedded server when no URL is configured, migrates, and opens the pool. */
  public static Future<Database> open(Vertx vertx, EnsembleConfig config) {
    return vertx
        .executeBlocking(
            () -> {
              Optional<EmbeddedPostgres> embedded = Optional.empty();
              DatabaseUrl url;
              if (config.databaseUrl().isPresent()) {
                url = config.databaseUrl().get();
              } else {
                EmbeddedPostgres pg = EmbeddedPostgres.start(config.dataDir(), config.embeddedDbUser());
                embedded = Optional.of(pg);
                url = pg.url();
              }
              try {
                migrate(url);
              } catch (RuntimeException e) {
                embedded.ifPresent(EmbeddedPostgres::close);
                throw e;
              }
              return new Object[] {url, embedded};
            },
            false)
        .map(
            parts -> {
              DatabaseUrl url = (DatabaseUrl) parts[0];
              @SuppressWarnings("unchecked")
              Optional<EmbeddedPostgres> embedded = (Optional<EmbeddedPostgres>) parts[1];
              PgConnectOptions connect =
                  new PgConnectOptions()
                      .setHost(url.host())
                      .setPort(url.port())
                      .setDatabase(url.database())
                      .setUser(url.user())
                      .setPassword(url.password())
                      .setCachePreparedStatements(true);
              Pool pool =
                  PgBuilder.pool()
                      .with(new PoolOptions().setMaxSize(config.databasePoolSize()).setName("ensemble-db"))
                      .connectingTo(connect)
                      .using(vertx)
                      .build();
              Database db = new Database(vertx, connect, pool, embedded);
              db.migrated.set(true);
              log.info("database ready: {}{}", url, embedded.isPresent() ? " (embedded)" : "");
              return db;
            });
  }

  private static void migrate(DatabaseUrl url) {
    Flyway.configure()
        .dataSource(url.jdbcUrl(), url.user(), url.password())
        .locations("classpath:db/migration")
        .load()
        .migrate();
  }

  public Pool pool() {
    return pool;
  }

  /**
   * A small pool of its own on the same database, for connections held a long time (a session's
   * advisory lock for the length of an operation) that must not take the main pool's from the
   * queries that operation makes meanwhile. Waiting longer than {@code connectionTimeout} for a
   * free connection fails. Closed with the database.
   */
  public Pool dedicatedPool(String name, int maxSize, java.time.Duration connectionTimeout) {
    Pool p = PgBuilder.pool()
        .with(new PoolOptions().setMaxSize(maxSize).setName(name)
            .setConnectionTimeout((int) Math.max(1, connectionTimeout.toMillis()))
            .setConnectionTimeoutUnit(java.util.concurrent.TimeUnit.MILLISECONDS))
        .connectingTo(connect)
        .using(vertx)
        .build();
    dedicated.add(p);
    return p;
  }

  /** Ready when migrations ran and the server answers a query. */
  public Future<Void> checkReady() {
    if (!migrated.get()) {
      return Future.failedFuture("migrations have not run");
    }
    return pool.query("SELECT 1").execute().mapEmpty();
  }

  /** Closes the pool, then stops the embedded server if there is one (blocking part on a worker). */
  public Future<Void> close(Vertx vertx) {
    Future<Void> others = dedicated.stream().map(Pool::close)
        .reduce((a, b) -> Future.all(a, b).mapEmpty()).orElse(Future.succeededFuture());
    return others.transform(x -> pool.close())
        .transform(
            ignored ->
                embedded.isEmpty()
                    ? Future.succeededFuture()
                    : vertx.executeBlocking(
                        () -> {
                          embedded.get().close();
                          return null;
                        },
                        false));
  }
}
