package dev.ensemble.git;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ensemble.git.support.BareRepo;
import dev.ensemble.git.support.GitHttpServer;
import dev.ensemble.git.support.Workbench;
import dev.ensemble.support.ApiClient;
import dev.ensemble.support.NodeProcess;
import dev.ensemble.support.TempDirs;
import dev.ensemble.support.TestServer;
import dev.ensemble.support.TwoNodes;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Import jobs across nodes: each node confirms the jobs it runs, so a node starting up (a rolling
 * deploy) leaves the imports running on the others alone, and the import of a node that dies is
 * failed as interrupted by a survivor within ENSEMBLE_GIT_JOB_ORPHAN_SECONDS (and a quarter of
 * it), which the job's watchers on every node see. The git server holds its packs, so an import
 * stays in the middle of its clone for as long as a test needs.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class GitJobsAcrossNodesTest {
  private static final int ORPHAN_SECONDS = 4;
  private static final AtomicInteger names = new AtomicInteger();
  private static GitHttpServer remote;
  private static TwoNodes nodes;

  @BeforeAll
  static void start() throws Exception {
    remote = GitHttpServer.start(TempDirs.create("ensemble-git-remote"));
    byte[] key = new byte[32];
    new java.security.SecureRandom().nextBytes(key);
    nodes = TwoNodes.start("git jobs across nodes", Map.of(
        "ENSEMBLE_GIT_ALLOW_HTTP", "true",
        "ENSEMBLE_GIT_DENIED_NETWORKS", "none",
        // one key on every node: the node running an import decrypts the token stored through another
        "ENSEMBLE_SECRET_KEY", java.util.Base64.getEncoder().encodeToString(key),
        "ENSEMBLE_GIT_JOB_ORPHAN_SECONDS", Integer.toString(ORPHAN_SECONDS)));
  }

  @AfterAll
  static void stop() throws Exception {
    if (nodes != null) {
      nodes.close();
    }
    if (remote != null) {
      remote.close();
    }
  }

  @Test
  void anImportRunningOnOneNodeIsNotFailedWhenAnotherNodeStarts() throws Exception {
    ApiClient client = user(nodes.a());
    String url = remote.url(repository());
    String jobId;
    String projectId;
    try (AutoCloseable held = remote.holdPacks()) {
      ApiClient.Response started = client.post("/api/projects/import", new JsonObject().put("url", url));
      assertEquals(202, started.status(), started.toString());
      jobId = started.json().getString("jobId");
      projectId = started.json().getString("projectId");
      awaitState(client, jobId, "running");

      try (TestServer c = nodes.startNode(Map.of())) {
        ApiClient onC = ApiClient.at(c.baseUrl()).withBearer(token(client));
        // longer than the orphan time: every node's periodic check has looked at the job several times
        Thread.sleep(TimeUnit.SECONDS.toMillis(ORPHAN_SECONDS + 3));
        JsonObject job = onC.get("/api/jobs/" + jobId).json();
        assertEquals("running", job.getString("state"), "a node starting up fails no healthy node's import: " + job);
      }
    }
    JsonObject done = Workbench.awaitJob(client, jobId);
    assertEquals("succeeded", done.getString("state"), done.encode());
    assertEquals(200, client.get("/api/projects/" + projectId).status());
  }

  @Test
  void anImportWhoseNodeIsKilledIsFailedByASurvivorAndItsWatchersSeeIt() throws Exception {
    ApiClient client = user(nodes.a());
    String token = token(client);
    String url = remote.url(repository());
    try (AutoCloseable held = remote.holdPacks(); NodeProcess doomed = nodes.startProcessNode()) {
      ApiClient onDoomed = ApiClient.at("http://127.0.0.1:" + doomed.port()).withBearer(token);
      ApiClient.Response started = onDoomed.post("/api/projects/import", new JsonObject().put("url", url));
      assertEquals(202, started.status(), started.toString());
      String jobId = started.json().getString("jobId");
      awaitState(client, jobId, "running");
      // a watcher on each survivor, following the job over server-sent events
      List<CompletableFuture<ApiClient.Response>> watchers = new ArrayList<>();
      for (TestServer node : List.of(nodes.a(), nodes.b())) {
        ApiClient watcher = ApiClient.at(node.baseUrl()).withBearer(token);
        watchers.add(CompletableFuture.supplyAsync(() -> watcher.get("/api/jobs/" + jobId + "/events")));
      }
      Thread.sleep(500);

      doomed.kill();
      long killed = System.nanoTime();
      JsonObject job = awaitFinished(client, jobId, Duration.ofSeconds(30));
      long tookMillis = (System.nanoTime() - killed) / 1_000_000;

      assertEquals("failed", job.getString("state"), job.encode());
      assertEquals("interrupted", job.getJsonObject("error").getString("code"), job.encode());
      // the orphan time, a quarter of it until the next check, and room for a busy machine
      assertTrue(tookMillis < TimeUnit.SECONDS.toMillis(ORPHAN_SECONDS * 5 / 4 + 5),
          "failed " + tookMillis + " ms after its node died");
      for (CompletableFuture<ApiClient.Response> w : watchers) {
        ApiClient.Response stream = w.get(30, TimeUnit.SECONDS);
        assertEquals(200, stream.status(), stream.toString());
        JsonObject last = lastEvent(stream.body());
        assertEquals("failed", last.getString("state"), stream.body());
        assertEquals("interrupted", last.getJsonObject("error").getString("code"), stream.body());
      }
    }
  }

  // ---- helpers -------------------------------------------------------------------------------

  /** A repository of a few hundred files: its pack takes more than one write to send. */
  private static String repository() throws Exception {
    Map<String, String> files = new LinkedHashMap<>();
    for (int i = 0; i < 300; i++) {
      files.put("src/file" + i + ".txt", "line " + i + " of a file that is not too short\n".repeat(20));
    }
    String name = "jobs" + names.incrementAndGet();
    BareRepo.create(remote.root(), name, BareRepo.text(files));
    return name;
  }

  /** A new user signed in on {@code node}, with the git server's credentials stored. */
  private static ApiClient user(TestServer node) {
    ApiClient client = node.client();
    client.signup("dev" + names.incrementAndGet(), "correct horse battery");
    Workbench.storeCredentials(client, remote, GitHttpServer.PASSWORD);
    return client;
  }

  private static String token(ApiClient client) {
    return client.post("/api/tokens", new JsonObject().put("name", "another node")).json().getString("token");
  }

  private static void awaitState(ApiClient client, String jobId, String state) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    JsonObject job = null;
    while (System.nanoTime() < deadline) {
      job = client.get("/api/jobs/" + jobId).json();
      if (state.equals(job.getString("state"))) {
        return;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("job not " + state + " within 30 s: " + job);
  }

  private static JsonObject awaitFinished(ApiClient client, String jobId, Duration within) throws InterruptedException {
    long deadline = System.nanoTime() + within.toNanos();
    JsonObject job = null;
    while (System.nanoTime() < deadline) {
      job = client.get("/api/jobs/" + jobId).json();
      String state = job.getString("state");
      if (!state.equals("queued") && !state.equals("running")) {
        return job;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("job still unfinished " + within.toSeconds() + " s after its node died: " + job);
  }

  private static JsonObject lastEvent(String body) {
    JsonObject last = null;
    for (String block : body.split("\n\n")) {
      if (block.startsWith("event: job\ndata: ")) {
        last = new JsonObject(block.substring("event: job\ndata: ".length()));
      }
    }
    if (last == null) {
      throw new AssertionError("no job event in " + body);
    }
    return last;
  }
}
