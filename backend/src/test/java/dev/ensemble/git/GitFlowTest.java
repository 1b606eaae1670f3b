package dev.ensemble.git;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jgit.revwalk.RevCommit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Import, edit, commit, push and pull against a real git smart-HTTP server with basic
 * authentication, the files API showing what git brought in.
 */
class GitFlowTest {
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

  /** A new user who stored the git server's password, and a new repository on it. */
  private static Workbench imported(BareRepo[] repo, Map<String, byte[]> files) throws Exception {
    String name = "repo" + names.incrementAndGet();
    repo[0] = BareRepo.create(remote.root(), name, files);
    ApiClient client = server.client();
    client.signup("dev" + names.incrementAndGet(), "correct horse battery");
    Workbench.storeCredentials(client, remote, GitHttpServer.PASSWORD);
    ApiClient.Response started = client.post("/api/projects/import", new JsonObject().put("url", remote.url(name)));
    assertEquals(202, started.status(), started.toString());
    JsonObject job = Workbench.awaitJob(client, started.json().getString("jobId"));
    assertEquals("succeeded", job.getString("state"), job.encode());
    JsonObject progress = job.getJsonObject("progress");
    assertEquals("done", progress.getString("phase"), job.encode());
    assertEquals(files.size(), progress.getLong("total"), job.encode());
    assertEquals(files.size(), progress.getLong("done"), job.encode());
    return new Workbench(client, server.baseUrl(), started.json().getString("projectId"));
  }

  private static Map<String, byte[]> files(String... pathsAndTexts) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < pathsAndTexts.length; i += 2) {
      m.put(pathsAndTexts[i], pathsAndTexts[i + 1]);
    }
    return BareRepo.text(m);
  }

  private static List<String> paths(JsonArray changes) {
    return changes.stream().map(c -> c instanceof JsonObject o ? o.getString("path") : (String) c).toList();
  }

  @Test
  void importedFilesBecomeDocumentsAndTheJobReportsItsProgress() throws Exception {
    BareRepo[] repo = new BareRepo[1];
    Workbench w = imported(repo, files("README.md", "# Demo\n", "src/app.js", "console.log('hi');\n"));

    assertEquals("# Demo\n", w.read("README.md").body());
    assertEquals("console.log('hi');\n", w.read("src/app.js").body());
    JsonObject status = w.git("GET", "status", null).json();
    assertEquals("main", status.getString("branch"));
    assertEquals(List.of(), paths(status.getJsonArray("unstaged")), status.encode());
    assertEquals(List.of(), paths(status.getJsonArray("untracked")), status.encode());
    assertEquals(0, status.getInteger("ahead"));
    assertEquals(0, status.getInteger("behind"));
  }

  @Test
  void anEditIsCommittedWithTheUserAsAuthorAndPushed() throws Exception {
    BareRepo[] repo = new BareRepo[1];
    Workbench w = imported(repo, files("README.md", "hello\n", "notes.txt", "keep\n"));
    w.client().patch("/api/me", new JsonObject().put("displayName", "Dana Developer"));

    assertEquals(200, w.put("README.md", "hello world\n").status());
    JsonObject status = w.git("GET", "status", null).json();
    assertEquals(List.of("README.md"), paths(status.getJsonArray("unstaged")), status.encode());
    JsonObject diff = w.client().get("/api/projects/" + w.projectId() + "/git/diff?path=README.md").json();
    assertTrue(diff.getString("diff").contains("+hello world"), diff.encode());
    assertEquals("hello\n", diff.getString("original"));
    assertEquals("hello world\n", diff.getString("modified"));

    JsonObject staged = w.git("POST", "stage", new JsonObject().put("paths", new JsonArray().add("README.md"))).json();
    assertEquals(List.of("README.md"), paths(staged.getJsonArray("staged")), staged.encode());
    ApiClient.Response commit = w.git("POST", "commit", new JsonObject().put("message", "Say hello to the world"));
    assertEquals(201, commit.status(), commit.toString());
    assertEquals(1, w.git("GET", "status", null).json().getInteger("ahead"));
    ApiClient.Response push = w.git("POST", "push", null);
    assertEquals(200, push.status(), push.toString());

    RevCommit head = repo[0].head();
    assertEquals("Say hello to the world", head.getFullMessage());
    assertEquals("Dana Developer", head.getAuthorIdent().getName());
    assertTrue(head.getAuthorIdent().getEmailAddress().endsWith("@users.noreply.ensemble"),
        head.getAuthorIdent().getEmailAddress());
    assertEquals("hello world\n", repo[0].text("README.md").orElseThrow());
    assertEquals("keep\n", repo[0].text("notes.txt").orElseThrow());
    assertEquals(0, w.git("GET", "status", null).json().getInteger("ahead"));
    JsonArray log = w.client().get("/api/projects/" + w.projectId() + "/git/log").array();
    assertEquals("Say hello to the world", log.getJsonObject(0).getString("summary"));
  }

  @Test
  void pullBringsTheRemoteCommitsIntoTheDocuments() throws Exception {
    BareRepo[] repo = new BareRepo[1];
    Workbench w = imported(repo, files("app.js", "let a = 1;\nlet b = 2;\n", "old.txt", "bye\n"));

    repo[0].commit("remote work", files("app.js", "let a = 1;\nlet b = 3;\n", "lib/new.js", "export {};\n"),
        Map.of("old.txt", true));
    ApiClient.Response pull = w.git("POST", "pull", null);
    assertEquals(200, pull.status(), pull.toString());
    assertEquals("fast-forward", pull.json().getString("result"));

    assertEquals("let a = 1;\nlet b = 3;\n", w.read("app.js").body());
    assertEquals("export {};\n", w.read("lib/new.js").body());
    assertEquals(404, w.read("old.txt").status());
    JsonObject status = w.git("GET", "status", null).json();
    assertEquals(List.of(), paths(status.getJsonArray("unstaged")), status.encode());
    assertEquals(0, status.getInteger("behind"));
  }

  @Test
  void importProgressStreamsAsServerSentEventsUntilTheJobFinishes() throws Exception {
    Map<String, String> many = new LinkedHashMap<>();
    for (int i = 0; i < 300; i++) {
      many.put("src/file" + i + ".txt", "line " + i + "\n");
    }
    String name = "stream" + names.incrementAndGet();
    BareRepo.create(remote.root(), name, BareRepo.text(many));
    ApiClient client = server.client();
    client.signup("dev" + names.incrementAndGet(), "correct horse battery");
    Workbench.storeCredentials(client, remote, GitHttpServer.PASSWORD);
    String jobId = client.post("/api/projects/import", new JsonObject().put("url", remote.url(name))).json().getString("jobId");

    ApiClient.Response stream = client.get("/api/jobs/" + jobId + "/events");

    assertEquals(200, stream.status(), stream.toString());
    assertTrue(stream.headers().firstValue("content-type").orElse("").startsWith("text/event-stream"), stream.toString());
    List<JsonObject> events = new java.util.ArrayList<>();
    for (String block : stream.body().split("\n\n")) {
      if (block.startsWith("event: job\ndata: ")) {
        events.add(new JsonObject(block.substring("event: job\ndata: ".length())));
      }
    }
    assertTrue(events.size() >= 2, "progress arrives as it happens, not only the end: " + stream.body());
    JsonObject last = events.get(events.size() - 1);
    assertEquals("succeeded", last.getString("state"), last.encode());
    assertEquals(300, last.getJsonObject("progress").getLong("done"));
    assertTrue(events.stream().anyMatch(e -> "creating documents".equals(e.getJsonObject("progress").getString("phase"))),
        "the document phase is reported: " + events);

    // a finished job: its final state, then the end of the stream
    ApiClient.Response again = client.get("/api/jobs/" + jobId + "/events");
    assertEquals(1, again.body().split("event: job").length - 1, again.body());
    // someone else's job is not found
    ApiClient other = server.client();
    other.signup("dev" + names.incrementAndGet(), "correct horse battery");
    assertEquals(404, other.get("/api/jobs/" + jobId + "/events").status());
  }

  @Test
  void aPullArrivesLiveInAnOpenEditorAsASmallChangeAndTheTreeFollows() throws Exception {
    BareRepo[] repo = new BareRepo[1];
    String before = "# 😀 title\nfirst line\nsecond line\nlast 👍🏽 line\n";
    Workbench w = imported(repo, files("README.md", before, "old.txt", "bye\n"));
    String after = "# 😀 title\nfirst line\nsecond line, changed upstream 🎉\nlast 👍🏽 line\n";
    repo[0].commit("upstream edit", files("README.md", after, "docs/new.md", "hello\n"), Map.of("old.txt", true));
    String token = w.client().post("/api/tokens", new JsonObject().put("name", "live")).json().getString("token");

    JsonObject r = dev.ensemble.sync.NodeScenario.run("gitPull", Map.of(
        "BASE_URL", server.baseUrl(),
        "PROJECT", w.projectId(),
        "TOKEN", token,
        "SYNC_URL", "ws://127.0.0.1:" + server.port() + "/sync?project=" + w.projectId() + "&access_token=" + token,
        "FILE", "README.md",
        "ADDED", "docs/new.md",
        "REMOVED", "old.txt",
        "MARK_BEFORE", "first",
        "MARK_AFTER", "last"));

    assertEquals(200, r.getInteger("pullStatus"), r.encode());
    assertEquals("fast-forward", r.getJsonObject("pull").getString("result"));
    assertEquals(before, r.getString("textBefore"));
    assertEquals(after, r.getString("textAfter"), "the open editor shows the pulled text");
    JsonArray patches = r.getJsonArray("patches");
    assertTrue(patches.size() <= 3, "a small change, not a rewrite: " + patches);
    for (Object p : patches) {
      JsonObject patch = (JsonObject) p;
      assertTrue(!"del".equals(patch.getString("action")) || patch.getInteger("length", 1) <= 1, "no large deletion: " + patches);
    }
    assertEquals(r.getInteger("expectedBeforeAt"), r.getInteger("cursorBeforeAt"), "a cursor before the edit stays");
    assertEquals(r.getInteger("expectedAfterAt"), r.getInteger("cursorAfterAt"), "a cursor after the edit moves with its text");
    assertEquals(List.of("README.md", "old.txt"), r.getJsonArray("filesBefore").getList());
    assertEquals(List.of("README.md", "docs/new.md"), r.getJsonArray("filesAfter").getList(),
        "files added and removed upstream appear in and leave the live tree");
  }

  @Test
  void conflictingEditsLandAsGitsMergeResultWithMarkers() throws Exception {
    BareRepo[] repo = new BareRepo[1];
    Workbench w = imported(repo, files("config.txt", "colour = red\nsize = 1\n"));

    w.put("config.txt", "colour = blue\nsize = 1\n");
    assertEquals(201, w.git("POST", "commit", new JsonObject().put("message", "blue")
        .put("paths", new JsonArray().add("config.txt"))).status());
    repo[0].commit("green", files("config.txt", "colour = green\nsize = 1\n"), Map.of());

    ApiClient.Response pull = w.git("POST", "pull", null);
    assertEquals(200, pull.status(), pull.toString());
    assertEquals("conflicting", pull.json().getString("result"));
    assertEquals(List.of("config.txt"), paths(pull.json().getJsonArray("conflicts")));
    String merged = w.read("config.txt").body();
    assertTrue(merged.contains("<<<<<<<") && merged.contains("colour = blue") && merged.contains("colour = green"), merged);
    assertEquals(List.of("config.txt"), paths(w.git("GET", "status", null).json().getJsonArray("conflicts")));
  }

  @Test
  void aPushBehindTheRemoteIsRefusedAndChangesNothing() throws Exception {
    BareRepo[] repo = new BareRepo[1];
    Workbench w = imported(repo, files("a.txt", "1\n", "b.txt", "x\n"));
    RevCommit theirs = repo[0].commit("remote", files("b.txt", "y\n"), Map.of());

    w.put("a.txt", "2\n");
    assertEquals(201, w.git("POST", "commit", new JsonObject().put("message", "mine")
        .put("paths", new JsonArray().add("a.txt"))).status());
    ApiClient.Response push = w.git("POST", "push", null);
    assertEquals(409, push.status(), push.toString());
    assertEquals("non_fast_forward", push.errorCode());
    assertEquals(theirs, repo[0].head());
    assertEquals("2\n", w.read("a.txt").body());
  }

  @Test
  void nothingStagedIsNoCommit() throws Exception {
    BareRepo[] repo = new BareRepo[1];
    Workbench w = imported(repo, files("a.txt", "1\n"));
    ApiClient.Response commit = w.git("POST", "commit", new JsonObject().put("message", "empty"));
    assertEquals(409, commit.status(), commit.toString());
    assertEquals("nothing_to_commit", commit.errorCode());
  }

  @Test
  void binaryFilesAndUnicodePathsSurviveTheRoundTrip() throws Exception {
    byte[] png = new byte[600];
    for (int i = 0; i < png.length; i++) {
      png[i] = (byte) (i * 31);
    }
    png[0] = (byte) 0x89;
    png[1] = 0;
    Map<String, byte[]> content = new LinkedHashMap<>(files("docs/ünïcödé.md", "Grüße\n", "日本語/ファイル.txt", "こんにちは\n"));
    content.put("img/logo.png", png);
    BareRepo[] repo = new BareRepo[1];
    Workbench w = imported(repo, content);

    assertArrayEquals(png, w.bytes("img/logo.png"));
    assertEquals("Grüße\n", new String(w.bytes("docs/ünïcödé.md"), StandardCharsets.UTF_8));
    assertEquals("こんにちは\n", new String(w.bytes("日本語/ファイル.txt"), StandardCharsets.UTF_8));
    JsonObject status = w.git("GET", "status", null).json();
    assertEquals(List.of(), paths(status.getJsonArray("unstaged")), status.encode());
    assertEquals(List.of(), paths(status.getJsonArray("untracked")), status.encode());

    w.put("日本語/ファイル.txt", "こんばんは\n");
    assertEquals(201, w.git("POST", "commit", new JsonObject().put("message", "evening")
        .put("paths", new JsonArray().add("日本語/ファイル.txt"))).status());
    assertEquals(200, w.git("POST", "push", null).status());
    assertEquals("こんばんは\n", repo[0].text("日本語/ファイル.txt").orElseThrow());
    assertArrayEquals(png, repo[0].file("img/logo.png").orElseThrow());
  }
}
