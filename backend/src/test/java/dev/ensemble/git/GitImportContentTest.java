package dev.ensemble.git;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ensemble.git.support.BareRepo;
import dev.ensemble.git.support.DirectCommit;
import dev.ensemble.git.support.GitHttpServer;
import dev.ensemble.git.support.Workbench;
import dev.ensemble.support.ApiClient;
import dev.ensemble.support.TempDirs;
import dev.ensemble.support.TestServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.eclipse.jgit.lib.FileMode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What an import makes of awkward content: binary files and text with NUL bytes arrive byte for
 * byte, non-ASCII paths arrive as named, and what the files API cannot hold (a name with an emoji,
 * a name git stores decomposed, an oversize file, a symbolic link) stays in git only and is
 * reported by the job with its reason, and survives a later commit and push.
 */
class GitImportContentTest {
  private static final int MAX_FILE_BYTES = 4096;
  private static TestServer server;
  private static GitHttpServer remote;

  @BeforeAll
  static void start() throws Exception {
    remote = GitHttpServer.start(TempDirs.create("ensemble-git-remote"));
    server = TestServer.start(Map.of(
        "ENSEMBLE_GIT_ALLOW_HTTP", "true", "ENSEMBLE_GIT_MAX_FILE_BYTES", Integer.toString(MAX_FILE_BYTES)));
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
  void everyFileArrivesByteForByteOrIsReportedWithItsReason() throws Exception {
    byte[] png = new byte[3000];
    new Random(7).nextBytes(png);
    System.arraycopy(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 0x0d}, 0, png, 0, 12);
    Map<String, byte[]> imported = new LinkedHashMap<>();
    imported.put("img/logo.png", png);
    imported.put("data/with-nul.txt", "before\0after\n".getBytes(StandardCharsets.UTF_8));
    imported.put("docs/日本語.md", "# こんにちは\n".getBytes(StandardCharsets.UTF_8));
    imported.put("src/café/naïve.txt", "naïve café\n".getBytes(StandardCharsets.UTF_8));
    imported.put(".gitignore", "*.log\n".getBytes(StandardCharsets.UTF_8));
    // Tracked although .gitignore matches it: git keeps it, so the import does too.
    imported.put("build/output.log", "built\n".getBytes(StandardCharsets.UTF_8));
    imported.put("limit/exactly.txt", "x".repeat(MAX_FILE_BYTES).getBytes(StandardCharsets.UTF_8));
    String emoji = "emoji/\uD83C\uDF89.txt";
    String decomposed = "src/cafe\u0301/nfd.txt";
    Map<String, byte[]> skipped = new LinkedHashMap<>();
    skipped.put(emoji, "party\n".getBytes(StandardCharsets.UTF_8));
    skipped.put(decomposed, "decomposed\n".getBytes(StandardCharsets.UTF_8));
    skipped.put("limit/over.txt", "y".repeat(MAX_FILE_BYTES + 1).getBytes(StandardCharsets.UTF_8));
    Map<String, byte[]> all = new LinkedHashMap<>(imported);
    all.putAll(skipped);
    bareRepository("content", all, Map.of("link-to-readme", "docs/日本語.md"));

    ApiClient client = server.client();
    client.signup("content-dev", "correct horse battery");
    Workbench.storeCredentials(client, remote, GitHttpServer.PASSWORD);
    ApiClient.Response started = client.post("/api/projects/import", new JsonObject().put("url", remote.url("content")));
    assertEquals(202, started.status(), started.toString());
    JsonObject job = Workbench.awaitJob(client, started.json().getString("jobId"));
    assertEquals("succeeded", job.getString("state"), job.encode());
    assertEquals(imported.size(), job.getJsonObject("progress").getLong("total"), job.encode());
    assertEquals(imported.size(), job.getJsonObject("progress").getLong("done"), job.encode());

    JsonObject report = job.getJsonObject("skipped");
    assertEquals(4, report.getInteger("count"), job.encode());
    Map<String, String> reasons = new TreeMap<>();
    for (Object o : report.getJsonArray("files")) {
      JsonObject f = (JsonObject) o;
      reasons.put(f.getString("path"), f.getString("reason"));
      assertEquals(false, f.getString("message").isBlank(), f.encode());
    }
    assertEquals(new TreeMap<>(Map.of(
        emoji, "unsupported_path", decomposed, "unsupported_path", "limit/over.txt", "too_large",
        "link-to-readme", "symbolic_link")), reasons);

    Workbench w = new Workbench(client, server.baseUrl(), started.json().getString("projectId"));
    JsonArray listed = client.get("/api/projects/" + w.projectId() + "/files").array();
    Map<String, String> kinds = new TreeMap<>();
    listed.forEach(o -> kinds.put(((JsonObject) o).getString("path"), ((JsonObject) o).getString("kind")));
    Map<String, String> expectedKinds = new TreeMap<>();
    imported.keySet().forEach(p -> expectedKinds.put(p, "text"));
    expectedKinds.put("img/logo.png", "binary");
    expectedKinds.put("data/with-nul.txt", "binary");
    assertEquals(expectedKinds, kinds);
    for (Map.Entry<String, byte[]> f : imported.entrySet()) {
      assertArrayEquals(f.getValue(), w.bytes(f.getKey()), f.getKey());
    }

    // What stayed in git is neither deleted nor untracked to git, and a commit and push keep it.
    JsonObject status = w.git("GET", "status", null).json();
    assertEquals(0, status.getJsonArray("unstaged").size(), status.encode());
    assertEquals(0, status.getJsonArray("untracked").size(), status.encode());
    assertEquals(200, w.put("docs/日本語.md", "# こんばんは\n").status());
    assertEquals(201, w.git("POST", "commit", new JsonObject().put("message", "evening")
        .put("paths", new JsonArray().add("docs/日本語.md"))).status());
    assertEquals(200, w.git("POST", "push", null).status());
    BareRepo bare = BareRepo.open(remote.root(), "content");
    assertEquals("# こんばんは\n", bare.text("docs/日本語.md").orElseThrow());
    for (Map.Entry<String, byte[]> f : skipped.entrySet()) {
      assertArrayEquals(f.getValue(), bare.file(f.getKey()).orElseThrow(), f.getKey());
    }
    assertEquals("docs/日本語.md", bare.text("link-to-readme").orElseThrow());
  }

  /** A bare repository whose one commit holds the files and symbolic links exactly as named. */
  private static void bareRepository(String name, Map<String, byte[]> files, Map<String, String> links) throws Exception {
    try (DirectCommit commit = new DirectCommit(remote.root(), name)) {
      for (Map.Entry<String, byte[]> f : files.entrySet()) {
        commit.add(f.getKey(), FileMode.REGULAR_FILE, f.getValue());
      }
      for (Map.Entry<String, String> l : links.entrySet()) {
        commit.add(l.getKey(), FileMode.SYMLINK, l.getValue().getBytes(StandardCharsets.UTF_8));
      }
      commit.commit("awkward content");
    }
  }
}
