package dev.ensemble.terminal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ensemble.ai.support.AiProject;
import dev.ensemble.runs.SandboxSupport;
import dev.ensemble.support.HostSandbox;
import dev.ensemble.support.LiveClient;
import dev.ensemble.support.NodeProcess;
import dev.ensemble.support.TestServer;
import dev.ensemble.support.TwoNodes;
import dev.ensemble.terminal.TerminalLiveTest.Screen;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A shared terminal whose news stops reaching another node: its node is killed outright (SIGKILL,
 * its lease left in the store), or the bus loses its end (Redis cuts the follower off, or refuses
 * the terminal's node's publishes). Either way the other node's viewers hear that it ended, within
 * a bound set by the lease, and an editor there may open the next one. Real PostgreSQL, a Redis of
 * the test's own, real bash in the real sandbox.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class TerminalNodeLossTest {
  private static final int LEASE_SECONDS = 6;
  /** Longer than node D is cut off in {@link #aFollowerCutOffFromRedisWhileTheTerminalEndsLearnsTheEndOnceBack}. */
  private static final int RELAY_WAIT_MS = 5000;
  private static TwoNodes nodes;

  @BeforeAll
  static void start() throws Exception {
    SandboxSupport support = HostSandbox.require();
    // Its own Redis: the users and connections the tests cut off must not be anyone else's.
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
      // Until its lease runs out, B still counts the terminal as open.
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
  void aFollowerCutOffFromRedisWhileTheTerminalEndsLearnsTheEndOnceBack() throws Exception {
    // Node D reaches Redis as a user of its own, so Redis can be told to drop D's connections and
    // refuse new ones while node A goes on publishing: what A says meanwhile never reaches D.
    redis("ACL SETUSER follower on >follower-pw ~* &* +@all");
    try (TestServer nodeD = nodes.startNode(Map.of("ENSEMBLE_REDIS_URL",
        "redis://follower:follower-pw@127.0.0.1:" + nodes.redisPort()))) {
      AiProject p = AiProject.create(nodes.a());
      try (LiveClient editorAClient = LiveClient.connect(nodes.a(), p.id(), p.editorToken());
          LiveClient editorDClient = LiveClient.connect(nodeD, p.id(), p.ownerToken());
          LiveClient viewerDClient = LiveClient.connect(nodeD, p.id(), p.viewerToken())) {
        Screen editorA = new Screen(editorAClient);
        Screen editorD = new Screen(editorDClient);
        Screen viewerD = new Screen(viewerDClient);
        Thread.sleep(300);

        editorAClient.send(open());
        String sessionId = editorA.until(TerminalNodeLossTest::running).getString("sessionId");
        viewerDClient.send(new JsonObject().put("type", "terminal-subscribe"));
        assertEquals(sessionId, viewerD.until(TerminalNodeLossTest::running).getString("sessionId"));
        editorAClient.send(input("echo before-$((1+1))\r"));
        viewerD.untilOutput("before-2\n");

        // D is cut off while the shell prints its last words and exits: D misses both.
        redis("ACL SETUSER follower off");
        redis("CLIENT KILL USER follower");
        try {
          editorAClient.send(input("echo last-words-$((2*4)); exit 3\r"));
          assertEquals(3, editorA.until(TerminalNodeLossTest::ended).getInteger("exitCode"));
          Thread.sleep(500); // long enough for D's periodic check to send a question into the void
        } finally {
          redis("ACL SETUSER follower on");
        }

        // Once its bus is back, D asks node A for what it missed (a question it sent while cut off
        // is void) and learns the end as it was, after the output it had lost.
        JsonObject ended = viewerD.until(TerminalNodeLossTest::ended);
        assertEquals(sessionId, ended.getString("sessionId"), ended.encode());
        assertEquals("exited", ended.getString("reason"), ended.encode());
        assertEquals(3, ended.getInteger("exitCode"), ended.encode());
        assertTrue(viewerD.text().contains("last-words-8"), viewerD.text());
        viewerD.assertContiguous();
        editorD.until(TerminalNodeLossTest::ended);

        // Nothing on D still believes in it: an editor there opens the next one.
        editorDClient.send(open());
        assertNotEquals(sessionId, editorD.until(TerminalNodeLossTest::running).getString("sessionId"));
        editorDClient.send(new JsonObject().put("type", "terminal-close"));
        editorD.until(TerminalNodeLossTest::ended);
      }
    }
  }

  @Test
  void anEndItsNodeCannotPublishIsLearnedByTheFollowersOwnCheck() throws Exception {
    // Node C reaches Redis as a user of its own, so Redis can be told to refuse C's publishes
    // while C keeps its subscriptions: what C says is lost, and no other node sees a gap.
    redis("ACL SETUSER muted on >muted-pw ~* &* +@all");
    try (TestServer nodeC = nodes.startNode(Map.of("ENSEMBLE_REDIS_URL",
        "redis://muted:muted-pw@127.0.0.1:" + nodes.redisPort()))) {
      AiProject p = AiProject.create(nodeC);
      try (LiveClient editorCClient = LiveClient.connect(nodeC, p.id(), p.editorToken());
          LiveClient editorBClient = LiveClient.connect(nodes.b(), p.id(), p.ownerToken());
          LiveClient viewerBClient = LiveClient.connect(nodes.b(), p.id(), p.viewerToken())) {
        Screen editorC = new Screen(editorCClient);
        Screen editorB = new Screen(editorBClient);
        Screen viewerB = new Screen(viewerBClient);
        Thread.sleep(300);

        editorCClient.send(open());
        String sessionId = editorC.until(TerminalNodeLossTest::running).getString("sessionId");
        viewerBClient.send(new JsonObject().put("type", "terminal-subscribe"));
        assertEquals(sessionId, viewerB.until(TerminalNodeLossTest::running).getString("sessionId"));
        editorCClient.send(input("echo before-$((2+2))\r"));
        viewerB.untilOutput("before-4\n");

        redis("ACL SETUSER muted -publish");
        long endedAt;
        try {
          editorCClient.send(input("exit 5\r"));
          assertEquals(5, editorC.until(TerminalNodeLossTest::ended).getInteger("exitCode"));
          endedAt = System.nanoTime();
          // B's periodic check asks C, whose answer Redis refuses too; the store no longer names C.
          JsonObject ended = viewerB.until(TerminalNodeLossTest::ended);
          assertEquals(sessionId, ended.getString("sessionId"), ended.encode());
          assertEquals("shutdown", ended.getString("reason"), ended.encode());
        } finally {
          redis("ACL SETUSER muted +publish");
        }
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - endedAt);
        long boundMs = LEASE_SECONDS * 1000L / 3 + RELAY_WAIT_MS + 5000;
        assertTrue(tookMs <= boundMs, "B heard of the end " + tookMs + " ms after it (bound " + boundMs + " ms)");

        editorB.until(TerminalNodeLossTest::ended);
        editorBClient.send(open());
        assertNotEquals(sessionId, editorB.until(TerminalNodeLossTest::running).getString("sessionId"));
        editorBClient.send(new JsonObject().put("type", "terminal-close"));
        editorB.until(TerminalNodeLossTest::ended);
      }
    }
  }

  /** Sends one inline command to the test's Redis; fails unless it answers +OK or a count. */
  private static void redis(String command) throws Exception {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", nodes.redisPort()), 1000);
      s.setSoTimeout(2000);
      s.getOutputStream().write((command + "\r\n").getBytes(StandardCharsets.US_ASCII));
      String reply = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII)).readLine();
      assertTrue(reply != null && (reply.equals("+OK") || reply.startsWith(":")), command + ": " + reply);
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
