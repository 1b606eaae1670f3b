package dev.ensemble.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ensemble.config.DatabaseUrl;
import dev.ensemble.support.ApiClient;
import dev.ensemble.support.TestDatabase;
import dev.ensemble.support.TestServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Stock {@code @automerge/automerge-repo} clients from npm (Node) create, find, edit and receive
 * documents through the Java server; authorization holds; documents survive a restart.
 */
class SyncInteropTest {
  private static DatabaseUrl db;
  private static Path dataDir;
  private static TestServer server;
  private static String project;
  private static String otherProject;
  /** A project of its own for documents that appear late (the collaborate test counts documents). */
  private static String lateProject;
  private static String aliceToken;
  private static String bobToken;
  private static String vicToken;

  @BeforeAll
  static void start() throws Exception {
    db = TestDatabase.fresh();
    dataDir = Files.createTempDirectory("ensemble-sync-test");
    server = startServer();
    ApiClient alice = server.client();
    alice.signup("alice", "correct horse battery");
    ApiClient bob = server.client();
    bob.signup("bob", "correct horse battery");
    ApiClient vic = server.client();
    vic.signup("vic", "correct horse battery");
    project = created(alice.post("/api/projects", new JsonObject().put("name", "shared"))).getString("id");
    otherProject = created(alice.post("/api/projects", new JsonObject().put("name", "private"))).getString("id");
    created(alice.post("/api/projects/" + project + "/members", new JsonObject().put("username", "bob").put("role", "editor")));
    created(alice.post("/api/projects/" + project + "/members", new JsonObject().put("username", "vic").put("role", "viewer")));
    lateProject = created(alice.post("/api/projects", new JsonObject().put("name", "late"))).getString("id");
    created(alice.post("/api/projects/" + lateProject + "/members", new JsonObject().put("username", "bob").put("role", "editor")));
    created(alice.post("/api/projects/" + lateProject + "/members", new JsonObject().put("username", "vic").put("role", "viewer")));
    aliceToken = token(alice);
    bobToken = token(bob);
    vicToken = token(vic);
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void stockClientsCollaborateAndDocumentsSurviveARestart() throws Exception {
    JsonObject r = NodeScenario.run("collaborate", Map.of(
        "SYNC_URL_A", syncUrl(project, aliceToken),
        "SYNC_URL_B", syncUrl(project, bobToken),
        "SYNC_URL_VIEWER", syncUrl(project, vicToken),
        "SYNC_URL_OTHER_PROJECT", syncUrl(otherProject, aliceToken)));

    assertEquals("hello", r.getString("textSeenByB"), "B finds A's new document by URL: " + r);
    assertEquals("hello world", r.getString("textSeenByA"), "A receives B's edit: " + r);
    assertEquals(new JsonObject().put("cursor", 3).put("user", "alice"), r.getJsonObject("presenceHeardByB"));
    assertEquals(0, r.getInteger("presenceEchoedToA"), "presence is never sent back to its sender");
    assertEquals(3, r.getInteger("presenceRoundsHeardByA"), "presence keeps flowing: clients forward what they hear");
    assertEquals(3, r.getInteger("presenceRoundsHeardByB"));
    assertEquals(0, r.getInteger("ownPresenceEchoedToA"));
    assertEquals("hello world", r.getString("textSeenByViewer"), "viewers receive the document");
    assertTrue(r.getString("viewerError").contains("read-only"), "the viewer is told: " + r);
    assertEquals("hello world", r.getString("textSeenByAAfterViewerEdit"), "the viewer's change is not relayed");
    assertEquals("hello world", r.getString("textSeenByBAfterViewerEdit"), "the viewer's change is not relayed");
    assertEquals("unavailable", r.getString("otherProject"), "another project's connection cannot get the document");

    String url = r.getString("url");
    assertEquals(1, count("SELECT count(*) FROM documents d JOIN projects p ON p.id = d.project_id"
            + " WHERE p.id = '" + project + "' AND d.id <> p.root_doc_id"),
        "the new document belongs to the connection's project (besides its root document)");

    server.close();
    server = startServer();
    JsonObject after = NodeScenario.run("reopen", Map.of("SYNC_URL_B", syncUrl(project, bobToken), "DOC_URL", url));
    assertEquals("hello world", after.getString("text"), "the document is back after a restart");
    assertEquals("hello world!", after.getString("textAfterEdit"));
  }

  @Test
  void aClientToldADocumentIsUnavailableReceivesItOnceItAppears() {
    JsonObject r = NodeScenario.run("awaitUnavailable", Map.of(
        "SYNC_URL_A", syncUrl(lateProject, aliceToken),
        "SYNC_URL_B", syncUrl(lateProject, bobToken),
        "SYNC_URL_VIEWER", syncUrl(lateProject, vicToken),
        "SYNC_URL_OTHER_PROJECT", syncUrl(otherProject, aliceToken)));

    assertEquals(new JsonArray(List.of("unavailable", "unavailable", "unavailable")), r.getJsonArray("before"),
        "nobody has the document before B connects: " + r);
    assertEquals("ready", r.getString("stateOfA"), "A's unavailable handle becomes ready: " + r);
    assertEquals("made offline", r.getString("textSeenByA"));
    assertEquals("made offline", r.getString("textSeenByViewer"), "viewers are synced too");
    assertEquals("now made offline", r.getString("textSeenByAAfterEdit"), "and A keeps syncing it");
    assertEquals("unavailable", r.getString("stateOfOtherProject"), "another project's connection gets nothing");
    assertEquals(r.getJsonArray("requestsBefore"), r.getJsonArray("requestsAfter"), "nobody asked again: " + r);
  }

  @Test
  void upgradeIsRefusedWithoutCredentialsOrMembership() {
    assertEquals(401, handshakeStatus(wsBase() + "/sync?project=" + project));
    assertEquals(401, handshakeStatus(wsBase() + "/sync?project=" + project + "&access_token=ens_not_a_token"));
    assertEquals(404, handshakeStatus(syncUrl(otherProject, bobToken)), "bob is no member of the other project");
    assertEquals(400, handshakeStatus(wsBase() + "/sync?project=nope&access_token=" + bobToken));
  }

  // ---- helpers -------------------------------------------------------------------------------

  private static TestServer startServer() {
    Map<String, String> env = new HashMap<>();
    env.put("ENSEMBLE_HTTP_PORT", Integer.toString(TestServer.freePort()));
    env.put("ENSEMBLE_DATA_DIR", dataDir.toString());
    env.put("ENSEMBLE_DATABASE_URL", "postgresql://" + db.user() + (db.password().isEmpty() ? "" : ":" + db.password())
        + "@" + db.host() + ":" + db.port() + "/" + db.database());
    return TestServer.startWith(env, dataDir);
  }

  private static JsonObject created(ApiClient.Response r) {
    assertEquals(201, r.status(), r.toString());
    return r.json();
  }

  private static String token(ApiClient client) {
    return created(client.post("/api/tokens", new JsonObject().put("name", "sync test"))).getString("token");
  }

  private static String wsBase() {
    return "ws://127.0.0.1:" + server.port();
  }

  private static String syncUrl(String projectId, String token) {
    return wsBase() + "/sync?project=" + projectId + "&access_token=" + token;
  }

  private static long count(String sql) throws Exception {
    try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
        ResultSet rs = c.createStatement().executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /** The HTTP status with which the server answers a WebSocket upgrade (101 when accepted). */
  private static int handshakeStatus(String url) {
    try {
      WebSocket ws = HttpClient.newHttpClient().newWebSocketBuilder()
          .buildAsync(URI.create(url), new WebSocket.Listener() {})
          .get(10, TimeUnit.SECONDS);
      ws.abort();
      return 101;
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof WebSocketHandshakeException h) {
        return h.getResponse().statusCode();
      }
      throw new AssertionError("handshake failed: " + e.getCause(), e);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
