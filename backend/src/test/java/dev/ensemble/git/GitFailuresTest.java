package dev.ensemble.git;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ensemble.git.support.BareRepo;
import dev.ensemble.git.support.GitHttpServer;
import dev.ensemble.git.support.Workbench;
import dev.ensemble.support.ApiClient;
import dev.ensemble.support.TempDirs;
import dev.ensemble.support.TestServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Refused credentials, unreachable hosts, cancelled imports, branches and local changes in the way. */
class GitFailuresTest {
  private static final AtomicInteger names = new AtomicInteger();
  private static TestServer server;
  private static GitHttpServer remote;

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

  private static ApiClient user() {
    ApiClient client = server.client();
    client.signup("dev" + names.incrementAndGet(), "correct horse battery");
    return client;
  }

  private static String repo(Map<String, byte[]> files) throws Exception {
    String name = "repo" + names.incrementAndGet();
    BareRepo.create(remote.root(), name, files);
    return name;
  }

  private static JsonObject importAndWait(ApiClient client, String url) throws Exception {
    ApiClient.Response started = client.post("/api/projects/import", new JsonObject().put("url", url));
    assertEquals(202, started.status(), started.toString());
    JsonObject job = Workbench.awaitJob(client, started.json().getString("jobId"));
    return job.put("projectId", started.json().getString("projectId"));
  }

  @Test
  void aWrongPasswordFailsTheImportAndLeavesNoProject() throws Exception {
    ApiClient client = user();
    Workbench.storeCredentials(client, remote, "wrong");
    JsonObject job = importAndWait(client, remote.url(repo(BareRepo.text(Map.of("a.txt", "1\n")))));
    assertEquals("failed", job.getString("state"), job.encode());
    assertEquals("git_auth_failed", job.getJsonObject("error").getString("code"), job.encode());
    assertEquals(404, client.get("/api/projects/" + job.getString("projectId")).status());
  }

  @Test
  void noCredentialsForAPrivateRepositoryIsAnAuthFailure() throws Exception {
    ApiClient client = user();
    JsonObject job = importAndWait(client, remote.url(repo(BareRepo.text(Map.of("a.txt", "1\n")))));
    assertEquals("git_auth_failed", job.getJsonObject("error").getString("code"), job.encode());
  }

  @Test
  void anUnreachableHostIsANetworkError() throws Exception {
    ApiClient client = user();
    JsonObject job = importAndWait(client, "http://127.0.0.1:" + TestServer.freePort() + "/nothing.git");
    assertEquals("git_network_error", job.getJsonObject("error").getString("code"), job.encode());
  }

  @Test
  void aUrlWithCredentialsOrAnotherSchemeIsRefused() {
    ApiClient client = user();
    ApiClient.Response r = client.post("/api/projects/import", new JsonObject().put("url", "http://u:p@example.org/x.git"));
    assertEquals(400, r.status(), r.toString());
    r = client.post("/api/projects/import", new JsonObject().put("url", "file:///etc/x.git"));
    assertEquals(400, r.status(), r.toString());
  }

  @Test
  void aCancelledImportEndsCancelledWithoutAProject() throws Exception {
    Map<String, String> many = new LinkedHashMap<>();
    for (int i = 0; i < 400; i++) {
      many.put("src/file" + i + ".txt", "line " + i + "\n");
    }
    String name = repo(BareRepo.text(many));
    ApiClient client = user();
    Workbench.storeCredentials(client, remote, GitHttpServer.PASSWORD);
    ApiClient.Response started = client.post("/api/projects/import", new JsonObject().put("url", remote.url(name)));
    String jobId = started.json().getString("jobId");
    ApiClient.Response cancel = client.post("/api/jobs/" + jobId + "/cancel", null);
    assertEquals(202, cancel.status(), cancel.toString());
    JsonObject job = Workbench.awaitJob(client, jobId);
    assertEquals("cancelled", job.getString("state"), job.encode());
    assertEquals(404, client.get("/api/projects/" + started.json().getString("projectId")).status());
    assertEquals(409, client.post("/api/jobs/" + jobId + "/cancel", null).status());
  }

  @Test
  void anotherUsersJobIsNotFound() throws Exception {
    ApiClient owner = user();
    Workbench.storeCredentials(owner, remote, GitHttpServer.PASSWORD);
    ApiClient.Response started = owner.post("/api/projects/import",
        new JsonObject().put("url", remote.url(repo(BareRepo.text(Map.of("a.txt", "1\n"))))));
    Workbench.awaitJob(owner, started.json().getString("jobId"));
    assertEquals(404, user().get("/api/jobs/" + started.json().getString("jobId")).status());
  }

  @Test
  void credentialsAreListedByHostOnlyAndCanBeDeleted() {
    ApiClient client = user();
    Workbench.storeCredentials(client, remote, "tok");
    JsonArray list = client.get("/api/git/credentials").array();
    assertEquals(1, list.size());
    assertEquals(remote.host(), list.getJsonObject(0).getString("host"));
    assertTrue(!list.encode().contains("tok\""), list.encode());
    assertEquals(204, client.delete("/api/git/credentials/" + remote.host()).status());
    assertEquals(0, client.get("/api/git/credentials").array().size());
  }

  @Test
  void branchesAreCreatedCheckedOutAndPushed() throws Exception {
    ApiClient client = user();
    Workbench.storeCredentials(client, remote, GitHttpServer.PASSWORD);
    String name = repo(BareRepo.text(Map.of("a.txt", "main\n")));
    JsonObject job = importAndWait(client, remote.url(name));
    Workbench w = new Workbench(client, server.baseUrl(), job.getString("projectId"));

    assertEquals(201, w.git("POST", "branches", new JsonObject().put("name", "feature")).status());
    ApiClient.Response checkout = w.git("POST", "checkout", new JsonObject().put("branch", "feature"));
    assertEquals(200, checkout.status(), checkout.toString());
    w.put("a.txt", "feature\n");
    assertEquals(201, w.git("POST", "commit", new JsonObject().put("message", "on feature")
        .put("paths", new JsonArray().add("a.txt"))).status());
    assertEquals(200, w.git("POST", "push", null).status());

    assertEquals(200, w.git("POST", "checkout", new JsonObject().put("branch", "main")).status());
    assertEquals("main\n", w.read("a.txt").body());
    JsonObject branches = w.git("GET", "branches", null).json();
    assertEquals("main", branches.getString("current"));
    assertTrue(branches.getJsonArray("remote").contains("origin/feature"), branches.encode());
    try (var repo = org.eclipse.jgit.storage.file.FileRepositoryBuilder.create(remote.root().resolve(name + ".git").toFile())) {
      assertTrue(repo.resolve("refs/heads/feature") != null, "the remote has the branch");
    }
  }

  @Test
  void aPullThatWouldOverwriteUncommittedEditsIsRefusedNamingTheFile() throws Exception {
    ApiClient client = user();
    Workbench.storeCredentials(client, remote, GitHttpServer.PASSWORD);
    String name = repo(BareRepo.text(Map.of("a.txt", "one\n")));
    JsonObject job = importAndWait(client, remote.url(name));
    Workbench w = new Workbench(client, server.baseUrl(), job.getString("projectId"));
    BareRepo bare = BareRepo.open(remote.root(), name);
    bare.commit("remote", BareRepo.text(Map.of("a.txt", "two\n")), Map.of());

    w.put("a.txt", "mine, not committed\n");
    ApiClient.Response pull = w.git("POST", "pull", null);
    assertEquals(409, pull.status(), pull.toString());
    assertEquals("uncommitted_changes_conflict", pull.errorCode());
    assertTrue(pull.json().getJsonObject("error").getString("message").contains("a.txt"), pull.toString());
    assertEquals("mine, not committed\n", w.read("a.txt").body());
  }
}
