package dev.ensemble.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ensemble.support.ApiClient;
import dev.ensemble.support.TestServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A stock automerge-repo client (Node) holding a file open sees a REST PUT arrive as a small
 * change: its cursors before and after the edited region stay on the same characters, across
 * astral characters that automerge-java and automerge-js count differently.
 */
class SyncFilesLiveTest {
  private static TestServer server;

  @BeforeAll
  static void start() {
    server = TestServer.start();
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void putArrivesAsAMinimalEditAndCursorsStayPut() {
    ApiClient alice = server.client();
    alice.signup("alice", "correct horse battery");
    String project = alice.post("/api/projects", new JsonObject().put("name", "live 😀")).json().getString("id");
    String token = alice.post("/api/tokens", new JsonObject().put("name", "live")).json().getString("token");

    JsonObject r = NodeScenario.run("files", Map.of(
        "BASE_URL", server.baseUrl(),
        "PROJECT", project,
        "TOKEN", token,
        "SYNC_URL", "ws://127.0.0.1:" + server.port() + "/sync?project=" + project + "&access_token=" + token));

    String before = "😀 one\ntwo\nthree 👍🏽\nfour\n";
    String after = "😀 one\ntwo and 🎉 more\nthree 👍🏽\nfour\n";
    assertEquals(before, r.getString("textBefore"));
    assertEquals(after, r.getString("textAfter"));
    assertTrue(r.getBoolean("sameDocument"), "a PUT of an existing text file edits its document");
    assertTrue(r.getInteger("changeEvents") >= 1, "the client saw a change event: " + r);
    JsonArray patches = r.getJsonArray("patches");
    assertTrue(patches.size() <= 2, "a small change, not a rewrite: " + patches);
    for (Object p : patches) {
      JsonObject patch = (JsonObject) p;
      assertTrue(!"del".equals(patch.getString("action")) || patch.getInteger("length", 1) <= 1, "no large deletion: " + patches);
    }
    assertEquals(r.getInteger("expectedBeforeAt"), r.getInteger("cursorBeforeAt"), "a cursor before the edit stays");
    assertEquals(r.getInteger("expectedAfterAt"), r.getInteger("cursorAfterAt"), "a cursor after the edit moves with its text");

    JsonObject entry = r.getJsonObject("rootEntry");
    assertEquals("text", entry.getString("kind"));
    assertTrue(entry.getBoolean("docUrlIsString"), "root document strings read as plain strings in JS: " + entry);
    assertEquals(before.getBytes(StandardCharsets.UTF_8).length, entry.getInteger("size"));
    assertEquals(after.getBytes(StandardCharsets.UTF_8).length, r.getInteger("rootSizeAfter"));
    assertEquals("live 😀", r.getString("rootName"));
    assertEquals("renamed 🎉", r.getString("rootNameAfterRename"), "a rename shows in the root document live");
  }
}
