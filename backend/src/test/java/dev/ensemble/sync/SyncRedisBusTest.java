package dev.ensemble.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ensemble.config.DatabaseUrl;
import dev.ensemble.support.ApiClient;
import dev.ensemble.support.TestDatabase;
import dev.ensemble.support.TestServer;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two nodes on one PostgreSQL and one real Redis: a stock client on node A edits, a client on node
 * B receives, and presence crosses. Uses Redis at 127.0.0.1:6379, or starts {@code redis-server}
 * on a free port; without either the test is skipped, unless ENSEMBLE_REQUIRE_REDIS=true.
 */
class SyncRedisBusTest {
  private static Process ownRedis;
  private static TestServer nodeA;
  private static TestServer nodeB;
  private static DatabaseUrl db;

  @BeforeAll
  static void start() throws Exception {
    Optional<Integer> port = redisPort();
    if (port.isEmpty()) {
      String why = "no Redis at 127.0.0.1:6379 and no redis-server on the PATH";
      if ("true".equalsIgnoreCase(System.getenv("ENSEMBLE_REQUIRE_REDIS"))) {
        throw new AssertionError(why + " (ENSEMBLE_REQUIRE_REDIS=true)");
      }
      Assumptions.abort(why + ": skipping the two-node test");
    }
    db = TestDatabase.fresh();
    String redisUrl = "redis://127.0.0.1:" + port.get();
    nodeA = node(redisUrl);
    nodeB = node(redisUrl);
  }

  @AfterAll
  static void stop() {
    for (TestServer s : new TestServer[] {nodeA, nodeB}) {
      if (s != null) {
        s.close();
      }
    }
    if (db != null) {
      TestDatabase.drop(db);
    }
    if (ownRedis != null) {
      ownRedis.destroy();
    }
  }

  @Test
  void editsAndPresenceCrossNodes() {
    ApiClient alice = nodeA.client();
    alice.signup("alice", "correct horse battery");
    String project = alice.post("/api/projects", new JsonObject().put("name", "two nodes")).json().getString("id");
    String token = alice.post("/api/tokens", new JsonObject().put("name", "redis")).json().getString("token");

    JsonObject r = NodeScenario.run("twoNodes", Map.of(
        "SYNC_URL_A", syncUrl(nodeA, project, token),
        "SYNC_URL_B", syncUrl(nodeB, project, token)));

    assertEquals("hello", r.getString("textSeenOnB"), "node B loads what node A stored");
    assertEquals("hello from A", r.getString("textOnBAfterA"), "an edit on node A reaches a client of node B");
    assertEquals("B: hello from A", r.getString("textOnAAfterB"), "and back");
    assertEquals(new JsonObject().put("user", "alice").put("cursor", 4), r.getJsonObject("presenceOnB"));
    assertTrue(r.getLong("millisAtoB") < 5_000, "in good time: " + r);
  }

  // ---- helpers -------------------------------------------------------------------------------

  private static TestServer node(String redisUrl) throws IOException {
    Path dataDir = Files.createTempDirectory("ensemble-node");
    Map<String, String> env = new HashMap<>();
    env.put("ENSEMBLE_HTTP_PORT", Integer.toString(TestServer.freePort()));
    env.put("ENSEMBLE_DATA_DIR", dataDir.toString());
    env.put("ENSEMBLE_DATABASE_URL", TestDatabase.urlOf(db));
    env.put("ENSEMBLE_REDIS_URL", redisUrl);
    return TestServer.startWith(env, dataDir);
  }

  private static String syncUrl(TestServer node, String project, String token) {
    return "ws://127.0.0.1:" + node.port() + "/sync?project=" + project + "&access_token=" + token;
  }

  /** The port of a Redis that answers PING: the usual one, or one we start. */
  private static Optional<Integer> redisPort() throws InterruptedException {
    if (pings(6379)) {
      return Optional.of(6379);
    }
    int port = TestServer.freePort();
    try {
      ownRedis = new ProcessBuilder(List.of("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
          "--save", "", "--appendonly", "no"))
          .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    } catch (IOException e) {
      return Optional.empty();
    }
    for (int i = 0; i < 100; i++) {
      if (pings(port)) {
        return Optional.of(port);
      }
      Thread.sleep(50);
    }
    ownRedis.destroy();
    ownRedis = null;
    return Optional.empty();
  }

  private static boolean pings(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 300);
      s.setSoTimeout(1000);
      OutputStream out = s.getOutputStream();
      out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      byte[] buf = new byte[7];
      int n = in.readNBytes(buf, 0, 7);
      return new String(buf, 0, n, StandardCharsets.US_ASCII).startsWith("+PONG");
    } catch (IOException e) {
      return false;
    }
  }
}
