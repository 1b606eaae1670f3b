package dev.ensemble.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.ensemble.support.ApiClient;
import dev.ensemble.support.TestServer;
import dev.ensemble.support.TwoNodes;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Randomized convergence across two nodes (one PostgreSQL, real Redis): stock automerge-repo
 * clients ({@code src/test/node/fuzz.mjs}) splice random text into one file's document, dropping
 * and restoring their connections and typing while offline; afterwards every client, a fresh client
 * on each node and the files API of each node read the same text.
 *
 * <p>The seed comes from {@code ENSEMBLE_FUZZ_SEED} (random when unset) and is printed; a failure
 * names the command that replays it. Scale: {@code ENSEMBLE_FUZZ_CLIENTS} (20),
 * {@code ENSEMBLE_FUZZ_EDITS} (10,000), {@code ENSEMBLE_FUZZ_RATE} (edits per second in all, 60),
 * {@code ENSEMBLE_FUZZ_SETTLE_SECONDS} (240); {@code ENSEMBLE_FUZZ_LOG=1} logs every operation and
 * the progress to the Node log. At the default scale it takes three to six minutes on a two-core
 * machine, most of it the twenty stock clients' automerge-js work in one Node process (docs/sync.md,
 * "Convergence fuzz test"). Redis as in {@link SyncRedisBusTest}: 127.0.0.1:6379 or a
 * {@code redis-server} started here; without either the test is skipped, unless
 * ENSEMBLE_REQUIRE_REDIS=true.
 */
class SyncConvergenceFuzzTest {
  private static final int DEFAULT_CLIENTS = 20;
  private static final int DEFAULT_EDITS = 10_000;
  private static final double DEFAULT_RATE = 60;
  private static final int DEFAULT_SETTLE_SECONDS = 240;
  private static final String INITIAL = "fuzz 😀\r\nstart\n";

  private static TestServer nodeA;
  private static TestServer nodeB;
  private static TwoNodes nodes;

  @BeforeAll
  static void start() throws Exception {
    nodes = TwoNodes.start("the convergence fuzz");
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
  void randomEditsWithDisconnectsConvergeOnEveryClientAndBothNodes() throws Exception {
    long seed = seed();
    String replay = "replay with: ENSEMBLE_FUZZ_SEED=" + seed + " mvn test -Dtest=SyncConvergenceFuzzTest"
        + " (from backend/; add ENSEMBLE_FUZZ_LOG=1 for an operation log)";
    System.out.println("SyncConvergenceFuzzTest seed " + seed + "; " + replay);

    ApiClient alice = nodeA.client();
    alice.signup("alice", "correct horse battery");
    String project = alice.post("/api/projects", new JsonObject().put("name", "fuzz")).json().getString("id");
    String token = alice.post("/api/tokens", new JsonObject().put("name", "fuzz")).json().getString("token");
    String filePath = "/api/projects/" + project + "/files/fuzz.txt";
    ApiClient.Response created = alice.sendBytes("PUT", filePath, INITIAL.getBytes(StandardCharsets.UTF_8));
    assertTrue(created.status() < 300, "PUT fuzz.txt: " + created);
    String docUrl = docUrlOf(alice.get("/api/projects/" + project + "/files").array(), "fuzz.txt");

    Map<String, String> env = new HashMap<>();
    env.put("SYNC_URL_A", TwoNodes.syncUrl(nodeA, project, token));
    env.put("SYNC_URL_B", TwoNodes.syncUrl(nodeB, project, token));
    env.put("DOC_URL", docUrl);
    env.put("FUZZ_SEED", Long.toString(seed));
    env.put("FUZZ_CLIENTS", setting("ENSEMBLE_FUZZ_CLIENTS", DEFAULT_CLIENTS));
    env.put("FUZZ_EDITS", setting("ENSEMBLE_FUZZ_EDITS", DEFAULT_EDITS));
    int edits = Integer.parseInt(env.get("FUZZ_EDITS"));
    double rate = Double.parseDouble(setting("ENSEMBLE_FUZZ_RATE", DEFAULT_RATE));
    long settleMs = 1000L * Integer.parseInt(setting("ENSEMBLE_FUZZ_SETTLE_SECONDS", DEFAULT_SETTLE_SECONDS));
    env.put("FUZZ_RATE", Double.toString(rate));
    env.put("FUZZ_SETTLE_MS", Long.toString(settleMs));
    // Joining and the fresh clients at the end take well under a minute each; the typing is paced.
    env.put("FUZZ_TIMEOUT_MS", Long.toString(120_000 + (long) (edits * 1000 / rate) + settleMs));
    env.put("FUZZ_LOG", "1".equals(System.getenv("ENSEMBLE_FUZZ_LOG")) ? "1" : "");
    Path nodeLog = nodeA.dataDir().resolve("fuzz-node.log");
    JsonObject r = runFuzz(env, nodeLog, replay);
    System.out.println("SyncConvergenceFuzzTest: " + summary(r) + "; node log " + nodeLog);

    String text = r.getString("text");
    if (!r.getBoolean("converged")) {
      fail("clients did not converge within " + settleMs / 1000 + " s after the last edit; " + replay + "\n" + groups(r));
    }
    for (String node : List.of("A", "B")) {
      JsonObject fresh = r.getJsonObject("fresh").getJsonObject(node);
      assertEquals(r.getString("heads"), fresh.getString("heads"),
          "a fresh client on node " + node + " holds the clients' heads; " + replay);
      assertEquals(text, fresh.getString("text"), "a fresh client on node " + node + " reads the clients' text; " + replay);
    }
    for (TestServer node : List.of(nodeA, nodeB)) {
      ApiClient reader = node.client().withBearer(token);
      ApiClient.Response stored = reader.get(filePath);
      assertEquals(200, stored.status(), stored.toString());
      assertEquals(text, stored.body(), "GET fuzz.txt on port " + node.port() + " answers the clients' text; " + replay);
    }
    assertEquals(edits, r.getInteger("inserts") + r.getInteger("deletes"), "every edit was made: " + summary(r));
    if (System.getenv("ENSEMBLE_FUZZ_CLIENTS") == null && System.getenv("ENSEMBLE_FUZZ_EDITS") == null) {
      // The scale: at least 20 clients on two nodes, 10,000 edits, with disconnects.
      assertTrue(edits >= 10_000, "at least 10,000 edits");
      assertTrue(r.getInteger("clients") >= 20, "at least 20 clients");
      assertTrue(r.getInteger("drops") > 0 && r.getInteger("leaves") > 0,
          "the run dropped and restored connections: " + summary(r) + "; " + replay);
    }
  }

  // ---- helpers -------------------------------------------------------------------------------

  private static long seed() {
    String configured = System.getenv("ENSEMBLE_FUZZ_SEED");
    if (configured != null && !configured.isBlank()) {
      return Long.parseLong(configured.strip()) & 0xffffffffL;
    }
    return new SecureRandom().nextInt() & 0xffffffffL;
  }

  private static String setting(String name, int fallback) {
    String v = System.getenv(name);
    return v == null || v.isBlank() ? Integer.toString(fallback) : Integer.toString(Integer.parseInt(v.strip()));
  }

  private static String setting(String name, double fallback) {
    String v = System.getenv(name);
    return v == null || v.isBlank() ? Double.toString(fallback) : Double.toString(Double.parseDouble(v.strip()));
  }

  private static JsonObject runFuzz(Map<String, String> env, Path log, String replay) throws Exception {
    NodeScenario.install();
    Path result = log.resolveSibling("fuzz-result.json");
    Files.deleteIfExists(result);
    Path stdout = log.resolveSibling("fuzz-node.stdout");
    ProcessBuilder pb = new ProcessBuilder("node", "fuzz.mjs")
        .directory(NodeScenario.DIR.toFile())
        .redirectOutput(stdout.toFile()) // the stock client logs there
        .redirectError(log.toFile());
    pb.environment().putAll(env);
    pb.environment().put("FUZZ_RESULT_FILE", result.toString());
    Process p = pb.start();
    long limit = Long.parseLong(env.getOrDefault("FUZZ_TIMEOUT_MS", "170000")) / 1000 + 30;
    if (!p.waitFor(limit, TimeUnit.SECONDS)) { // the scenario's own watchdog ends it 30 s earlier
      p.destroyForcibly();
    }
    if (p.isAlive() || p.exitValue() != 0 || !Files.exists(result)) {
      fail("fuzz.mjs failed (" + (p.isAlive() ? "hung" : "exit " + p.exitValue()) + "); " + replay + "\n"
          + tail(log) + "\nstdout: " + stdout);
    }
    return new JsonObject(Files.readString(result));
  }

  private static String tail(Path log) throws IOException {
    String all = Files.readString(log);
    return all.length() <= 8_000 ? all : "…" + all.substring(all.length() - 8_000);
  }

  private static String summary(JsonObject r) {
    JsonObject s = r.copy();
    s.remove("text");
    s.remove("fresh");
    s.remove("groups");
    s.remove("heads");
    return s.encode();
  }

  private static String groups(JsonObject r) {
    StringBuilder b = new StringBuilder();
    JsonArray groups = r.getJsonArray("groups", new JsonArray());
    for (int i = 0; i < groups.size(); i++) {
      JsonObject g = groups.getJsonObject(i);
      String t = g.getString("text");
      b.append("  ").append(g.getJsonArray("clients")).append(": ").append(g.getInteger("heads")).append(" heads, ")
          .append(t.length()).append(" UTF-16 units, starts ")
          .append(new JsonArray().add(t.substring(0, Math.min(60, t.length()))).encode()).append('\n');
    }
    return b.toString();
  }

  private static String docUrlOf(JsonArray files, String path) {
    for (int i = 0; i < files.size(); i++) {
      JsonObject f = files.getJsonObject(i);
      if (path.equals(f.getString("path"))) {
        return f.getString("docUrl");
      }
    }
    throw new AssertionError(path + " is not listed: " + files);
  }

}
