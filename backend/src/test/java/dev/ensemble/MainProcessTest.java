package dev.ensemble;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The real entry point as an operator runs it: no configuration but a port and a data directory
 * (so the embedded store), SIGTERM for a graceful stop, and a restart that finds the data again.
 */
class MainProcessTest {
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  @Test
  void embeddedDefaultSurvivesRestartAndStopsOnSigtermWithinTenSeconds() throws Exception {
    Path dataDir = dev.ensemble.support.TempDirs.create("ensemble-main");
    int port = freePort();
    Process first = start(dataDir, port);
    try {
      awaitReady(port, first);
      HttpResponse<String> signup =
          http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/auth/signup"))
                  .header("Content-Type", "application/json")
                  .POST(HttpRequest.BodyPublishers.ofString("{\"username\":\"carol\",\"password\":\"long enough pw\"}"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(201, signup.statusCode(), signup.body());
    } finally {
      stopGracefully(first);
    }
    assertTrue(Files.exists(dataDir.resolve("postgres/cluster/PG_VERSION")), "cluster lives under the data dir");

    Process second = start(dataDir, port);
    try {
      awaitReady(port, second);
      HttpResponse<String> login =
          http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/auth/login"))
                  .header("Content-Type", "application/json")
                  .POST(HttpRequest.BodyPublishers.ofString("{\"username\":\"carol\",\"password\":\"long enough pw\"}"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(200, login.statusCode(), login.body());
    } finally {
      stopGracefully(second);
    }
  }

  @Test
  void badConfigurationStopsStartupWithOneLineNamingTheVariable() throws Exception {
    ProcessBuilder pb = command(dev.ensemble.support.TempDirs.create("ensemble-bad"), 1);
    pb.environment().put("ENSEMBLE_HTTP_PORT", "not-a-port");
    Process p = pb.redirectErrorStream(true).start();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    String out = new String(p.getInputStream().readAllBytes()).strip();
    assertEquals(2, p.exitValue());
    assertEquals(1, out.lines().count(), out);
    assertTrue(out.contains("ENSEMBLE_HTTP_PORT"), out);
  }

  private static void stopGracefully(Process p) throws Exception {
    long started = System.nanoTime();
    p.destroy(); // SIGTERM
    boolean exited = p.waitFor(15, TimeUnit.SECONDS);
    long ms = (System.nanoTime() - started) / 1_000_000;
    if (!exited) {
      p.destroyForcibly();
    }
    assertTrue(exited && ms < 10_000, "stopped within 10 s of SIGTERM (took " + ms + " ms)");
  }

  private Process start(Path dataDir, int port) throws IOException {
    ProcessBuilder pb = command(dataDir, port);
    pb.redirectErrorStream(true).redirectOutput(dataDir.resolve("server-" + System.nanoTime() + ".log").toFile());
    return pb.start();
  }

  private static ProcessBuilder command(Path dataDir, int port) {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb =
        new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), "dev.ensemble.Main");
    pb.environment().keySet().removeIf(k -> k.startsWith("ENSEMBLE_"));
    pb.environment().put("ENSEMBLE_HTTP_PORT", Integer.toString(port));
    pb.environment().put("ENSEMBLE_DATA_DIR", dataDir.toString());
    return pb;
  }

  private void awaitReady(int port, Process p) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (System.nanoTime() < deadline) {
      if (!p.isAlive()) {
        throw new AssertionError("server exited with " + p.exitValue());
      }
      try {
        HttpResponse<String> r =
            http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/ready")).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(250);
    }
    throw new AssertionError("server not ready within 120 s");
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
