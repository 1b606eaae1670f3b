package dev.ensemble.runs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ensemble.ai.support.AiProject;
import dev.ensemble.support.ApiClient;
import dev.ensemble.support.LiveClient;
import dev.ensemble.support.TestServer;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A whole server with {@code ENSEMBLE_RUN_EXECUTOR=kubernetes} against fabric8's mock Kubernetes
 * API server (CRUD mode; no cluster runs here): the run's pod fetches exactly the project's files
 * once with the run's token, and what its log says reaches the project's viewers in order.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class KubernetesRunApiTest {
  private static final Set<String> FINAL = Set.of("succeeded", "failed", "cancelled", "timed_out", "killed");
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static MockCluster cluster;
  private static TestServer server;

  @BeforeAll
  static void start() {
    cluster = new MockCluster();
    int port = TestServer.freePort();
    Map<String, String> env = new HashMap<>();
    env.put("ENSEMBLE_HTTP_PORT", Integer.toString(port));
    env.put("ENSEMBLE_RUN_EXECUTOR", "kubernetes");
    env.put("ENSEMBLE_RUN_K8S_API_URL", cluster.url());
    env.put("ENSEMBLE_RUN_K8S_IMAGE", "python:3.12-slim");
    env.put("ENSEMBLE_RUN_K8S_SERVER_URL", "http://127.0.0.1:" + port);
    server = TestServer.start(env);
  }

  @AfterAll
  static void stop() {
    server.close();
    cluster.close();
  }

  @Test
  void readinessNamesTheExecutor() {
    JsonObject ready = server.client().get("/ready").json();
    assertEquals("kubernetes-job", ready.getJsonObject("checks").getString("sandbox"));
  }

  @Test
  void thePodFetchesTheProjectsFilesOnceWithTheRunsTokenOnly() throws Exception {
    AiProject p = AiProject.create(server);
    write(p, "main.py", "print('hello')\n");
    write(p, "pkg/util.py", "X = 1\n");
    String runId = startRun(p, "python3 main.py");
    Container fetch = cluster.awaitJob(runId).getSpec().getTemplate().getSpec().getInitContainers().get(0);
    String url = env(fetch, "ENSEMBLE_WORKSPACE_URL");
    String token = env(fetch, "ENSEMBLE_WORKSPACE_TOKEN");
    assertEquals(server.baseUrl() + "/api/runs/" + runId + "/workspace.tar", url);

    assertEquals(401, fetch(url, null).statusCode(), "no token");
    assertEquals(401, fetch(url, "not-the-token").statusCode(), "a wrong token");
    assertEquals(401, fetchWithAccessToken(p, url).statusCode(), "a member's access token is no workspace token");
    assertEquals(404, fetch(server.baseUrl() + "/api/runs/" + UUID.randomUUID() + "/workspace.tar", token).statusCode(),
        "another run");

    HttpResponse<byte[]> tar = fetch(url, token);
    assertEquals(200, tar.statusCode());
    assertEquals("application/x-tar", tar.headers().firstValue("Content-Type").orElse(""));
    assertEquals(Map.of("main.py", "print('hello')\n", "pkg/util.py", "X = 1\n"), files(tar.body()));
    assertEquals(404, fetch(url, token).statusCode(), "the token works once");
    assertNoTarLeft();

    assertTrue(p.editor().post("/api/runs/" + runId + "/cancel", new JsonObject()).json().getBoolean("cancelled"));
    assertTrue(cluster.awaitNoJob(runId), "cancel deletes the Job");
    assertEquals("cancelled", awaitStatus(p.viewer(), runId).getString("status"));
  }

  @Test
  void thePodsLogReachesViewersInOrderAndItsExitCodeEndsTheRun() throws Exception {
    AiProject p = AiProject.create(server);
    write(p, "main.py", "print('hello')\n");
    StringBuilder expected = new StringBuilder();
    for (int i = 1; i <= 300; i++) {
      expected.append("line ").append(i).append('\n');
    }
    try (LiveClient viewer = LiveClient.connect(server, p.id(), p.viewerToken())) {
      String runId = startRun(p, "python3 main.py");
      viewer.subscribeRun(runId, 0);
      Job job = cluster.awaitJob(runId);
      Pod pod = cluster.createPod(job);
      cluster.log(pod, "run", expected.toString());
      cluster.running(pod);
      cluster.exited(pod, 2, "Error");

      List<JsonObject> seen = viewer.runUntil(runId,
          m -> "status".equals(m.getString("event")) && FINAL.contains(m.getString("status")));
      StringBuilder text = new StringBuilder();
      long lastSeq = 0;
      for (JsonObject m : seen) {
        if ("output".equals(m.getString("event"))) {
          assertEquals("stdout", m.getString("stream"));
          assertTrue(m.getLong("firstSeq") == lastSeq + 1, "no gap, no duplicate: " + m.encode());
          lastSeq = m.getLong("seq");
          text.append(m.getString("data"));
        }
      }
      assertEquals(expected.toString(), text.toString());
      JsonObject end = seen.get(seen.size() - 1);
      assertEquals("failed", end.getString("status"));
      assertEquals(2, end.getInteger("exitCode"));

      JsonObject stored = awaitStatus(p.viewer(), runId);
      assertEquals("failed", stored.getString("status"));
      assertEquals(expected.toString(), p.viewer().get("/api/runs/" + runId + "/log").body());
      assertTrue(cluster.awaitNoJob(runId), "the finished Job is deleted");
    }
  }

  private static void write(AiProject p, String path, String content) {
    ApiClient.Response r = p.owner().sendBytes("PUT", p.path("/files/" + path), content.getBytes(StandardCharsets.UTF_8));
    assertTrue(r.status() == 200 || r.status() == 201, "writing " + path + ": " + r);
  }

  private static String startRun(AiProject p, String command) {
    ApiClient.Response r = p.editor().post(p.path("/runs"), new JsonObject().put("command", command));
    assertEquals(201, r.status(), r.toString());
    return r.json().getString("id");
  }

  private static JsonObject awaitStatus(ApiClient client, String runId) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      JsonObject run = client.get("/api/runs/" + runId).json();
      if (FINAL.contains(run.getString("status"))) {
        return run;
      }
      assertTrue(System.nanoTime() < deadline, "run " + runId + " did not end; last: " + run.encode());
      Thread.sleep(50);
    }
  }

  private static HttpResponse<byte[]> fetch(String url, String token) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).GET();
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  private static HttpResponse<byte[]> fetchWithAccessToken(AiProject p, String url) throws Exception {
    return fetch(url, p.ownerToken());
  }

  private static Map<String, String> files(byte[] tar) throws Exception {
    Map<String, String> out = new HashMap<>();
    try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(tar))) {
      TarArchiveEntry e;
      while ((e = in.getNextEntry()) != null) {
        if (e.isFile()) {
          out.put(e.getName(), new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
      }
    }
    return out;
  }

  private static void assertNoTarLeft() throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      try (Stream<Path> all = Files.walk(server.dataDir().resolve("runs"))) {
        List<Path> tars = all.filter(f -> f.toString().endsWith(".tar")).toList();
        if (tars.isEmpty()) {
          return;
        }
        assertTrue(System.nanoTime() < deadline, "left behind: " + tars);
      }
      Thread.sleep(50);
    }
  }

  private static String env(Container c, String name) {
    return c.getEnv().stream().filter(e -> name.equals(e.getName())).map(EnvVar::getValue).findFirst().orElseThrow();
  }
}
