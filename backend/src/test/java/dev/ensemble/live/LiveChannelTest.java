package dev.ensemble.live;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ensemble.ai.support.AiProject;
import dev.ensemble.ai.support.ChatCall;
import dev.ensemble.ai.support.OpenAiWire;
import dev.ensemble.ai.support.ProviderStandIn;
import dev.ensemble.support.TestServer;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A project's live channel carries each assistant answer to every participant, identically. */
class LiveChannelTest {
  private static ProviderStandIn provider;
  private static TestServer server;
  private static AiProject project;

  @BeforeAll
  static void start() {
    provider = ProviderStandIn.start();
    server = TestServer.start(Map.of(
        "ENSEMBLE_AI_PROVIDER", "openai-compatible",
        "ENSEMBLE_AI_BASE_URL", provider.baseUrl(),
        "ENSEMBLE_AI_CHAT_MODEL", "stand-in-coder",
        "ENSEMBLE_AI_REQUESTS_PER_MINUTE", "0"));
    project = AiProject.create(server);
  }

  @AfterAll
  static void stop() {
    server.close();
    provider.close();
  }

  @Test
  void everyParticipantReceivesTheSameAnswerTokenByToken() throws Exception {
    List<String> tokens = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      tokens.add("tok" + i + (i % 7 == 0 ? "\n" : " "));
    }
    provider.enqueue(OpenAiWire.answer(tokens, 12, tokens.size()));
    try (Client viewer = Client.connect(project.id(), project.viewerToken());
        Client editor = Client.connect(project.id(), project.editorToken())) {
      JsonObject welcome = viewer.next();
      assertEquals("welcome", welcome.getString("type"));
      assertEquals("viewer", welcome.getString("role"));
      assertEquals("editor", editor.next().getString("role"));
      try (ChatCall call = project.chat(server, project.ownerToken(), new JsonObject().put("message", "explain"))) {
        assertEquals(200, call.status());
        call.rest();
      }
      List<JsonObject> seenByViewer = viewer.untilDone();
      List<JsonObject> seenByEditor = editor.untilDone();
      assertEquals(seenByViewer, seenByEditor, "identical streams");
      StringBuilder text = new StringBuilder();
      seenByViewer.stream().filter(m -> "token".equals(m.getString("event"))).forEach(m -> text.append(m.getString("text")));
      assertEquals(String.join("", tokens), text.toString());
      assertEquals("thread", seenByViewer.get(0).getString("event"));
      assertEquals("ai", seenByViewer.get(0).getString("channel"));
    }
  }

  @Test
  void pingIsAnsweredAndGarbageClosesTheConnection() throws Exception {
    try (Client c = Client.connect(project.id(), project.ownerToken())) {
      c.next(); // welcome
      c.ws.sendText("{\"type\":\"ping\"}", true).get(5, TimeUnit.SECONDS);
      assertEquals("pong", c.next().getString("type"));
      c.ws.sendText("not json", true).get(5, TimeUnit.SECONDS);
      assertEquals("error", c.next().getString("type"));
      assertEquals(1008, c.closed.get(10, TimeUnit.SECONDS));
    }
  }

  @Test
  void strangersAndAnonymousCallersAreRefusedBeforeTheUpgrade() {
    assertEquals(404, refusal(project.id(), project.outsiderToken()));
    assertEquals(401, refusal(project.id(), "ens_not-a-token"));
    assertEquals(404, refusal("not-a-uuid", project.ownerToken()));
  }

  private static int refusal(String projectId, String token) {
    try {
      Client.connect(projectId, token).close();
      return 101;
    } catch (ExecutionException | CompletionException e) {
      if (e.getCause() instanceof WebSocketHandshakeException h) {
        return h.getResponse().statusCode();
      }
      throw new AssertionError(e);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /** A live-channel client on the JDK's WebSocket. */
  private static final class Client implements WebSocket.Listener, AutoCloseable {
    final LinkedBlockingQueue<JsonObject> inbox = new LinkedBlockingQueue<>();
    final CompletableFuture<Integer> closed = new CompletableFuture<>();
    private final StringBuilder partial = new StringBuilder();
    WebSocket ws;

    static Client connect(String projectId, String token) throws Exception {
      Client c = new Client();
      c.ws = HttpClient.newHttpClient().newWebSocketBuilder()
          .buildAsync(URI.create("ws://127.0.0.1:" + server.port() + "/api/projects/" + projectId
              + "/live?access_token=" + token), c)
          .get(10, TimeUnit.SECONDS);
      return c;
    }

    JsonObject next() throws InterruptedException {
      JsonObject m = inbox.poll(10, TimeUnit.SECONDS);
      assertTrue(m != null, "a message within 10 s");
      return m;
    }

    List<JsonObject> untilDone() throws InterruptedException {
      List<JsonObject> seen = new ArrayList<>();
      while (true) {
        JsonObject m = next();
        seen.add(m);
        if ("done".equals(m.getString("event")) || "error".equals(m.getString("event"))) {
          return seen;
        }
      }
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        inbox.add(new JsonObject(partial.toString()));
        partial.setLength(0);
      }
      webSocket.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
      closed.complete(statusCode);
      return null;
    }

    @Override
    public void close() {
      if (ws != null && !closed.isDone()) {
        ws.sendClose(WebSocket.NORMAL_CLOSURE, "done");
      }
    }
  }
}
