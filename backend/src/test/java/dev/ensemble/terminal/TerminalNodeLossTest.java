package dev.ensemble.terminal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ensemble.ai.support.AiProject;
import dev.ensemble.runs.SandboxSupport;
import dev.ensemble.support.LiveClient;
import dev.ensemble.support.NodeProcess;
import dev.ensemble.support.TwoNodes;
import dev.ensemble.terminal.TerminalLiveTest.Screen;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A shared terminal whose news stops reaching another node: its node is killed outright (SIGKILL,
 * its lease left in the store), or the bus loses its end. Either way the other node's viewers hear
 * that it ended, within a bound set by the lease, and an editor there may open the next one.
 * Real PostgreSQL, a Redis of the test's own, real bash in the real sandbox.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class TerminalNodeLossTest {
  private static final int LEASE_SECONDS = 6;
  private static final int RELAY_WAIT_MS = 2000;
  private static TwoNodes nodes;

  @BeforeAll
  static void start() throws Exception {
    SandboxSupport support = SandboxSupport.detect(61000);
    if (!support.isolated()) {
      String why = "no sandbox on this host (" + support.description() + ")";
      if ("true".equalsIgnoreCase(System.getenv("ENSEMBLE_REQUIRE_SANDBOX"))) {
        throw new AssertionError("ENSEMBLE_REQUIRE_SANDBOX=true but " + why);
      }
      Assumptions.abort(why);
    }
    // Its own Redis: killing it must not disturb anyone else's tests.
    nodes = TwoNodes.startWithOwnRedis("the terminal node-loss test", Map.of(
        "ENSEMBLE_RUN_KILL_GRACE_SECONDS", "1",
        "ENSEMBLE_TERMINAL_LEASE_SECONDS", Integer.toString(LEASE_SECONDS),
        "ENSEMBLE_TERMINAL_RELAY_WAIT_MS", Integer.toString(RELAY_WAIT_MS)));
  }

  @AfterAll
  static void stop() {
    if (nodes != null) {
      nodes.close();
    }
  }

  @Test
  void whenTheTerminalsNodeIsKilledViewersElsewhereSeeItEndAndAnEditorThereOpensTheNext() throws Exception {
    AiProject p = AiProject.create(nodes.b());
    try (NodeProcess doomed = nodes.startProcessNode();
        LiveClient editorDoomedClient = LiveClient.connect(doomed.port(), p.id(), p.editorToken());
        LiveClient editorBClient = LiveClient.connect(nodes.b(), p.id(), p.ownerToken());
        LiveClient viewerBClient = LiveClient.connect(nodes.b(), p.id(), p.viewerToken())) {
      Screen editorDoomed = new Screen(editorDoomedClient);
      Screen editorB = new Screen(editorBClient);
      Screen viewerB = new Screen(viewerBClient);
      Thread.sleep(300); // node B subscribes to the project's terminal topics

      editorDoomedClient.send(open());
      String sessionId = editorDoomed.until(TerminalNodeLossTest::running).getString("sessionId");
      editorDoomedClient.send(input("echo alive-$((6*7))\r"));
      viewerBClient.send(new JsonObject().put("type", "terminal-subscribe"));
      assertEquals(sessionId, viewerB.until(TerminalNodeLossTest::running).getString("sessionId"));
      viewerB.untilOutput("alive-42\n");
      assertEquals(sessionId, editorB.until(TerminalNodeLossTest::running).getString("sessionId"));

      // The node dies: no shutdown hook, no "ended" on the bus, its row left in the store.
      doomed.kill();
      long killedAt = System.nanoTime();
      // Until its lease runs out, the terminal still counts as open.
      editorBClient.send(open());
      assertEquals("already_open", editorB.until(TerminalNodeLossTest::error).getString("code"));

      // Its node stops answering; once the store no longer names it, B's copy ends as shutdown.
      for (Screen s : List.of(viewerB, editorB)) {
        JsonObject ended = s.until(TerminalNodeLossTest::ended);
        assertEquals(sessionId, ended.getString("sessionId"), ended.encode());
        assertEquals("shutdown", ended.getString("reason"), ended.encode());
      }
      long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
      // The lease, a third of it until B next checks, the wait for an answer, and slack for a busy machine.
      long boundMs = LEASE_SECONDS * 1000L + LEASE_SECONDS * 1000L / 3 + RELAY_WAIT_MS + 5000;
      assertTrue(tookMs <= boundMs, "B heard of the end " + tookMs + " ms after the kill (bound " + boundMs + " ms)");

      // The dead node's row no longer blocks the project: B opens the next terminal, its viewer follows it.
      editorBClient.send(open());
      String next = editorB.until(TerminalNodeLossTest::running).getString("sessionId");
      assertNotEquals(sessionId, next);
      assertEquals(next, viewerB.until(TerminalNodeLossTest::running).getString("sessionId"));
      editorBClient.send(input("echo took-over-$((5*5))\r"));
      viewerB.untilOutput("took-over-25\n");
      editorBClient.send(new JsonObject().put("type", "terminal-close"));
      assertEquals("closed", viewerB.until(TerminalNodeLossTest::ended).getString("reason"));
    }
  }

  @Test
  void aFollowerThatMissesTheEndOnTheBusStillLearnsIt() throws Exception {
    AiProject p = AiProject.create(nodes.a());
    try (LiveClient editorAClient = LiveClient.connect(nodes.a(), p.id(), p.editorToken());
        LiveClient editorBClient = LiveClient.connect(nodes.b(), p.id(), p.ownerToken());
        LiveClient viewerBClient = LiveClient.connect(nodes.b(), p.id(), p.viewerToken())) {
      Screen editorA = new Screen(editorAClient);
      Screen editorB = new Screen(editorBClient);
      Screen viewerB = new Screen(viewerBClient);
      Thread.sleep(300);

      editorAClient.send(open());
      String sessionId = editorA.until(TerminalNodeLossTest::running).getString("sessionId");
      viewerBClient.send(new JsonObject().put("type", "terminal-subscribe"));
      assertEquals(sessionId, viewerB.until(TerminalNodeLossTest::running).getString("sessionId"));
      editorAClient.send(input("echo before-$((1+1))\r"));
      viewerB.untilOutput("before-2\n");

      // Redis dies while the shell exits: the last output and the end node A publishes are lost.
      nodes.killRedis();
      try {
        editorAClient.send(input("echo last-words-$((2*4)); exit 3\r"));
        JsonObject endedOnA = editorA.until(TerminalNodeLossTest::ended);
        assertEquals(3, endedOnA.getInteger("exitCode"), endedOnA.encode());
        Thread.sleep(300); // node A's attempt to publish the end has long failed
      } finally {
        nodes.restartRedis();
      }

      // B learns the end all the same: from node A after its bus reconnects (with the exit code and
      // the lost output), or, when its question goes unanswered, from the store, which no longer
      // names A (as shutdown).
      JsonObject ended = viewerB.until(TerminalNodeLossTest::ended);
      assertEquals(sessionId, ended.getString("sessionId"), ended.encode());
      if ("exited".equals(ended.getString("reason"))) {
        assertEquals(3, ended.getInteger("exitCode"), ended.encode());
        assertTrue(viewerB.text().contains("last-words-8"), viewerB.text());
        viewerB.assertContiguous();
      } else {
        assertEquals("shutdown", ended.getString("reason"), ended.encode());
      }
      editorB.until(TerminalNodeLossTest::ended);

      // Nothing on B still believes in it: an editor there opens the next one.
      editorBClient.send(open());
      assertNotEquals(sessionId, editorB.until(TerminalNodeLossTest::running).getString("sessionId"));
      editorBClient.send(new JsonObject().put("type", "terminal-close"));
      editorB.until(TerminalNodeLossTest::ended);
    }
  }

  private static boolean running(JsonObject m) {
    return Screen.isState(m) && "running".equals(m.getString("state"));
  }

  private static boolean ended(JsonObject m) {
    return Screen.isState(m) && "ended".equals(m.getString("state"));
  }

  private static boolean error(JsonObject m) {
    return "error".equals(m.getString("event"));
  }

  private static JsonObject open() {
    return new JsonObject().put("type", "terminal-open").put("cols", 80).put("rows", 24);
  }

  private static JsonObject input(String data) {
    return new JsonObject().put("type", "terminal-input").put("data", data);
  }
}
