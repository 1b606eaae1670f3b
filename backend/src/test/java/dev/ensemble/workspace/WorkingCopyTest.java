package dev.ensemble.workspace;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ensemble.projects.Project;
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
    await(wc().materialise(project, dir));

    Files.writeString(dir.resolve("edit.txt"), "line one\nline 2\n");
    Files.delete(dir.resolve("remove.txt"));
    Files.createDirectories(dir.resolve("pkg"));
    Files.writeString(dir.resolve("pkg/new.txt"), "fresh\n");
    Files.createDirectories(dir.resolve(".git"));
    Files.writeString(dir.resolve(".git/config"), "[core]\n");
    Files.createSymbolicLink(dir.resolve("link.txt"), dir.resolve("keep.txt"));

    WorkingCopy.Applied applied = await(wc().applyBack(project, dir));

    assertEquals(List.of("edit.txt", "pkg/new.txt"), applied.written());
    assertEquals(List.of("remove.txt"), applied.deleted());
    assertEquals("line one\nline 2\n", read(project, "edit.txt"));
    assertEquals("fresh\n", read(project, "pkg/new.txt"));
    assertEquals(404, owner.get("/api/projects/" + project.id() + "/files/remove.txt").status());
    assertEquals(404, owner.get("/api/projects/" + project.id() + "/files/.git/config").status());
    assertTrue(owner.get("/api/projects/" + project.id() + "/files").array().stream()
        .noneMatch(e -> ((JsonObject) e).getString("path").startsWith("link")), "symbolic links are not followed");
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
