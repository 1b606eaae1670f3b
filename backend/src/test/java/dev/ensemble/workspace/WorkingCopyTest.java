package dev.ensemble.workspace;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ensemble.projects.Project;
import dev.ensemble.sync.files.FilePath;
import dev.ensemble.support.ApiClient;
import dev.ensemble.support.TempDirs;
import dev.ensemble.support.TestServer;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The project's files on disk are exactly what collaborators see, and tools' changes flow back. */
class WorkingCopyTest {
  private static TestServer server;
  private static ApiClient owner;
  private static UUID ownerId;

  @BeforeAll
  static void start() {
    server = TestServer.start();
    owner = server.client();
    ownerId = UUID.fromString(owner.signup("wc_owner", "long enough pw").getString("id"));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void materialiseWritesTheTreeAndRemovesWhatLeftItButNotDotGit() throws Exception {
    Project project = newProject("materialise");
    put(project, "main.py", "print('héllo 👋')\n".getBytes(StandardCharsets.UTF_8));
    put(project, "src/lib/util.py", "X = 1\n".getBytes(StandardCharsets.UTF_8));
    byte[] png = {(byte) 0x89, 'P', 'N', 'G', 0, 1, 2, 3, (byte) 0xff};
    put(project, "assets/logo.png", png);
    Path dir = TempDirs.create("wc").resolve("copy");
    Files.createDirectories(dir.resolve(".git"));
    Files.writeString(dir.resolve(".git/HEAD"), "ref: refs/heads/main\n");
    Files.createDirectories(dir.resolve("old"));
    Files.writeString(dir.resolve("old/stale.txt"), "gone");

    await(wc().materialise(project, dir));

    assertEquals("print('héllo 👋')\n", Files.readString(dir.resolve("main.py")));
    assertEquals("X = 1\n", Files.readString(dir.resolve("src/lib/util.py")));
    assertArrayEquals(png, Files.readAllBytes(dir.resolve("assets/logo.png")));
    assertFalse(Files.exists(dir.resolve("old")), "stale files and their empty directories go");
    assertEquals("ref: refs/heads/main\n", Files.readString(dir.resolve(".git/HEAD")), ".git is left alone");

    assertEquals(204, owner.delete("/api/projects/" + project.id() + "/files/src/lib/util.py").status());
    await(wc().materialise(project, dir));
    assertFalse(Files.exists(dir.resolve("src/lib/util.py")));
  }

  @Test
  void applyBackTurnsDiskChangesIntoDocumentEdits() throws Exception {
    Project project = newProject("apply");
    put(project, "keep.txt", "unchanged\n".getBytes(StandardCharsets.UTF_8));
    put(project, "edit.txt", "line one\nline two\n".getBytes(StandardCharsets.UTF_8));
    put(project, "remove.txt", "bye\n".getBytes(StandardCharsets.UTF_8));
    Path dir = TempDirs.create("wc").resolve("copy");
    WorkingCopy.Snapshot base = await(wc().materialise(project, dir));

    Files.writeString(dir.resolve("edit.txt"), "line one\nline 2\n");
    Files.delete(dir.resolve("remove.txt"));
    Files.createDirectories(dir.resolve("pkg"));
    Files.writeString(dir.resolve("pkg/new.txt"), "fresh\n");
    Files.createDirectories(dir.resolve(".git"));
    Files.writeString(dir.resolve(".git/config"), "[core]\n");
    Files.createSymbolicLink(dir.resolve("link.txt"), dir.resolve("keep.txt"));

    WorkingCopy.Applied applied = await(wc().applyBack(project, base));

    assertEquals(List.of("pkg/new.txt"), applied.written());
    assertEquals(List.of("edit.txt"), applied.merged(), "a changed text file is an edit against what was materialised");
    assertEquals(List.of("remove.txt"), applied.deleted());
    assertEquals("line one\nline 2\n", read(project, "edit.txt"));
    assertEquals("fresh\n", read(project, "pkg/new.txt"));
    assertEquals(404, owner.get("/api/projects/" + project.id() + "/files/remove.txt").status());
    assertEquals(404, owner.get("/api/projects/" + project.id() + "/files/.git/config").status());
    assertTrue(owner.get("/api/projects/" + project.id() + "/files").array().stream()
        .noneMatch(e -> ((JsonObject) e).getString("path").startsWith("link")), "symbolic links are not followed");
  }

  @Test
  void editsMadeWhileAToolRanAreMergedNeverOverwritten() throws Exception {
    Project project = newProject("three-way");
    put(project, "both.txt", "alpha\nbeta\ngamma\ndelta\n".getBytes(StandardCharsets.UTF_8));
    put(project, "same-line.txt", "say hello world\n".getBytes(StandardCharsets.UTF_8));
    put(project, "untouched-by-tool.txt", "v1\n".getBytes(StandardCharsets.UTF_8));
    put(project, "removed-by-tool.txt", "old\n".getBytes(StandardCharsets.UTF_8));
    put(project, "binary.bin", new byte[] {0, 1, 2});
    Path dir = TempDirs.create("wc").resolve("copy");
    WorkingCopy.Snapshot base = await(wc().materialise(project, dir));

    // collaborators keep typing while the tool works on the copy
    put(project, "both.txt", "alpha 👋 typed live\nbeta\ngamma\ndelta\n".getBytes(StandardCharsets.UTF_8));
    put(project, "same-line.txt", "say hello brave world\n".getBytes(StandardCharsets.UTF_8));
    put(project, "untouched-by-tool.txt", "v2 typed live\n".getBytes(StandardCharsets.UTF_8));
    put(project, "removed-by-tool.txt", "old, but edited live\n".getBytes(StandardCharsets.UTF_8));
    put(project, "binary.bin", new byte[] {0, 9, 9});
    put(project, "created-live.txt", "new while the tool ran\n".getBytes(StandardCharsets.UTF_8));

    // the tool's own changes, made against what was materialised
    Files.writeString(dir.resolve("both.txt"), "alpha\nbeta\ngamma from git\ndelta\n");
    Files.writeString(dir.resolve("same-line.txt"), "say hello world, again\n");
    Files.delete(dir.resolve("removed-by-tool.txt"));
    Files.write(dir.resolve("binary.bin"), new byte[] {0, 7, 7});

    WorkingCopy.Applied applied = await(wc().applyBack(project, base));

    assertEquals("alpha 👋 typed live\nbeta\ngamma from git\ndelta\n", read(project, "both.txt"),
        "edits on different lines both land");
    String sameLine = read(project, "same-line.txt");
    assertTrue(sameLine.contains("brave") && sameLine.contains(", again"), "both edits of one line survive: " + sameLine);
    assertEquals("v2 typed live\n", read(project, "untouched-by-tool.txt"), "a file the tool did not change keeps live edits");
    assertEquals("old, but edited live\n", read(project, "removed-by-tool.txt"), "a file edited live is not deleted");
    assertEquals("new while the tool ran\n", read(project, "created-live.txt"), "a file created live stays");
    assertArrayEquals(new byte[] {0, 9, 9}, await(server.app().services().files().read(project, new FilePath("binary.bin"))).orElseThrow().bytes(),
        "a binary file changed on both sides keeps the live version");
    assertEquals(List.of("both.txt", "same-line.txt"), applied.merged());
    assertEquals(List.of(), applied.deleted());
    assertTrue(applied.skipped().containsKey("removed-by-tool.txt") && applied.skipped().containsKey("binary.bin"),
        "what could not be taken in is reported: " + applied.skipped());
    JsonObject entry = owner.get("/api/projects/" + project.id() + "/files").array().stream()
        .map(JsonObject.class::cast).filter(e -> e.getString("path").equals("both.txt")).findFirst().orElseThrow();
    assertEquals("alpha 👋 typed live\nbeta\ngamma from git\ndelta\n".getBytes(StandardCharsets.UTF_8).length,
        entry.getLong("size"), "the tree records the merged size");
  }

  private static WorkingCopy wc() {
    return server.app().services().workingCopy();
  }

  private static Project newProject(String name) throws Exception {
    String id = owner.post("/api/projects", new JsonObject().put("name", name)).json().getString("id");
    return await(server.app().services().projects().find(UUID.fromString(id), ownerId)).orElseThrow();
  }

  private static void put(Project project, String path, byte[] body) {
    ApiClient.Response r = owner.sendBytes("PUT", "/api/projects/" + project.id() + "/files/" + path, body);
    assertTrue(r.status() == 200 || r.status() == 201, r.toString());
  }

  private static String read(Project project, String path) {
    return owner.get("/api/projects/" + project.id() + "/files/" + path).body();
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
