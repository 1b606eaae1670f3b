package dev.ensemble.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ensemble.support.ApiClient;
import dev.ensemble.support.TestServer;
import dev.ensemble.support.TwoNodes;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Redis dies under two running nodes while a client on each types into one document: its
 * subscriptions and every message in flight are gone, and it comes back empty. Both nodes must
 * notice, reconnect, catch up from the store what they missed, and end with both clients holding
 * the same text with every edit in it; presence must cross the nodes again. The nodes get a
 * {@code redis-server} of their own (the machine's Redis is shared with other tests); without
 * redis-server the test is skipped, unless ENSEMBLE_REQUIRE_REDIS=true.
 */
class SyncRedisRestartTest {
  private static TwoNodes nodes;

  @BeforeAll
  static void start() throws Exception {
    nodes = TwoNodes.startWithOwnRedis("the Redis restart test", Map.of());
  }

  @AfterAll
  static void stop() {
    if (nodes != null) {
      nodes.close();
    }
  }

  @Test
  void editsOnBothNodesSurviveRedisBeingKilledAndRestarted() throws Exception {
    TestServer nodeA = nodes.a();
    TestServer nodeB = nodes.b();
    ApiClient alice = nodeA.client();
    alice.signup("alice", "correct horse battery");
    String project = alice.post("/api/projects", new JsonObject().put("name", "redis restart")).json().getString("id");
    String token = alice.post("/api/tokens", new JsonObject().put("name", "redis")).json().getString("token");
    Path phases = Files.createTempDirectory("ensemble-redis-restart");

    CompletableFuture<JsonObject> scenario = CompletableFuture.supplyAsync(() -> NodeScenario.run("redisRestart", Map.of(
        "SYNC_URL_A", TwoNodes.syncUrl(nodeA, project, token),
        "SYNC_URL_B", TwoNodes.syncUrl(nodeB, project, token),
        "PHASE_DIR", phases.toString())));

    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!Files.exists(phases.resolve("typing")) && !scenario.isDone()) {
      assertTrue(System.nanoTime() < deadline, "the clients never started typing");
      Thread.sleep(20);
    }
    // Both sides type for a moment with Redis up, then through the outage.
    Thread.sleep(500);
    nodes.killAndRestartRedis(2_000);
    Files.writeString(phases.resolve("restarted"), "");

    JsonObject r = scenario.get(120, TimeUnit.SECONDS);
    System.out.println("Redis restart scenario: " + r.encode());
    assertTrue(r.getBoolean("textsEqual"), "both clients hold the same text: " + r);
    assertTrue(r.getBoolean("everyEditKept"), "no edit was lost: " + r);
    assertTrue(r.getInteger("edits") > 40, "both sides typed through the outage: " + r);
    assertEquals(new JsonObject().put("user", "alice").put("cursor", 1), r.getJsonObject("presenceOnB"));
  }
}
