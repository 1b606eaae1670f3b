package dev.ensemble.terminal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ensemble.ai.support.AiProject;
import dev.ensemble.runs.SandboxSupport;
import dev.ensemble.support.HostSandbox;
import dev.ensemble.support.LiveClient;
import dev.ensemble.support.TestServer;
import dev.ensemble.support.TwoNodes;
import dev.ensemble.terminal.TerminalLiveTest.Screen;
import io.vertx.core.json.JsonObject;
import java.io.InputStream;
import java.io.OutputStream;
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
 * One shared terminal across two nodes on one PostgreSQL and their own Redis, with a real bash in
 * the real sandbox: opened on node A, it is watched, typed into, resized and seen to end from node
 * B, node B cannot open a second one, and output lost while Redis drops its subscribers is repaired.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class TerminalClusterTest {
  private static TwoNodes nodes;
  private static TestServer nodeA;
  private static TestServer nodeB;

  @BeforeAll
  static void start() throws Exception {
    SandboxSupport support = HostSandbox.require();
    // Its own Redis: dropping every subscriber must not disturb anyone else's tests.
    nodes = TwoNodes.startWithOwnRedis("the two-node terminal test", Map.of(
        "ENSEMBLE_RUN_KILL_GRACE_SECONDS", "1",
        "ENSEMBLE_TERMINAL_LEASE_SECONDS", "3",
        "ENSEMBLE_TERMINAL_RELAY_WAIT_MS", "2000"));
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
  void aTerminalOpenedOnOneNodeIsSharedWithTheOther() throws Exception {
    AiProject p = AiProject.create(nodeA);
    try (LiveClient editorAClient = LiveClient.connect(nodeA, p.id(), p.editorToken());
        LiveClient editorBClient = LiveClient.connect(nodeB, p.id(), p.ownerToken());
        LiveClient viewerBClient = LiveClient.connect(nodeB, p.id(), p.viewerToken())) {
      Screen editorA = new Screen(editorAClient);
      Screen editorB = new Screen(editorBClient);
      Screen viewerB = new Screen(viewerBClient);
      Thread.sleep(300); // node B subscribes to the project's terminal topics

      editorAClient.send(open(80, 24));
      JsonObject running = editorA.until(Screen::isState);
      assertEquals("running", running.getString("state"), running.encode());
      String sessionId = running.getString("sessionId");
      // Node B's participants hear of it, as on one node.
      assertEquals(sessionId, editorB.until(Screen::isState).getString("sessionId"));
      editorAClient.send(input("echo on-a-$((6*7))\r"));
      editorA.untilOutput("on-a-42\n");

      // A viewer on B subscribing now replays the backlog, then follows live output.
      viewerBClient.send(new JsonObject().put("type", "terminal-subscribe"));
      JsonObject state = viewerB.until(m -> Screen.isState(m) && m.containsKey("sessionId")
          && "running".equals(m.getString("state")));
      assertEquals(sessionId, state.getString("sessionId"));
      viewerB.untilOutput("on-a-42\n");

      // B cannot open a second one.
      editorBClient.send(open(80, 24));
      assertEquals("already_open", editorB.until(m -> "error".equals(m.getString("event"))).getString("code"));

      // An editor on B types; everyone sees it. A viewer on B still cannot.
      editorBClient.send(new JsonObject().put("type", "terminal-subscribe"));
      editorBClient.send(input("echo from-b-$((2+3))\r"));
      editorA.untilOutput("from-b-5\n");
      viewerB.untilOutput("from-b-5\n");
      editorB.untilOutput("from-b-5\n");
      viewerBClient.send(input("echo hacked-$((1+1))\r"));
      assertEquals("forbidden", viewerB.until(m -> "error".equals(m.getString("event"))).getString("code"));

      // A resize from B reaches the shell on A and every participant.
      editorBClient.send(new JsonObject().put("type", "terminal-resize").put("cols", 100).put("rows", 30));
      for (Screen s : List.of(editorA, viewerB)) {
        assertEquals(30, s.until(m -> Screen.isState(m) && m.getInteger("cols", 0) == 100).getInteger("rows"));
      }
      editorAClient.send(input("stty size\r"));
      viewerB.untilOutput("30 100\n");
      assertFalse(editorA.text().contains("hacked-2"), editorA.text());

      // Same output, same order, no gap on either node.
      String a = editorA.text();
      String b = viewerB.text();
      assertTrue(a.startsWith(b) || b.startsWith(a), "same output in the same order:\n" + a + "\n---\n" + b);
      editorA.assertContiguous();
      viewerB.assertContiguous();

      // Exit on A is seen on B; then B may open the next one, which A sees.
      editorAClient.send(input("exit 4\r"));
      for (Screen s : List.of(editorA, viewerB)) {
        JsonObject ended = s.until(m -> Screen.isState(m) && "ended".equals(m.getString("state")));
        assertEquals(4, ended.getInteger("exitCode"), ended.encode());
        assertEquals("exited", ended.getString("reason"));
      }
      editorB.until(m -> Screen.isState(m) && "ended".equals(m.getString("state")));
      editorBClient.send(open(80, 24));
      JsonObject onB = editorB.until(m -> Screen.isState(m) && "running".equals(m.getString("state")));
      assertFalse(sessionId.equals(onB.getString("sessionId")));
      assertEquals(onB.getString("sessionId"),
          editorA.until(m -> Screen.isState(m) && "running".equals(m.getString("state"))).getString("sessionId"));
      editorAClient.send(new JsonObject().put("type", "terminal-close"));
      assertEquals("closed", editorB.until(m -> Screen.isState(m) && "ended".equals(m.getString("state")))
          .getString("reason"));
    }
  }

  @Test
  void outputLostWhileRedisDropsSubscribersIsFilledFromTheTerminalsNode() throws Exception {
    AiProject p = AiProject.create(nodeA);
    try (LiveClient editorAClient = LiveClient.connect(nodeA, p.id(), p.editorToken());
        LiveClient viewerBClient = LiveClient.connect(nodeB, p.id(), p.viewerToken())) {
      Screen editorA = new Screen(editorAClient);
      Screen viewerB = new Screen(viewerBClient);
      Thread.sleep(300);
      editorAClient.send(open(80, 24));
      editorA.until(Screen::isState);
      viewerBClient.send(new JsonObject().put("type", "terminal-subscribe"));
      viewerB.until(m -> Screen.isState(m) && "running".equals(m.getString("state")));
      editorAClient.send(input("echo before-$((1+1))\r"));
      viewerB.untilOutput("before-2\n");

      // Redis drops every subscriber: what node A publishes until B has subscribed again is lost.
      redis("CLIENT KILL TYPE pubsub");
      editorAClient.send(input("for i in 1 2 3 4 5; do echo lost-$i-$((i*i)); done\r"));
      editorA.untilOutput("lost-5-25\n");
      viewerB.untilOutput("lost-1-1\nlost-2-4\nlost-3-9\nlost-4-16\nlost-5-25\n");
      editorAClient.send(input("echo after-$((3*3))\r"));
      viewerB.untilOutput("after-9\n");
      viewerB.assertContiguous();
      String a = editorA.text();
      String b = viewerB.text();
      assertTrue(a.startsWith(b) || b.startsWith(a), "same output in the same order:\n" + a + "\n---\n" + b);
      editorAClient.send(new JsonObject().put("type", "terminal-close"));
      viewerB.until(m -> Screen.isState(m) && "ended".equals(m.getString("state")));
    }
  }

  private static JsonObject open(int cols, int rows) {
    return new JsonObject().put("type", "terminal-open").put("cols", cols).put("rows", rows);
  }

  private static JsonObject input(String data) {
    return new JsonObject().put("type", "terminal-input").put("data", data);
  }

  private static void redis(String command) throws Exception {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", nodes.redisPort()), 1000);
      s.setSoTimeout(2000);
      OutputStream out = s.getOutputStream();
      out.write((command + "\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      assertTrue(in.read() > 0, "Redis answered " + command);
    }
  }
}
