package dev.ensemble.support;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * An Ensemble node ({@code dev.ensemble.Main}) in a JVM of its own, so that a test can kill it the
 * way a machine dies: SIGKILL, no shutdown hook, no lease released, its sockets closed by the kernel.
 */
public final class NodeProcess implements AutoCloseable {
  private final Process process;
  private final int port;
  private final Path log;

  private NodeProcess(Process process, int port, Path log) {
    this.process = process;
    this.port = port;
    this.log = log;
  }

  /** Starts a node with exactly these ENSEMBLE_* settings (the test JVM's are not inherited) and waits until it is ready. */
  static NodeProcess start(Map<String, String> env, Path dataDir) throws IOException, InterruptedException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb = new ProcessBuilder(java, "-Xmx512m", "-cp", System.getProperty("java.class.path"),
        "dev.ensemble.Main");
    pb.environment().keySet().removeIf(k -> k.startsWith("ENSEMBLE_"));
    pb.environment().putAll(env);
    Path log = dataDir.resolve("node.log");
    pb.redirectErrorStream(true).redirectOutput(log.toFile());
    NodeProcess node = new NodeProcess(pb.start(), Integer.parseInt(env.get("ENSEMBLE_HTTP_PORT")), log);
    try {
      node.awaitReady();
    } catch (AssertionError | InterruptedException e) {
      node.close();
      throw e;
    }
    return node;
  }

  public int port() {
    return port;
  }

  /** SIGKILL, and waits until the process is gone. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      throw new AssertionError("node process survived SIGKILL");
    }
  }

  /** What the node logged, for failure messages. */
  public String log() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroyForcibly();
    }
  }

  private void awaitReady() throws InterruptedException {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new AssertionError("node process exited with " + process.exitValue() + ":\n" + log());
      }
      try {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/ready"))
            .build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(100);
    }
    throw new AssertionError("node process not ready within 120 s:\n" + log());
  }
}
