package dev.ensemble.git;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ensemble.git.support.BareRepo;
import dev.ensemble.git.support.GitHttpServer;
import dev.ensemble.git.support.Workbench;
import dev.ensemble.support.ApiClient;
import dev.ensemble.support.TempDirs;
import dev.ensemble.support.TestServer;
import dev.ensemble.support.TwoNodes;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Source Control panel asks for the status every few seconds: a status with nothing changed
 * since the last one is answered without materialising the working copy again, and any change —
 * an edit through the files API, a commit, an edit on another node — shows in the next status.
 * "Materialised" is observed twice over: the node's {@code ensemble_git_status_total} counter and
 * a file of the working copy altered on disk behind the server's back (materialising rewrites it).
 */
class GitStatusCacheTest {
  private static final AtomicInteger names = new AtomicInteger();
  private static GitHttpServer remote;
  private static TestServer server;

  @BeforeAll
  static void start() throws Exception {
    remote = GitHttpServer.start(TempDirs.create("ensemble-git-remote"));
    server = TestServer.start(Map.of("ENSEMBLE_GIT_ALLOW_HTTP", "true"));
  }

  @AfterAll
  static void stop() throws Exception {
    if (server != null) {
      server.close();
    }
    if (remote != null) {
      remote.close();
    }
  }

  @Test
  void aSecondStatusWithNothingChangedDoesNotMaterialiseAgain() throws Exception {
    Workbench w = imported(server, "README.md", "hello\n");
    JsonObject first = status(w);
    Path onDisk = workspace(server, w).resolve("README.md");
    Files.writeString(onDisk, "changed behind the server's back\n");
    long computed = answers(server, "computed");
    long cached = answers(server, "cached");

    JsonObject second = status(w);

    assertEquals(first, second);
    assertEquals(computed, answers(server, "computed"), "nothing changed: no new computation");
    assertEquals(cached + 1, answers(server, "cached"));
    assertEquals("changed behind the server's back\n", Files.readString(onDisk), "the working copy was not materialised");
  }

  @Test
  void anEditThroughTheFilesApiShowsInTheNextStatus() throws Exception {
    Workbench w = imported(server, "README.md", "hello\n", "notes.txt", "keep\n");
    assertEquals(List.of(), paths(status(w).getJsonArray("unstaged")));
    status(w);

    assertEquals(200, w.put("README.md", "hello world\n").status());

    JsonObject after = status(w);
    assertEquals(List.of("README.md"), paths(after.getJsonArray("unstaged")), after.encode());
    assertEquals("hello world\n", Files.readString(workspace(server, w).resolve("README.md")));
  }

  @Test
  void afterACommitTheStatusIsCleanAgain() throws Exception {
    Workbench w = imported(server, "README.md", "hello\n");
    assertEquals(200, w.put("README.md", "hello again\n").status());
    assertEquals(List.of("README.md"), paths(status(w).getJsonArray("unstaged")));
    assertEquals(List.of("README.md"), paths(status(w).getJsonArray("unstaged")), "the same answer again");

    ApiClient.Response commit = w.git("POST", "commit",
        new JsonObject().put("message", "Greet again").put("paths", new JsonArray().add("README.md")));
    assertEquals(201, commit.status(), commit.toString());

    JsonObject clean = status(w);
    assertEquals(List.of(), paths(clean.getJsonArray("unstaged")), clean.encode());
    assertEquals(List.of(), paths(clean.getJsonArray("staged")), clean.encode());
    assertEquals(1, clean.getInteger("ahead"), clean.encode());
  }

  @Test
  void stagingShowsInTheNextStatusThoughNoFileChanged() throws Exception {
    Workbench w = imported(server, "README.md", "hello\n");
    assertEquals(200, w.put("README.md", "staged soon\n").status());
    assertEquals(List.of("README.md"), paths(status(w).getJsonArray("unstaged")));

    assertEquals(200, w.git("POST", "stage", new JsonObject().put("paths", new JsonArray().add("README.md"))).status());

    JsonObject after = status(w);
    assertEquals(List.of("README.md"), paths(after.getJsonArray("staged")), after.encode());
    assertEquals(List.of(), paths(after.getJsonArray("unstaged")), after.encode());
  }

  @Test
  void concurrentStatusCallsShareOneComputation() throws Exception {
    Workbench w = imported(server, "README.md", "hello\n");
    assertEquals(200, w.put("README.md", "asked by many\n").status());
    long computed = answers(server, "computed");

    List<Thread> askers = new java.util.ArrayList<>();
    List<JsonObject> seen = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    for (int i = 0; i < 6; i++) {
      Thread t = new Thread(() -> seen.add(status(w)));
      askers.add(t);
      t.start();
    }
    for (Thread t : askers) {
      t.join();
    }

    assertEquals(6, seen.size());
    seen.forEach(s -> assertEquals(List.of("README.md"), paths(s.getJsonArray("unstaged")), s.encode()));
    long more = answers(server, "computed") - computed;
    assertTrue(more >= 1 && more < 6, "six callers, " + more + " computations");
  }

  /**
   * The project's repository is on node A. Node A stops holding the file's document (idle
   * eviction), so it hears nothing of node B's edit over the bus; the stored version still moves.
   */
  @Test
  void anEditOnAnotherNodeShowsInTheNextStatusEvenWhenThisNodeDoesNotHoldTheDocument() throws Exception {
    Map<String, String> settings = Map.of(
        "ENSEMBLE_GIT_ALLOW_HTTP", "true",
        "ENSEMBLE_GIT_DENIED_NETWORKS", "none",
        "ENSEMBLE_SYNC_IDLE_EVICTION_MS", "300");
    try (TwoNodes nodes = TwoNodes.start("git status across nodes", settings)) {
      Workbench a = imported(nodes.a(), "README.md", "hello\n", "other.txt", "x\n");
      assertEquals(List.of(), paths(status(a).getJsonArray("unstaged")));
      assertEquals(List.of(), paths(status(a).getJsonArray("unstaged")));
      awaitNoDocumentsLoaded(nodes.a());
      long cached = answers(nodes.a(), "cached");
      assertEquals(List.of(), paths(status(a).getJsonArray("unstaged")), "still answered from the cache");
      assertEquals(cached + 1, answers(nodes.a(), "cached"));

      String token = a.client().post("/api/tokens", new JsonObject().put("name", "node b")).json().getString("token");
      Workbench b = new Workbench(ApiClient.at(nodes.b().baseUrl()).withBearer(token), nodes.b().baseUrl(), a.projectId());
      assertEquals(200, b.put("README.md", "edited on node b\n").status());

      JsonObject after = status(a);
      assertEquals(List.of("README.md"), paths(after.getJsonArray("unstaged")), after.encode());
      assertEquals("edited on node b\n", Files.readString(workspace(nodes.a(), a).resolve("README.md")));
    }
  }

  // ---- helpers -------------------------------------------------------------------------------

  private static Workbench imported(TestServer node, String... pathsAndTexts) throws Exception {
    Map<String, String> files = new java.util.LinkedHashMap<>();
    for (int i = 0; i < pathsAndTexts.length; i += 2) {
      files.put(pathsAndTexts[i], pathsAndTexts[i + 1]);
    }
    String name = "status" + names.incrementAndGet();
    BareRepo.create(remote.root(), name, BareRepo.text(files));
    ApiClient client = node.client();
    client.signup("dev" + names.incrementAndGet(), "correct horse battery");
    Workbench.storeCredentials(client, remote, GitHttpServer.PASSWORD);
    ApiClient.Response started = client.post("/api/projects/import", new JsonObject().put("url", remote.url(name)));
    assertEquals(202, started.status(), started.toString());
    JsonObject job = Workbench.awaitJob(client, started.json().getString("jobId"));
    assertEquals("succeeded", job.getString("state"), job.encode());
    return new Workbench(client, node.baseUrl(), started.json().getString("projectId"));
  }

  private static JsonObject status(Workbench w) {
    ApiClient.Response r = w.git("GET", "status", null);
    assertEquals(200, r.status(), r.toString());
    return r.json();
  }

  private static Path workspace(TestServer node, Workbench w) {
    return node.dataDir().resolve("workspaces").resolve(w.projectId());
  }

  /** The node's {@code ensemble_git_status_total} for this answer. */
  private static long answers(TestServer node, String answer) {
    String metrics = node.client().get("/metrics").body();
    return Arrays.stream(metrics.split("\n"))
        .filter(l -> l.startsWith("ensemble_git_status_total{") && l.contains("answer=\"" + answer + "\""))
        .mapToLong(l -> (long) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no ensemble_git_status_total{answer=" + answer + "} in /metrics"));
  }

  private static void awaitNoDocumentsLoaded(TestServer node) throws InterruptedException {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (System.nanoTime() < deadline) {
      String loaded = Arrays.stream(node.client().get("/metrics").body().split("\n"))
          .filter(l -> l.startsWith("ensemble_documents_loaded")).findFirst().orElse("");
      if (loaded.endsWith(" 0.0")) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("node A still holds documents");
  }

  private static List<String> paths(JsonArray changes) {
    return changes.stream().map(c -> c instanceof JsonObject o ? o.getString("path") : (String) c).toList();
  }
}
