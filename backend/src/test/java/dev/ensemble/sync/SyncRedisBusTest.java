package dev.ensemble.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ensemble.support.ApiClient;
import dev.ensemble.support.TestServer;
import dev.ensemble.support.TwoNodes;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two nodes on one PostgreSQL and one real Redis: a stock client on node A edits, a client on node
 * B receives, and presence crosses; a document created on node B reaches a client of node A that
 * was told it was unavailable. Uses Redis at 127.0.0.1:6379, or starts {@code redis-server}
 * on a free port; without either the test is skipped, unless ENSEMBLE_REQUIRE_REDIS=true.
 */
class SyncRedisBusTest {
  private static TestServer nodeA;
  private static TestServer nodeB;
  private static TwoNodes nodes;

  @BeforeAll
  static void start() throws Exception {
    nodes = TwoNodes.start("the two-node test");
    nodeA = nodes.a();
    nodeB = nodes.b();
  }

  @AfterAll
  static void stop() {
    if (nodes != null) {
      nodes.close();
    }
  }

  @Test
  void editsAndPresenceCrossNodes() {
    ApiClient alice = nodeA.client();
    alice.signup("alice", "correct horse battery");
    String project = alice.post("/api/projects", new JsonObject().put("name", "two nodes")).json().getString("id");
    String token = alice.post("/api/tokens", new JsonObject().put("name", "redis")).json().getString("token");

    JsonObject r = NodeScenario.run("twoNodes", Map.of(
        "SYNC_URL_A", TwoNodes.syncUrl(nodeA, project, token),
        "SYNC_URL_B", TwoNodes.syncUrl(nodeB, project, token)));

    assertEquals("hello", r.getString("textSeenOnB"), "node B loads what node A stored");
    assertEquals("hello from A", r.getString("textOnBAfterA"), "an edit on node A reaches a client of node B");
    assertEquals("B: hello from A", r.getString("textOnAAfterB"), "and back");
    assertEquals(new JsonObject().put("user", "alice").put("cursor", 4), r.getJsonObject("presenceOnB"));
    assertTrue(r.getLong("millisAtoB") < 5_000, "in good time: " + r);
  }

  @Test
  void aDocumentStoredOnOneNodeReachesAClientThatWasToldItIsUnavailableOnTheOther() {
    ApiClient carol = nodeA.client();
    carol.signup("carol", "correct horse battery");
    String project = carol.post("/api/projects", new JsonObject().put("name", "late")).json().getString("id");
    String token = carol.post("/api/tokens", new JsonObject().put("name", "redis")).json().getString("token");

    JsonObject r = NodeScenario.run("awaitUnavailable", Map.of(
        "SYNC_URL_A", TwoNodes.syncUrl(nodeA, project, token),
        "SYNC_URL_B", TwoNodes.syncUrl(nodeB, project, token)));

    assertEquals(new JsonArray(List.of("unavailable")), r.getJsonArray("before"), r.toString());
    assertEquals("made offline", r.getString("textSeenByA"), "node A hears of the document node B stored: " + r);
    assertEquals("now made offline", r.getString("textSeenByAAfterEdit"));
    assertEquals(r.getJsonArray("requestsBefore"), r.getJsonArray("requestsAfter"), "A did not ask again: " + r);
  }
}
