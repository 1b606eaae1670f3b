package dev.ensemble.terminal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ensemble.ai.support.AiProject;
import dev.ensemble.runs.SandboxSupport;
import dev.ensemble.support.HostSandbox;
import dev.ensemble.support.ApiClient;
import dev.ensemble.support.LiveClient;
import dev.ensemble.support.TestServer;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The shared terminal over the live channel, with a real bash in the real sandbox: editors type,
 * everyone watches the same output in the same order, late joiners replay it, and the shell sees
 * only the project.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TerminalLiveTest {
  private static TestServer server;

  @BeforeAll
  static void start() {
    SandboxSupport support = HostSandbox.require();
    server = TestServer.start(Map.of("ENSEMBLE_RUN_KILL_GRACE_SECONDS", "1"));
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void editorTypesAndEveryoneSeesTheSameOutputWhileViewersCannotType() throws Exception {
    AiProject p = AiProject.create(server);
    try (LiveClient editorClient = LiveClient.connect(server, p.id(), p.editorToken());
        LiveClient viewerClient = LiveClient.connect(server, p.id(), p.viewerToken())) {
      Screen editor = new Screen(editorClient);
      Screen viewer = new Screen(viewerClient);
      viewerClient.send(new JsonObject().put("type", "terminal-subscribe"));
      assertEquals("none", viewer.until(Screen::isState).getString("state"));

      editorClient.send(open(80, 24));
      JsonObject running = editor.until(Screen::isState);
      assertEquals("running", running.getString("state"));
      assertTrue(running.getString("startedBy").startsWith("edi"), running.encode());
      assertEquals(80, running.getInteger("cols"));
      assertEquals(running.getString("sessionId"), viewer.until(Screen::isState).getString("sessionId"));

      editorClient.send(input("echo $((6*7))\r"));
      editor.untilOutput("42\n");
      viewer.untilOutput("42\n");

      // A viewer's keystrokes are refused with an error; its connection and the terminal go on.
      viewerClient.send(input("echo hacked-$((1+1))\r"));
      JsonObject refused = viewer.until(m -> "error".equals(m.getString("event")));
      assertEquals("forbidden", refused.getString("code"));
      viewerClient.send(new JsonObject().put("type", "ping"));
      viewer.untilAny(m -> "pong".equals(m.getString("type")));
      viewerClient.send(open(80, 24));
      assertEquals("forbidden", viewer.until(m -> "error".equals(m.getString("event"))).getString("code"));
      editorClient.send(open(80, 24));
      assertEquals("already_open", editor.until(m -> "error".equals(m.getString("event"))).getString("code"));

      editorClient.send(input("echo still-$((1+2))\r"));
      editor.untilOutput("still-3\n");
      viewer.untilOutput("still-3\n");
      assertFalse(editor.text().contains("hacked-2"), editor.text());

      // The same bytes in the same order: one screen's text begins the other's.
      String a = editor.text();
      String b = viewer.text();
      assertTrue(a.startsWith(b) || b.startsWith(a), "same output in the same order:\n" + a + "\n---\n" + b);
      editor.assertContiguous();
      viewer.assertContiguous();

      editorClient.send(input("exit 3\r"));
      for (Screen s : List.of(editor, viewer)) {
        JsonObject ended = s.until(m -> Screen.isState(m) && "ended".equals(m.getString("state")));
        assertEquals(3, ended.getInteger("exitCode"), ended.encode());
        assertEquals("exited", ended.getString("reason"));
      }
      // Whoever has heard of the end finds no terminal: nothing to subscribe to, and room for the next.
      viewerClient.send(new JsonObject().put("type", "terminal-subscribe"));
      assertEquals("none", viewer.until(Screen::isState).getString("state"));
      editorClient.send(open(80, 24));
      JsonObject next = editor.until(Screen::isState);
      assertEquals("running", next.getString("state"), next.encode());
      assertFalse(running.getString("sessionId").equals(next.getString("sessionId")), next.encode());
      editorClient.send(new JsonObject().put("type", "terminal-close"));
      editor.until(m -> Screen.isState(m) && "ended".equals(m.getString("state")));
    }
  }

  @Test
  void resizeReachesTheShellAndEveryone() throws Exception {
    AiProject p = AiProject.create(server);
    try (LiveClient editorClient = LiveClient.connect(server, p.id(), p.editorToken());
        LiveClient ownerClient = LiveClient.connect(server, p.id(), p.ownerToken())) {
      Screen editor = new Screen(editorClient);
      Screen owner = new Screen(ownerClient);
      editorClient.send(open(80, 24));
      editor.until(Screen::isState);
      owner.until(Screen::isState);
      editorClient.send(input("stty size\r"));
      editor.untilOutput("24 80\n");
      ownerClient.send(new JsonObject().put("type", "terminal-resize").put("cols", 100).put("rows", 30));
      for (Screen s : List.of(editor, owner)) {
        JsonObject resized = s.until(m -> Screen.isState(m) && m.getInteger("cols") == 100);
        assertEquals(30, resized.getInteger("rows"));
      }
      editorClient.send(input("stty size\r"));
      editor.untilOutput("30 100\n");
      editorClient.send(new JsonObject().put("type", "terminal-close"));
      JsonObject ended = editor.until(m -> Screen.isState(m) && "ended".equals(m.getString("state")));
      assertEquals("closed", ended.getString("reason"));
      assertEquals("ended", owner.until(m -> Screen.isState(m) && "ended".equals(m.getString("state"))).getString("state"));
    }
  }

  @Test
  void aLateSubscriberReplaysTheBacklogAndCanResumeAfterASequenceNumber() throws Exception {
    AiProject p = AiProject.create(server);
    try (LiveClient editorClient = LiveClient.connect(server, p.id(), p.editorToken())) {
      Screen editor = new Screen(editorClient);
      editorClient.send(open(80, 24));
      String sessionId = editor.until(Screen::isState).getString("sessionId");
      editorClient.send(input("for i in 1 2 3; do echo line-$i-$((i*i)); done\r"));
      editor.untilOutput("line-3-9\n");
      long middle = editor.outputs.get(editor.outputs.size() / 2).getLong("seq");
      try (LiveClient lateClient = LiveClient.connect(server, p.id(), p.viewerToken())) {
        Screen late = new Screen(lateClient);
        lateClient.send(new JsonObject().put("type", "terminal-subscribe").put("afterSeq", 0));
        JsonObject state = late.until(Screen::isState);
        assertEquals("running", state.getString("state"));
        assertEquals(sessionId, state.getString("sessionId"));
        late.untilOutput("line-3-9\n");
        assertTrue(late.text().startsWith(editor.text().substring(0, Math.min(editor.text().length(), late.text().length()))));
        assertTrue(late.text().contains("line-1-1"), late.text());
      }
      try (LiveClient resumingClient = LiveClient.connect(server, p.id(), p.viewerToken())) {
        Screen resuming = new Screen(resumingClient);
        resumingClient.send(new JsonObject().put("type", "terminal-subscribe").put("sessionId", sessionId)
            .put("afterSeq", middle));
        resuming.until(Screen::isState);
        editorClient.send(input("echo after-$((2*5))\r"));
        resuming.untilOutput("after-10\n");
        assertTrue(resuming.outputs.get(0).getLong("firstSeq") == middle + 1, resuming.outputs.get(0).encode());
      }
      editorClient.send(new JsonObject().put("type", "terminal-close"));
      editor.until(m -> Screen.isState(m) && "ended".equals(m.getString("state")));
    }
  }

  @Test
  void theShellSeesOnlyTheProjectFiles() throws Exception {
    AiProject p = AiProject.create(server);
    ApiClient.Response written = p.owner().sendBytes("PUT", p.path("/files/notes.txt"),
        "project-notes-content\n".getBytes(StandardCharsets.UTF_8));
    assertTrue(written.status() == 200 || written.status() == 201, written.toString());
    try (LiveClient editorClient = LiveClient.connect(server, p.id(), p.editorToken())) {
      Screen editor = new Screen(editorClient);
      editorClient.send(open(80, 24));
      editor.until(Screen::isState);
      editorClient.send(input("cat notes.txt; pwd\r"));
      editor.untilOutput("project-notes-content\n/workspace\n");
      editorClient.send(input("ls /root " + server.dataDir() + " >/dev/null 2>&1; echo status=$?\r"));
      editor.untilOutput("status=2\n");
      editorClient.send(input("touch /usr/escaped 2>/dev/null; echo touched=$?; id -u\r"));
      editor.untilOutput("touched=1\n61000\n");
      editorClient.send(input("exit\r"));
      JsonObject ended = editor.until(m -> Screen.isState(m) && "ended".equals(m.getString("state")));
      assertEquals(0, ended.getInteger("exitCode"));
    }
  }

  /** Terminal output as plain lines: control sequences and carriage returns removed. */
  static String plain(String terminalText) {
    return "\n" + terminalText.replaceAll("\u001b\\[[0-9;?]*[A-Za-z]", "").replace("\r", "");
  }

  private static JsonObject open(int cols, int rows) {
    return new JsonObject().put("type", "terminal-open").put("cols", cols).put("rows", rows);
  }

  private static JsonObject input(String data) {
    return new JsonObject().put("type", "terminal-input").put("data", data);
  }

  /** Everything one live client received on the terminal channel. */
  static final class Screen {
    final LiveClient client;
    final List<JsonObject> outputs = new ArrayList<>();
    private final StringBuilder text = new StringBuilder();

    Screen(LiveClient client) {
      this.client = client;
    }

    static boolean isState(JsonObject m) {
      return "state".equals(m.getString("event"));
    }

    /** The next terminal message that matches; output on the way is recorded. */
    JsonObject until(Predicate<JsonObject> wanted) throws InterruptedException {
      return untilAny(m -> "terminal".equals(m.getString("channel")) && wanted.test(m));
    }

    /**
     * The next message of any kind that matches; terminal output on the way is recorded (waiting
     * with {@link LiveClient#next} instead would drop it, and the screen would miss a piece).
     */
    JsonObject untilAny(Predicate<JsonObject> wanted) throws InterruptedException {
      while (true) {
        JsonObject m = client.next(x -> true);
        if ("terminal".equals(m.getString("channel")) && "output".equals(m.getString("event"))) {
          outputs.add(m);
          text.append(m.getString("data"));
        }
        if (wanted.test(m)) {
          return m;
        }
      }
    }

    /** Waits until whole lines of output read {@code lines} (escape sequences and CRs aside). */
    void untilOutput(String lines) throws InterruptedException {
      while (!plain(text.toString()).contains("\n" + lines)) {
        until(m -> "output".equals(m.getString("event")));
      }
    }

    String text() {
      return text.toString();
    }

    void assertContiguous() {
      for (int i = 1; i < outputs.size(); i++) {
        assertEquals(outputs.get(i - 1).getLong("seq") + 1, outputs.get(i).getLong("firstSeq"), "no gap, no repeat");
      }
    }
  }
}
