package dev.ensemble.support;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** A client of a project's live channel on the JDK's WebSocket; collects every JSON message. */
public final class LiveClient implements WebSocket.Listener, AutoCloseable {
  private final LinkedBlockingQueue<JsonObject> inbox = new LinkedBlockingQueue<>();
  private final CompletableFuture<Integer> closed = new CompletableFuture<>();
  private final StringBuilder partial = new StringBuilder();
  private WebSocket ws;

  /** Connects with a personal access token and reads the welcome message. */
  public static LiveClient connect(TestServer server, String projectId, String token) throws Exception {
    return connect(server.port(), projectId, token);
  }

  /** Connects to the server listening on {@code port} of 127.0.0.1. */
  public static LiveClient connect(int port, String projectId, String token) throws Exception {
    LiveClient c = new LiveClient();
    c.ws = HttpClient.newHttpClient().newWebSocketBuilder()
        .buildAsync(URI.create("ws://127.0.0.1:" + port + "/api/projects/" + projectId
            + "/live?access_token=" + token), c)
        .get(10, TimeUnit.SECONDS);
    c.next(m -> "welcome".equals(m.getString("type")));
    return c;
  }

  public void send(JsonObject message) throws Exception {
    ws.sendText(message.encode(), true).get(10, TimeUnit.SECONDS);
  }

  /** The next message that matches, skipping others; fails after 20 s. */
  public JsonObject next(Predicate<JsonObject> wanted) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (true) {
      long left = deadline - System.nanoTime();
      JsonObject m = left > 0 ? inbox.poll(left, TimeUnit.NANOSECONDS) : null;
      assertNotNull(m, "an expected live message within 20 s");
      if (wanted.test(m)) {
        return m;
      }
    }
  }

  /**
   * Subscribes to a run's output after {@code afterSeq} and waits for the acknowledgement, skipping
   * what came before it (an announcement of the run's end may overtake the request); what follows
   * is the subscription's: output, then the final status.
   */
  public void subscribeRun(String runId, long afterSeq) throws Exception {
    send(new JsonObject().put("type", "subscribe-run").put("runId", runId).put("afterSeq", afterSeq));
    next(m -> "run".equals(m.getString("channel")) && "subscribed".equals(m.getString("event"))
        && runId.equals(m.getString("runId")));
  }

  /** Messages of one run until (and including) the one that matches {@code last}; others are skipped. */
  public List<JsonObject> runUntil(String runId, Predicate<JsonObject> last) throws InterruptedException {
    List<JsonObject> seen = new ArrayList<>();
    while (true) {
      JsonObject m = next(x -> "run".equals(x.getString("channel")) && runId.equals(x.getString("runId")));
      seen.add(m);
      if (last.test(m)) {
        return seen;
      }
    }
  }

  /** The close code, once the server closed the connection. */
  public int closeCode() throws Exception {
    return closed.get(20, TimeUnit.SECONDS);
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
