package dev.ensemble.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ensemble.config.DatabaseUrl;
import dev.ensemble.support.ApiClient;
import dev.ensemble.support.TestDatabase;
import dev.ensemble.support.TestServer;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Against the configured PostgreSQL: migrations from empty, and data surviving a restart. */
class PostgresRestartTest {

  @Test
  void migratesAnEmptyDatabaseAndKeepsDataAcrossRestarts() throws Exception {
    DatabaseUrl db = TestDatabase.fresh();
    Map<String, String> env =
        Map.of(
            "ENSEMBLE_HTTP_PORT", Integer.toString(TestServer.freePort()),
            "ENSEMBLE_DATA_DIR", Files.createTempDirectory("ensemble-restart").toString(),
            "ENSEMBLE_DATABASE_URL", TestDatabase.urlOf(db));
    Path dataDir = Path.of(env.get("ENSEMBLE_DATA_DIR"));
    String projectId;
    try (TestServer first = TestServer.startWith(env, dataDir)) {
      ApiClient alice = first.client();
      alice.signup("alice", "correct horse battery");
      projectId = alice.post("/api/projects", new JsonObject().put("name", "Durable")).json().getString("id");
      assertEquals(200, alice.get("/ready").status());
    }
    try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
        ResultSet rs =
            c.createStatement().executeQuery("SELECT version FROM flyway_schema_history WHERE success ORDER BY installed_rank")) {
      rs.next();
      assertEquals("1", rs.getString(1));
    }
    try (TestServer second = TestServer.startWith(env, dataDir)) {
      ApiClient alice = second.client();
      ApiClient.Response login =
          alice.post("/api/auth/login", new JsonObject().put("username", "alice").put("password", "correct horse battery"));
      assertEquals(200, login.status(), login.toString());
      ApiClient.Response project = alice.get("/api/projects/" + projectId);
      assertEquals(200, project.status());
      assertEquals("Durable", project.json().getString("name"));
    }
  }
}
