package dev.ensemble.runs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ensemble.ai.support.AiProject;
import dev.ensemble.live.LiveSettings;
import dev.ensemble.support.ApiClient;
import dev.ensemble.support.LiveClient;
import dev.ensemble.support.TestServer;
import io.vertx.core.json.JsonObject;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A viewer that stops reading is dropped with 1013; it neither holds back the others nor grows memory. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RunBackpressureTest {
  private static final long OUTPUT = 40_000_000;
  private static TestServer server;

  @BeforeAll
  static void start() {
    Sandboxes.support(); // skips without a sandbox on this host
    server = TestServer.start(Map.of("ENSEMBLE_RUN_OUTPUT_BYTES", Long.toString(64L << 20)));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void aViewerThatStopsReadingIsDroppedWhileTheOthersGetEverything() throws Exception {
    AiProject p = AiProject.create(server);
    try (StalledViewer slow = StalledViewer.connect(server.port(), p.id(), p.viewerToken());
        LiveClient fast = LiveClient.connect(server, p.id(), p.ownerToken())) {
      ApiClient.Response created = p.editor().post(p.path("/runs"),
          new JsonObject().put("command", "head -c " + OUTPUT + " /dev/zero | tr '\\0' y"));
      assertEquals(201, created.status(), created.toString());
      String runId = created.json().getString("id");
      slow.send(new JsonObject().put("type", "subscribe-run").put("runId", runId).put("afterSeq", 0));
      fast.subscribeRun(runId, 0);

      List<JsonObject> seen = fast.runUntil(runId, m -> "status".equals(m.getString("event"))
          && !"running".equals(m.getString("status")) && !"queued".equals(m.getString("status")));
      long bytes = seen.stream().filter(m -> "output".equals(m.getString("event")))
          .mapToLong(m -> m.getString("data").length()).sum();
      assertEquals(OUTPUT, bytes, "the reading viewer got all output");
      assertEquals("succeeded", seen.get(seen.size() - 1).getString("status"));

      // The stalled viewer held back nobody; once it has taken nothing for the stall limit it goes.
      Thread.sleep(LiveSettings.defaults().maxStall().plusSeconds(2).toMillis());
      assertEquals(1013, slow.readUntilClose(), "the viewer that stopped reading was dropped as too slow");
    }
  }

  /**
   * A WebSocket client on a plain socket with a small receive buffer that reads nothing after the
   * handshake until asked to, so the server's writes really back up (the JDK client keeps reading
   * into its own memory whatever its listener asks for).
   */
  private static final class StalledViewer implements AutoCloseable {
    private final Socket socket;
    private final DataInputStream in;

    private StalledViewer(Socket socket) throws IOException {
      this.socket = socket;
      this.in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
    }

    static StalledViewer connect(int port, String projectId, String token) throws IOException {
      Socket s = new Socket();
      s.setReceiveBufferSize(4096);
      s.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
      s.setSoTimeout(30_000);
      StalledViewer v = new StalledViewer(s);
      s.getOutputStream().write(("GET /api/projects/" + projectId + "/live?access_token=" + token + " HTTP/1.1\r\n"
          + "Host: 127.0.0.1:" + port + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
          + "Sec-WebSocket-Key: " + Base64.getEncoder().encodeToString(new byte[16]) + "\r\n"
          + "Sec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      StringBuilder head = new StringBuilder();
      while (!head.toString().endsWith("\r\n\r\n")) {
        head.append((char) v.in.readUnsignedByte());
      }
      assertTrue(head.toString().startsWith("HTTP/1.1 101"), head.toString());
      return v;
    }

    /** Sends a text frame (masked, as a client must; the all-zero mask leaves the bytes as they are). */
    void send(JsonObject message) throws IOException {
      byte[] payload = message.encode().getBytes(StandardCharsets.UTF_8);
      assertTrue(payload.length < 126);
      byte[] frame = new byte[2 + 4 + payload.length];
      frame[0] = (byte) 0x81;
      frame[1] = (byte) (0x80 | payload.length);
      System.arraycopy(payload, 0, frame, 6, payload.length);
      socket.getOutputStream().write(frame);
      socket.getOutputStream().flush();
    }

    /** Reads (and discards) frames until the server's close frame; returns its code. */
    int readUntilClose() throws IOException {
      while (true) {
        int opcode = in.readUnsignedByte() & 0x0F;
        long length = in.readUnsignedByte() & 0x7F;
        if (length == 126) {
          length = in.readUnsignedShort();
        } else if (length == 127) {
          length = in.readLong();
        }
        if (opcode == 0x8) {
          return length >= 2 ? in.readUnsignedShort() : 1005;
        }
        in.skipNBytes(length);
      }
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }
}
