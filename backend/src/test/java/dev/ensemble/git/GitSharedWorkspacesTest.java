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
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.revwalk.RevCommit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two nodes behind a round-robin proxy share one directory of working copies
 * (ENSEMBLE_GIT_WORKSPACES_DIR): a repository imported through one node is served by the other,
 * a git operation on one node voids the status the other remembers, and operations sent to both
 * at once run one after the other, ordered by a PostgreSQL advisory lock that a vanished holder's
 * connection takes with it.
 */
class GitSharedWorkspacesTest {
  private static final AtomicInteger names = new AtomicInteger();
  private static GitHttpServer remote;
  private static TwoNodes nodes;

  @BeforeAll
  static void start() throws Exception {
    remote = GitHttpServer.start(TempDirs.create("ensemble-git-remote"));
    nodes = TwoNodes.start("git across nodes", Map.of(
        "ENSEMBLE_GIT_ALLOW_HTTP", "true",
        "ENSEMBLE_GIT_DENIED_NETWORKS", "none",
        // one key, as every node of a deployment has: the other node decrypts the stored git token
        "ENSEMBLE_SECRET_KEY", java.util.Base64.getEncoder().encodeToString(randomBytes(32)),
        "ENSEMBLE_GIT_WORKSPACES_DIR", TempDirs.create("ensemble-shared-workspaces").toString()));
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
  void aRepositoryImportedThroughOneNodeIsCommittedAndPushedThroughTheOther() throws Exception {
    BareRepo[] repo = new BareRepo[1];
    Workbench a = imported(repo, "README.md", "hello\n", "notes.txt", "keep\n");
    Workbench b = onNodeB(a);

    JsonObject status = ok(b.git("GET", "status", null)).json();
    assertEquals("main", status.getString("branch"), status.encode());
    assertEquals(200, b.put("README.md", "hello from node b\n").status());
    assertEquals(List.of("README.md"), paths(ok(b.git("GET", "status", null)).json().getJsonArray("unstaged")));
    JsonObject diff = ok(b.client().get("/api/projects/" + b.projectId() + "/git/diff?path=README.md")).json();
    assertTrue(diff.getString("diff").contains("+hello from node b"), diff.encode());
    ApiClient.Response commit = b.git("POST", "commit",
        new JsonObject().put("message", "Committed on node b").put("paths", new JsonArray().add("README.md")));
    assertEquals(201, commit.status(), commit.toString());
    ok(b.git("POST", "push", null));

    assertEquals("Committed on node b", repo[0].head().getFullMessage());
    assertEquals("hello from node b\n", repo[0].text("README.md").orElseThrow());
    JsonArray log = ok(a.client().get("/api/projects/" + a.projectId() + "/git/log")).array();
    assertEquals("Committed on node b", log.getJsonObject(0).getString("summary"), "node a sees the same repository");
  }

  /**
   * The remote's new commit changes no file, so the documents' stored version stays the same and
   * only the repository's version tells node B that its remembered status is out of date.
   */
  @Test
  void aPullThroughOneNodeShowsInTheNextStatusThroughTheOther() throws Exception {
    BareRepo[] repo = new BareRepo[1];
    Workbench a = imported(repo, "README.md", "hello\n");
    Workbench b = onNodeB(a);
    String before = repo[0].head().name();
    assertEquals(before, ok(b.git("GET", "status", null)).json().getString("head"));
    assertEquals(before, ok(b.git("GET", "status", null)).json().getString("head"), "remembered by node b");

    RevCommit upstream = repo[0].commit("an empty commit upstream", Map.of(), Map.of());
    ApiClient.Response pull = ok(a.git("POST", "pull", null));
    assertEquals("fast-forward", pull.json().getString("result"), pull.toString());

    JsonObject after = ok(b.git("GET", "status", null)).json();
    assertEquals(upstream.name(), after.getString("head"), after.encode());
    assertEquals(0, after.getInteger("behind"), after.encode());
  }

  @Test
  void commitsSentToBothNodesAtTheSameMomentAreMadeOneAfterTheOther() throws Exception {
    BareRepo[] repo = new BareRepo[1];
    Workbench a = imported(repo, "a.txt", "a\n", "b.txt", "b\n");
    Workbench b = onNodeB(a);
    int rounds = 3;
    for (int round = 1; round <= rounds; round++) {
      // each node commits the file edited through it (the other node's copy of an edit arrives
      // over the bus a moment later)
      assertEquals(200, a.put("a.txt", "a, round " + round + "\n").status());
      assertEquals(200, b.put("b.txt", "b, round " + round + "\n").status());
      CyclicBarrier together = new CyclicBarrier(2);
      List<ApiClient.Response> answers = java.util.Collections.synchronizedList(new ArrayList<>());
      List<Thread> committers = new ArrayList<>();
      for (Object[] who : new Object[][] {{a, "a.txt"}, {b, "b.txt"}}) {
        Workbench w = (Workbench) who[0];
        String file = (String) who[1];
        String message = file + " in round " + round;
        Thread t = new Thread(() -> {
          try {
            together.await();
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
          answers.add(w.git("POST", "commit",
              new JsonObject().put("message", message).put("paths", new JsonArray().add(file))));
        });
        committers.add(t);
        t.start();
      }
      for (Thread t : committers) {
        t.join();
      }
      assertEquals(2, answers.size());
      answers.forEach(r -> assertEquals(201, r.status(), r.toString()));
    }
    ok(b.git("POST", "push", null));

    List<String> messages = new ArrayList<>();
    try (Git git = new Git(repo[0].open())) {
      git.log().call().forEach(c -> messages.add(c.getShortMessage()));
    }
    assertEquals(2 * rounds + 1, messages.size(), messages.toString());
    for (int round = 1; round <= rounds; round++) {
      assertTrue(messages.contains("a.txt in round " + round), messages.toString());
      assertTrue(messages.contains("b.txt in round " + round), messages.toString());
    }
    assertEquals("a, round " + rounds + "\n", repo[0].text("a.txt").orElseThrow());
    assertEquals("b, round " + rounds + "\n", repo[0].text("b.txt").orElseThrow());
    JsonObject clean = ok(a.git("GET", "status", null)).json();
    assertEquals(List.of(), paths(clean.getJsonArray("unstaged")), clean.encode());
    assertEquals(List.of(), paths(clean.getJsonArray("staged")), clean.encode());
    assertEquals(0, clean.getInteger("ahead"), clean.encode());
  }

  /**
   * A separate session holds the project's lock, as a node in the middle of an operation would:
   * a third node (waiting at most a second) answers 409 {@code repository_busy}; once that
   * session's connection is gone, as when its node dies, the lock is free again.
   */
  @Test
  void aLockWhoseConnectionGoesAwayIsReleased() throws Exception {
    BareRepo[] repo = new BareRepo[1];
    Workbench a = imported(repo, "README.md", "hello\n");
    try (TestServer c = nodes.startNode(Map.of("ENSEMBLE_GIT_LOCK_WAIT_SECONDS", "1"))) {
      String token = a.client().post("/api/tokens", new JsonObject().put("name", "node c")).json().getString("token");
      Workbench onC = new Workbench(ApiClient.at(c.baseUrl()).withBearer(token), c.baseUrl(), a.projectId());
      Connection holder = DriverManager.getConnection(
          nodes.database().jdbcUrl(), nodes.database().user(), nodes.database().password());
      try (var st = holder.prepareStatement("SELECT pg_advisory_lock(?)")) {
        st.setLong(1, ClusterLocks.key(UUID.fromString(a.projectId())));
        st.execute();
      }

      long started = System.nanoTime();
      ApiClient.Response busy = onC.git("GET", "status", null);
      long waitedMillis = (System.nanoTime() - started) / 1_000_000;
      assertEquals(409, busy.status(), busy.toString());
      assertEquals("repository_busy", busy.errorCode(), busy.toString());
      assertTrue(waitedMillis >= 900, "waited " + waitedMillis + " ms for the lock");

      holder.close();
      assertEquals("main", ok(onC.git("GET", "status", null)).json().getString("branch"));
    }
  }

  // ---- helpers -------------------------------------------------------------------------------

  /** A new user imports a new repository through node A. */
  private static Workbench imported(BareRepo[] repo, String... pathsAndTexts) throws Exception {
    Map<String, String> files = new LinkedHashMap<>();
    for (int i = 0; i < pathsAndTexts.length; i += 2) {
      files.put(pathsAndTexts[i], pathsAndTexts[i + 1]);
    }
    String name = "shared" + names.incrementAndGet();
    repo[0] = BareRepo.create(remote.root(), name, BareRepo.text(files));
    ApiClient client = nodes.a().client();
    client.signup("dev" + names.incrementAndGet(), "correct horse battery");
    Workbench.storeCredentials(client, remote, GitHttpServer.PASSWORD);
    ApiClient.Response started = client.post("/api/projects/import", new JsonObject().put("url", remote.url(name)));
    assertEquals(202, started.status(), started.toString());
    JsonObject job = Workbench.awaitJob(client, started.json().getString("jobId"));
    assertEquals("succeeded", job.getString("state"), job.encode());
    return new Workbench(client, nodes.a().baseUrl(), started.json().getString("projectId"));
  }

  /** The same user and project through node B. */
  private static Workbench onNodeB(Workbench a) {
    String token = a.client().post("/api/tokens", new JsonObject().put("name", "node b")).json().getString("token");
    return new Workbench(ApiClient.at(nodes.b().baseUrl()).withBearer(token), nodes.b().baseUrl(), a.projectId());
  }

  private static ApiClient.Response ok(ApiClient.Response r) {
    assertTrue(r.status() == 200 || r.status() == 201, r.toString());
    return r;
  }

  private static byte[] randomBytes(int n) {
    byte[] b = new byte[n];
    new java.security.SecureRandom().nextBytes(b);
    return b;
  }

  private static List<String> paths(JsonArray changes) {
    return changes.stream().map(c -> c instanceof JsonObject o ? o.getString("path") : (String) c).toList();
  }
}
