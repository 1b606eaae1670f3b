package dev.ensemble.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ensemble.config.DatabaseUrl;
import dev.ensemble.support.TempDirs;
import dev.ensemble.support.TestDatabase;
import dev.ensemble.support.TestServer;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * kill -9 of the server while a stock client types: after a restart, every change the client
 * saw the server confirm is there.
 */
class SyncCrashTest {
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private Process server;
  private Process typist;
  private DatabaseUrl db;

  @AfterEach
  void cleanUp() {
    for (Process p : new Process[] {typist, server}) {
      if (p != null && p.isAlive()) {
        p.destroyForcibly();
      }
    }
    if (db != null) {
      TestDatabase.drop(db);
    }
  }

  @Test
  void everyConfirmedChangeSurvivesKillDashNine() throws Exception {
    db = TestDatabase.fresh();
    Path dataDir = TempDirs.create("ensemble-crash");
    int port = TestServer.freePort();
    server = start(dataDir, port);
    awaitReady(port);
    String cookieless = "http://127.0.0.1:" + port;
    JsonObject signup = post(cookieless + "/api/auth/signup", null,
        new JsonObject().put("username", "kim").put("password", "correct horse battery"));
    String token = post(cookieless + "/api/tokens", signup.getString("cookies"), new JsonObject().put("name", "crash"))
        .getString("token");
    String project = post(cookieless + "/api/projects", "Bearer " + token, new JsonObject().put("name", "crash"))
        .getString("id");
    String syncUrl = "ws://127.0.0.1:" + port + "/sync?project=" + project + "&access_token=" + token;

    Path confirmedFile = dataDir.resolve("confirmed.json");
    NodeScenario.install();
    ProcessBuilder pb = new ProcessBuilder("node", "interop.mjs", "typeUntilKilled")
        .directory(NodeScenario.DIR.toFile())
        .redirectErrorStream(true)
        .redirectOutput(dataDir.resolve("typist.log").toFile());
    pb.environment().put("SYNC_URL", syncUrl);
    pb.environment().put("CONFIRMED_FILE", confirmedFile.toString());
    typist = pb.start();

    // Let the client type and be confirmed for a while, then kill the server mid-stream.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (confirmedLength(confirmedFile) < 300) {
      assertTrue(System.nanoTime() < deadline, "the client never got 300 characters confirmed");
      assertTrue(typist.isAlive(), "the typist died: " + Files.readString(dataDir.resolve("typist.log")));
      Thread.sleep(20);
    }
    server.destroyForcibly(); // SIGKILL
    assertTrue(server.waitFor(10, TimeUnit.SECONDS));
    Thread.sleep(300); // nothing can be confirmed any more; let the last write land
    typist.destroyForcibly();
    typist.waitFor(10, TimeUnit.SECONDS);
    JsonObject confirmed = new JsonObject(Files.readString(confirmedFile));

    server = start(dataDir, port);
    awaitReady(port);
    JsonObject after = NodeScenario.run("reopen", Map.of("SYNC_URL_B", syncUrl, "DOC_URL", confirmed.getString("url")));
    String text = after.getString("text");
    String expected = confirmed.getString("text");
    assertTrue(text.startsWith(expected),
        "the text after the crash (" + text.length() + " chars) holds all " + expected.length() + " confirmed ones");
    assertEquals(text + "!", after.getString("textAfterEdit"), "and the restarted server takes new edits");
  }

  // ---- helpers -------------------------------------------------------------------------------

  private static int confirmedLength(Path file) {
    try {
      return Files.exists(file) ? new JsonObject(Files.readString(file)).getString("text").length() : 0;
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  private Process start(Path dataDir, int port) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), "dev.ensemble.Main");
    pb.environment().keySet().removeIf(k -> k.startsWith("ENSEMBLE_"));
    pb.environment().put("ENSEMBLE_HTTP_PORT", Integer.toString(port));
    pb.environment().put("ENSEMBLE_DATA_DIR", dataDir.toString());
    pb.environment().put("ENSEMBLE_DATABASE_URL", TestDatabase.urlOf(db));
    pb.redirectErrorStream(true).redirectOutput(dataDir.resolve("server-" + System.nanoTime() + ".log").toFile());
    return pb.start();
  }

  private void awaitReady(int port) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (System.nanoTime() < deadline) {
      assertTrue(server.isAlive(), "server exited with " + (server.isAlive() ? "" : server.exitValue()));
      try {
        HttpResponse<String> r = http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/ready")).build(),
            HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(100);
    }
    throw new AssertionError("server not ready within 120 s");
  }

  /** POSTs JSON with cookies (and their CSRF header) or "Bearer ..."; answers the body plus "cookies" set. */
  private JsonObject post(String url, String auth, JsonObject body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body.encode(), StandardCharsets.UTF_8));
    if (auth != null && auth.startsWith("Bearer ")) {
      b.header("Authorization", auth);
    } else if (auth != null) {
      b.header("Cookie", auth);
      for (String c : auth.split("; ")) {
        if (c.startsWith("ensemble_csrf=")) {
          b.header("X-CSRF-Token", c.substring("ensemble_csrf=".length()));
        }
      }
    }
    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(201, r.statusCode(), url + ": " + r.body());
    JsonObject json = new JsonObject(r.body());
    json.put("cookies", String.join("; ", r.headers().allValues("Set-Cookie").stream()
        .map(c -> c.substring(0, c.indexOf(';') < 0 ? c.length() : c.indexOf(';')))
        .toList()));
    return json;
  }
}
