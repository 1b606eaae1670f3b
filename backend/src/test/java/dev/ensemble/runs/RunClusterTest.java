package dev.ensemble.runs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ensemble.ai.support.AiProject;
import dev.ensemble.config.DatabaseUrl;
import dev.ensemble.support.ApiClient;
import dev.ensemble.support.LiveClient;
import dev.ensemble.support.TestServer;
import dev.ensemble.support.TwoNodes;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Runs across two nodes sharing PostgreSQL and a real Redis: a run executes on the node that
 * accepted it, and viewers and cancels on the other node reach it.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RunClusterTest {
  private static final Set<String> FINAL = Set.of("succeeded", "failed", "cancelled", "timed_out", "killed");
  private static TwoNodes nodes;
  private static TestServer nodeA;
  private static TestServer nodeB;

  @BeforeAll
  static void start() throws Exception {
    Sandboxes.support(); // skips without a sandbox on this host
    nodes = TwoNodes.start("the two-node runs test", Map.of(
        "ENSEMBLE_RUN_KILL_GRACE_SECONDS", "1",
        // The least output that may wait for the bus: a fast run overflows it, so batches are
        // dropped between nodes and viewers must fill the gaps from the store.
        "ENSEMBLE_RUN_BACKLOG_BYTES", "1024",
        "ENSEMBLE_RUN_ORPHAN_SECONDS", "4"));
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
  void aViewerOnTheOtherNodeSeesEveryLineLiveAndTheEnd() throws Exception {
    AiProject p = AiProject.create(nodeA);
    write(p, "main.py", """
        import time
        for i in range(40):
            print(f"line {i}", flush=True)
            time.sleep(0.05)
        """);
    try (LiveClient viewer = LiveClient.connect(nodeB, p.id(), p.viewerToken())) {
      String runId = startRun(p, "python3 main.py");
      JsonObject started = viewer.next(m -> "started".equals(m.getString("event")) && runId.equals(m.getString("runId")));
      assertEquals("python3 main.py", started.getString("command"), "node B announces a run accepted on node A");
      viewer.subscribeRun(runId, 0);
      JsonObject first = viewer.next(m -> "output".equals(m.getString("event")) && runId.equals(m.getString("runId")));
      assertFalse(FINAL.contains(status(nodeA, p, runId)), "output arrives while the run is still going");
      List<JsonObject> seen = new ArrayList<>(List.of(first));
      seen.addAll(untilEnd(viewer, runId));
      assertEquals(lines(0, 40), output(seen));
      assertNoGapOrDuplicate(seen, 0);
      JsonObject end = seen.get(seen.size() - 1);
      assertEquals("succeeded", end.getString("status"));
      assertEquals(0, end.getInteger("exitCode"));
    }
  }

  @Test
  void outputDroppedBetweenNodesReachesTheOtherNodesViewerFromTheStore() throws Exception {
    AiProject p = AiProject.create(nodeA);
    write(p, "main.py", """
        import time
        for i in range(30000):
            print(f"line {i}", flush=True)
            # slow, then bursts the bus cannot keep up with, then slow again
            if i < 20 or i % 10000 == 0 or i >= 29980:
                time.sleep(0.05)
        """);
    try (LiveClient viewer = LiveClient.connect(nodeB, p.id(), p.viewerToken())) {
      String runId = startRun(p, "python3 main.py");
      viewer.subscribeRun(runId, 0);
      List<JsonObject> seen = untilEnd(viewer, runId);
      assertNoGapOrDuplicate(seen, 0);
      assertEquals(lines(0, 30000), output(seen));
      assertEquals("succeeded", seen.get(seen.size() - 1).getString("status"));
    }
  }

  @Test
  void aLateViewerOnTheOtherNodeGetsWhatItMissedThenLiveLines() throws Exception {
    AiProject p = AiProject.create(nodeA);
    write(p, "main.py", """
        import time
        for i in range(60):
            print(f"line {i}", flush=True)
            time.sleep(0.05)
        """);
    String runId = startRun(p, "python3 main.py");
    try (LiveClient early = LiveClient.connect(nodeB, p.id(), p.viewerToken());
        LiveClient late = LiveClient.connect(nodeB, p.id(), p.ownerToken())) {
      early.subscribeRun(runId, 0);
      List<JsonObject> before = new ArrayList<>();
      while (output(before).split("\n", -1).length <= 15) {
        before.add(early.next(m -> "output".equals(m.getString("event")) && runId.equals(m.getString("runId"))));
      }
      long resumeAfter = before.get(before.size() / 2).getLong("seq");
      late.subscribeRun(runId, resumeAfter);
      JsonObject firstLate = late.next(m -> "output".equals(m.getString("event")) && runId.equals(m.getString("runId")));
      assertEquals(resumeAfter + 1, firstLate.getLong("firstSeq"), "the backlog starts right after afterSeq");
      assertFalse(FINAL.contains(status(nodeA, p, runId)), "the late viewer joins while the run is still going");
      List<JsonObject> rest = new ArrayList<>(List.of(firstLate));
      rest.addAll(untilEnd(late, runId));
      assertNoGapOrDuplicate(rest, resumeAfter);
      List<JsonObject> all = new ArrayList<>(before);
      all.addAll(untilEnd(early, runId));
      assertEquals(lines(0, 60), output(all));
      String expectedRest = output(all.stream().filter(m -> !"output".equals(m.getString("event"))
          || m.getLong("firstSeq") > resumeAfter).toList());
      assertEquals(expectedRest, output(rest), "the same output after the resume point");
      assertEquals("succeeded", rest.get(rest.size() - 1).getString("status"));
    }
  }

  @Test
  void cancelSentToTheOtherNodeStopsTheRunWhereItRuns() throws Exception {
    AiProject p = AiProject.create(nodeA);
    String marker = "7" + ThreadLocalRandom.current().nextInt(100_000, 999_999) + ".5";
    String runId = startRun(p, "echo started; sleep " + marker + " & sleep " + marker + "; wait");
    awaitStatus(nodeB, p, runId, Set.of("running"));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (processesWith(marker) < 2) {
      assertTrue(System.nanoTime() < deadline, "both sleeps started");
      Thread.sleep(50);
    }
    try (LiveClient viewer = LiveClient.connect(nodeB, p.id(), p.viewerToken())) {
      viewer.subscribeRun(runId, 0);
      ApiClient editorOnB = nodeB.client().withBearer(p.editorToken());
      ApiClient.Response cancel = editorOnB.post("/api/runs/" + runId + "/cancel", null);
      assertEquals(200, cancel.status(), cancel.toString());
      assertTrue(cancel.json().getBoolean("cancelled"), "node A took the cancel: " + cancel);
      List<JsonObject> seen = untilEnd(viewer, runId);
      assertEquals("started\n", output(seen));
      assertEquals("cancelled", seen.get(seen.size() - 1).getString("status"));
    }
    assertEquals("cancelled", awaitStatus(nodeB, p, runId, FINAL).getString("status"));
    assertEquals(0, processesWith(marker), "no process of the run is left");
    ApiClient.Response again = nodeB.client().withBearer(p.editorToken()).post("/api/runs/" + runId + "/cancel", null);
    assertFalse(again.json().getBoolean("cancelled"), "an ended run is not cancelled again");
  }

  @Test
  void aRunLeftByANodeThatStoppedEndsKilledForItsViewers() throws Exception {
    AiProject p = AiProject.create(nodeA);
    String runId = UUID.randomUUID().toString();
    // What a node that died mid-run leaves behind: the run still running, and nobody confirming it.
    DatabaseUrl db = nodes.database();
    try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
        PreparedStatement s = c.prepareStatement("INSERT INTO runs (id, project_id, command, status, started_at,"
            + " heartbeat_at) VALUES (?::uuid, ?::uuid, 'sleep 1000', 'running', now(), now() - interval '1 minute')")) {
      s.setString(1, runId);
      s.setString(2, p.id());
      s.executeUpdate();
    }
    try (LiveClient viewer = LiveClient.connect(nodeB, p.id(), p.viewerToken())) {
      viewer.subscribeRun(runId, 0);
      List<JsonObject> seen = untilEnd(viewer, runId);
      assertEquals("killed", seen.get(seen.size() - 1).getString("status"));
    }
    assertEquals("killed", awaitStatus(nodeA, p, runId, FINAL).getString("status"));
  }

  // --- helpers ----------------------------------------------------------------------------------

  private static void write(AiProject p, String path, String content) {
    ApiClient.Response r = p.owner().sendBytes("PUT", p.path("/files/" + path), content.getBytes(StandardCharsets.UTF_8));
    assertTrue(r.status() == 200 || r.status() == 201, "writing " + path + ": " + r);
  }

  /** Starts a run through node A (where the project's clients point). */
  private static String startRun(AiProject p, String command) {
    ApiClient.Response r = p.editor().post(p.path("/runs"), new JsonObject().put("command", command));
    assertEquals(201, r.status(), r.toString());
    return r.json().getString("id");
  }

  private static String status(TestServer node, AiProject p, String runId) {
    return node.client().withBearer(p.viewerToken()).get("/api/runs/" + runId).json().getString("status");
  }

  private static JsonObject awaitStatus(TestServer node, AiProject p, String runId, Set<String> statuses)
      throws InterruptedException {
    ApiClient client = node.client().withBearer(p.viewerToken());
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      JsonObject run = client.get("/api/runs/" + runId).json();
      if (statuses.contains(run.getString("status"))) {
        return run;
      }
      assertTrue(System.nanoTime() < deadline, "run " + runId + " reached " + statuses + "; last: " + run.encode());
      Thread.sleep(50);
    }
  }

  private static List<JsonObject> untilEnd(LiveClient c, String runId) throws InterruptedException {
    return c.runUntil(runId, m -> "status".equals(m.getString("event")) && FINAL.contains(m.getString("status")));
  }

  private static String output(List<JsonObject> messages) {
    StringBuilder s = new StringBuilder();
    messages.stream().filter(m -> "output".equals(m.getString("event"))).forEach(m -> s.append(m.getString("data")));
    return s.toString();
  }

  private static String lines(int from, int to) {
    StringBuilder s = new StringBuilder();
    for (int i = from; i < to; i++) {
      s.append("line ").append(i).append('\n');
    }
    return s.toString();
  }

  /** Each output message starts right after the previous one ended. */
  private static void assertNoGapOrDuplicate(List<JsonObject> messages, long after) {
    long last = after;
    for (JsonObject m : messages) {
      if ("output".equals(m.getString("event"))) {
        assertEquals(last + 1, m.getLong("firstSeq"), "no gap or duplicate before " + m.encode());
        last = m.getLong("seq");
      }
    }
  }

  /** How many processes on this host have {@code marker} in their command line. */
  private static int processesWith(String marker) throws IOException {
    int n = 0;
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      for (Path proc : procs.filter(d -> d.getFileName().toString().chars().allMatch(Character::isDigit)).toList()) {
        try {
          String cmdline = new String(Files.readAllBytes(proc.resolve("cmdline")), StandardCharsets.UTF_8);
          if (cmdline.contains(marker) && !cmdline.contains("echo started")) {
            n++;
          }
        } catch (IOException gone) {
          // the process ended while we looked
        }
      }
    }
    return n;
  }
}
