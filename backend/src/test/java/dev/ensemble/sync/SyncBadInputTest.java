package dev.ensemble.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import dev.ensemble.support.ApiClient;
import dev.ensemble.support.TestServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Malformed traffic and floods on /sync: the offending connection gets an {@code error} message and
 * is closed with 1008, while the node and every other connection carry on.
 */
class SyncBadInputTest {
  private static final CBORMapper CBOR = new CBORMapper();
  private static TestServer server;
  private static String projectId;
  private static String token;

  @BeforeAll
  static void start() {
    server = TestServer.start();
    ApiClient owner = server.client();
    owner.signup("sync_bad_owner", "long enough pw");
    projectId = owner.post("/api/projects", new JsonObject().put("name", "Bad input")).json().getString("id");
    token = owner.post("/api/tokens", new JsonObject().put("name", "ws")).json().getString("token");
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void truncatedCborGetsAnErrorAndAClose() throws Exception {
    try (Peer bystander = joined("bystander-1"); Peer bad = joined("bad-1")) {
      byte[] join = cbor(joinMessage("x"));
      bad.sendRaw(java.util.Arrays.copyOf(join, join.length / 2));
      bad.expectErrorThenClose();
      bystander.expectStillServes();
    }
  }

  @Test
  void anUnknownMessageTypeGetsAnErrorAndAClose() throws Exception {
    try (Peer bystander = joined("bystander-2"); Peer bad = joined("bad-2")) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("type", "gossip");
      m.put("senderId", "bad-2");
      m.put("targetId", bad.serverId);
      bad.sendRaw(cbor(m));
      bad.expectErrorThenClose();
      bystander.expectStillServes();
    }
  }

  @Test
  void aSyncMessageThatIsNotAutomergeGetsAnErrorAndAClose() throws Exception {
    try (Peer bystander = joined("bystander-3"); Peer bad = joined("bad-3")) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("type", "sync");
      m.put("senderId", "bad-3");
      m.put("targetId", bad.serverId);
      m.put("documentId", "4NMNnkMhL8jXrdJ9jamS58PAVdXu"); // a well-formed id (16 bytes, base58check)
      m.put("data", new byte[] {0x42, 0x01, 0x02, 0x03, (byte) 0xff, (byte) 0xff});
      bad.sendRaw(cbor(m));
      bad.expectErrorThenClose();
      bystander.expectStillServes();
    }
  }

  @Test
  void aTextFrameGetsAnErrorAndAClose() throws Exception {
    try (Peer bystander = joined("bystander-4"); Peer bad = joined("bad-4")) {
      bad.ws.sendText("{\"type\":\"join\"}", true).get(5, TimeUnit.SECONDS);
      bad.expectErrorThenClose();
      bystander.expectStillServes();
    }
  }

  @Test
  void aMessageOverTheSizeLimitGetsAnErrorAndAClose() throws Exception {
    try (Peer bystander = joined("bystander-5"); Peer bad = joined("bad-5")) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("type", "sync");
      m.put("senderId", "bad-5");
      m.put("targetId", bad.serverId);
      m.put("documentId", "4NMNnkMhL8jXrdJ9jamS58PAVdXu");
      m.put("data", new byte[SyncSettings.defaults().maxMessageBytes() + 1]);
      bad.sendRaw(cbor(m));
      bad.expectErrorThenClose();
      bystander.expectStillServes();
    }
  }

  /**
   * A connection that floods a document with {@code sync} and {@code ephemeral} messages (far above
   * ENSEMBLE_SYNC_MAX_MESSAGES_PER_SECOND and its burst, defaults here) is told and closed, while a
   * stock client keeps typing into the same document and another reads along without delay.
   */
  @Test
  void aFloodOfMessagesGetsAnErrorAndACloseWhileOthersKeepSyncing() throws Exception {
    SyncSettings limits = SyncSettings.defaults();
    JsonObject r = NodeScenario.run("flood", Map.of("SYNC_URL",
        "ws://127.0.0.1:" + server.port() + "/sync?project=" + projectId + "&access_token=" + token));
    System.out.println("SyncBadInputTest flood: " + r.copy().put("text", r.getString("text").length() + " chars").put("freshText", "…"));
    JsonObject flooder = r.getJsonObject("flooder");
    assertEquals(1008, flooder.getInteger("closeCode"), "flooder closed as a policy violation: " + r);
    assertTrue(String.valueOf(flooder.getString("error")).contains("messages per second"), "flooder told why: " + r);
    assertTrue(flooder.getInteger("sent") > limits.messageBurst(), "it sent more than the burst: " + r);

    long before = median(r.getJsonArray("before"));
    JsonArray during = r.getJsonArray("during");
    JsonArray after = r.getJsonArray("after");
    assertTrue(during.size() >= 1, "the writer edited during the flood: " + r);
    // Normal latency is the stock client's 100 ms throttle plus a round trip. The relayed half of
    // the flood (presence) also reaches the two stock clients, which share one Node thread here, so
    // a single edit may wait on them: the median must stay normal, no edit may take seconds.
    long normal = Math.max(500, 3 * before);
    assertTrue(median(during) <= normal, "median latency during the flood within " + normal + " ms: " + r);
    assertTrue(median(after) <= normal, "median latency after the flood within " + normal + " ms: " + r);
    for (JsonArray phase : List.of(during, after)) {
      for (int i = 0; i < phase.size(); i++) {
        assertTrue(phase.getLong(i) <= 3_000, "every edit reached the reader within 3 s: " + r);
      }
    }
    assertEquals(List.of(), r.getJsonArray("writerErrors").getList(), "the writer was never refused: " + r);
    assertEquals(List.of(), r.getJsonArray("readerErrors").getList(), "the reader was never refused: " + r);
    assertEquals(r.getString("text"), r.getString("freshText"), "a fresh client loads every edit: " + r);
    try (Peer bystander = joined("bystander-6")) {
      bystander.expectStillServes();
    }
  }

  /**
   * Stock clients pass the presence they hear back to the server, each hearing everyone: in a busy
   * session a client sends many times what it says itself. Only what it says counts toward its
   * rate; passing back more than it was sent still does. Four stock clients at ten presence
   * messages a second each, on a server allowing 25 a second per connection: nobody is refused.
   */
  @Test
  void presencePassedBackByStockClientsDoesNotCountTowardTheirRate() throws Exception {
    try (TestServer limited = TestServer.start(Map.of(
        "ENSEMBLE_SYNC_MAX_MESSAGES_PER_SECOND", "25", "ENSEMBLE_SYNC_MESSAGE_BURST", "25"))) {
      ApiClient owner = limited.client();
      owner.signup("sync_echo_owner", "long enough pw");
      String project = owner.post("/api/projects", new JsonObject().put("name", "Echo")).json().getString("id");
      String wsToken = owner.post("/api/tokens", new JsonObject().put("name", "ws")).json().getString("token");
      JsonObject r = NodeScenario.run("presenceEcho", Map.of("SYNC_URL",
          "ws://127.0.0.1:" + limited.port() + "/sync?project=" + project + "&access_token=" + wsToken));
      JsonArray errors = r.getJsonArray("errors");
      for (int i = 0; i < errors.size(); i++) {
        assertEquals(List.of(), errors.getJsonArray(i).getList(), "client " + i + " was refused: " + r);
      }
      JsonArray heard = r.getJsonArray("lastHeard");
      for (int i = 0; i < heard.size(); i++) {
        for (int j = 0; j < heard.size(); j++) {
          if (i != j) {
            assertEquals(r.getInteger("ticks"), heard.getJsonObject(i).getInteger(Integer.toString(j)),
                "client " + i + " heard client " + j + " to the end: " + r);
          }
        }
      }
    }
  }

  /**
   * Messages dressed up as passed-back presence (another peer's senderId) beyond what the server
   * sent the connection count as its own: flooding with them is still a flood.
   */
  @Test
  void inventedPassedBackPresenceStillCountsAsAFlood() throws Exception {
    try (Peer bystander = joined("bystander-7"); Peer bad = joined("bad-7")) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("type", "ephemeral");
      m.put("senderId", "someone-else");
      m.put("targetId", bad.serverId);
      m.put("documentId", "4NMNnkMhL8jXrdJ9jamS58PAVdXu");
      m.put("sessionId", "s");
      m.put("count", 1);
      m.put("data", new byte[] {(byte) 0xa0});
      byte[] frame = cbor(m);
      int limit = SyncSettings.defaults().messageBurst() + SyncSettings.defaults().maxMessagesPerSecond();
      for (int i = 0; i < 2 * limit && !bad.closed.isDone(); i++) {
        bad.ws.sendBinary(java.nio.ByteBuffer.wrap(frame), true).get(10, TimeUnit.SECONDS);
      }
      bad.expectErrorThenClose();
      bystander.expectStillServes();
    }
  }

  private static long median(JsonArray samples) {
    List<Long> sorted = new java.util.ArrayList<>();
    for (int i = 0; i < samples.size(); i++) {
      sorted.add(samples.getLong(i));
    }
    java.util.Collections.sort(sorted);
    return sorted.get(sorted.size() / 2);
  }

  private static Map<String, Object> joinMessage(String peerId) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("type", "join");
    m.put("senderId", peerId);
    m.put("peerMetadata", Map.of("isEphemeral", true));
    m.put("supportedProtocolVersions", List.of("1"));
    return m;
  }

  private static byte[] cbor(Object value) throws Exception {
    return CBOR.writeValueAsBytes(value);
  }

  private static Peer joined(String peerId) throws Exception {
    Peer p = new Peer(peerId);
    p.sendRaw(cbor(joinMessage(peerId)));
    Map<String, Object> peer = p.next();
    assertEquals("peer", peer.get("type"), "handshake answered: " + peer);
    p.serverId = (String) peer.get("senderId");
    return p;
  }

  /** A bare protocol peer on the JDK's WebSocket client. */
  private static final class Peer implements WebSocket.Listener, AutoCloseable {
    final String id;
    final WebSocket ws;
    String serverId;
    final LinkedBlockingQueue<Object> inbox = new LinkedBlockingQueue<>();
    final CompletableFuture<Integer> closed = new CompletableFuture<>();
    private final ByteArrayOutputStream partial = new ByteArrayOutputStream();

    Peer(String id) throws Exception {
      this.id = id;
      this.ws =
          HttpClient.newHttpClient()
              .newWebSocketBuilder()
              .buildAsync(
                  URI.create("ws://127.0.0.1:" + server.port() + "/sync?project=" + projectId + "&access_token=" + token),
                  this)
              .get(10, TimeUnit.SECONDS);
    }

    void sendRaw(byte[] bytes) throws Exception {
      ws.sendBinary(ByteBuffer.wrap(bytes), true).get(10, TimeUnit.SECONDS);
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> next() throws Exception {
      Object m = inbox.poll(10, TimeUnit.SECONDS);
      assertTrue(m instanceof Map, "expected a message, got " + m);
      return (Map<String, Object>) m;
    }

    void expectErrorThenClose() throws Exception {
      Map<String, Object> error = next();
      assertEquals("error", error.get("type"), "told what was wrong: " + error);
      assertTrue(String.valueOf(error.get("message")).length() > 3);
      assertEquals(1008, closed.get(10, TimeUnit.SECONDS), "closed as a policy violation");
    }

    /** A request for a document nobody has is still answered on this connection. */
    void expectStillServes() throws Exception {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("type", "request");
      m.put("senderId", id);
      m.put("targetId", serverId);
      m.put("documentId", "4NMNnkMhL8jXrdJ9jamS58PAVdXu");
      // An Automerge sync message from an empty document: no heads, no needs, no haves, no changes.
      m.put("data", new byte[] {0x42, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00});
      sendRaw(cbor(m));
      Map<String, Object> reply = next();
      assertEquals("doc-unavailable", reply.get("type"), "bystander still served: " + reply);
      assertTrue(!closed.isDone(), "bystander still connected");
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
      byte[] chunk = new byte[data.remaining()];
      data.get(chunk);
      partial.write(chunk, 0, chunk.length);
      if (last) {
        try {
          inbox.add(CBOR.readValue(partial.toByteArray(), Map.class));
        } catch (Exception e) {
          inbox.add(e);
        }
        partial.reset();
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
    public void onError(WebSocket webSocket, Throwable error) {
      closed.complete(-1);
    }

    @Override
    public void close() {
      if (!closed.isDone()) {
        ws.sendClose(WebSocket.NORMAL_CLOSURE, "done");
      }
    }
  }
}
