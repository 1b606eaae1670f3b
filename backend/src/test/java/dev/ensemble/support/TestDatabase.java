package dev.ensemble.support;

import dev.ensemble.config.DatabaseUrl;
import dev.ensemble.store.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.UUID;

/**
 * Real PostgreSQL for tests: the server named by {@code ENSEMBLE_TEST_DATABASE_URL} when set (CI
 * sets it to the machine's PostgreSQL), otherwise one embedded server shared by the test JVM. Each
 * caller gets a fresh, empty database on it.
 */
public final class TestDatabase {
  private static DatabaseUrl server;

  private TestDatabase() {}

  /** A new empty database. */
  public static synchronized DatabaseUrl fresh() {
    DatabaseUrl base = server();
    String name = "ensemble_test_" + UUID.randomUUID().toString().replace("-", "");
    try (Connection c = DriverManager.getConnection(base.jdbcUrl(), base.user(), base.password());
        Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + name);
    } catch (Exception e) {
      throw new IllegalStateException("cannot create a test database on " + base + ": " + e.getMessage(), e);
    }
    return new DatabaseUrl(base.host(), base.port(), name, base.user(), base.password());
  }

  /** Drops a database made by {@link #fresh()} (its server must have closed its connections). */
  public static synchronized void drop(DatabaseUrl db) {
    DatabaseUrl base = server();
    try (Connection c = DriverManager.getConnection(base.jdbcUrl(), base.user(), base.password());
        Statement s = c.createStatement()) {
      s.execute("DROP DATABASE IF EXISTS " + db.database() + " WITH (FORCE)");
    } catch (Exception e) {
      throw new IllegalStateException("cannot drop test database " + db.database() + ": " + e.getMessage(), e);
    }
  }

  /** The postgresql:// form of a database URL, password included. */
  public static String urlOf(DatabaseUrl db) {
    return "postgresql://" + db.user() + (db.password().isEmpty() ? "" : ":" + db.password()) + "@"
        + db.host() + ":" + db.port() + "/" + db.database();
  }

  /** Where the tests' databases live (for a description in test output). */
  public static synchronized DatabaseUrl server() {
    if (server == null) {
      String configured = System.getenv("ENSEMBLE_TEST_DATABASE_URL");
      if (configured != null && !configured.isBlank()) {
        server = DatabaseUrl.parse("ENSEMBLE_TEST_DATABASE_URL", configured);
      } else {
        try {
          Path dir = TempDirs.create("ensemble-test-pg");
          EmbeddedPostgres pg = EmbeddedPostgres.start(dir, "nobody");
          Runtime.getRuntime().addShutdownHook(new Thread(pg::close));
          server = pg.url();
        } catch (Exception e) {
          throw new IllegalStateException("cannot start embedded PostgreSQL for tests: " + e.getMessage(), e);
        }
      }
    }
    return server;
  }
}
