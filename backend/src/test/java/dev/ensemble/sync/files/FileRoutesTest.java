package dev.ensemble.sync.files;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ensemble.support.ApiClient;
import dev.ensemble.support.TestServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The files API: put, get, list, move and delete, text and binary, roles, paths and limits. */
class FileRoutesTest {
  private static TestServer server;
  private static String project;
  private static String ownerToken;
  private static String viewerToken;
  private static String strangerToken;
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @BeforeAll
  static void start() {
    server = TestServer.start();
    ApiClient owner = server.client();
    owner.signup("olga", "correct horse battery");
    ApiClient viewer = server.client();
    viewer.signup("vera", "correct horse battery");
    ApiClient stranger = server.client();
    stranger.signup("sam", "correct horse battery");
    ApiClient.Response created = owner.post("/api/projects", new JsonObject().put("name", "files"));
    assertEquals(201, created.status(), created.toString());
    project = created.json().getString("id");
    assertTrue(created.json().getString("rootDocUrl").startsWith("automerge:"), created.toString());
    owner.post("/api/projects/" + project + "/members", new JsonObject().put("username", "vera").put("role", "viewer"));
    ownerToken = token(owner);
    viewerToken = token(viewer);
    strangerToken = token(stranger);
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void projectJsonNamesItsRootDocument() {
    ApiClient.Response r = get(ownerToken, "/api/projects/" + project);
    assertEquals(200, r.status());
    assertTrue(r.json().getString("rootDocUrl").matches("automerge:[1-9A-HJ-NP-Za-km-z]+"), r.toString());
  }

  @Test
  void textFilesArePutReadListedMovedAndDeleted() {
    ApiClient.Response put = put(ownerToken, "notes/todo.md", "# todo\n- one\n".getBytes(StandardCharsets.UTF_8));
    assertEquals(201, put.status(), put.toString());
    JsonObject entry = put.json();
    assertEquals("notes/todo.md", entry.getString("path"));
    assertEquals("text", entry.getString("kind"));
    assertEquals(13, entry.getLong("size"));
    assertTrue(entry.getString("docUrl").startsWith("automerge:"));

    HttpResponse<byte[]> read = raw("GET", ownerToken, "notes/todo.md", null);
    assertEquals(200, read.statusCode());
    assertEquals("# todo\n- one\n", new String(read.body(), StandardCharsets.UTF_8));
    assertEquals("text/markdown; charset=utf-8", read.headers().firstValue("Content-Type").orElse(""));
    assertTrue(read.headers().firstValue("Content-Security-Policy").orElse("").contains("sandbox"));

    ApiClient.Response again = put(ownerToken, "notes/todo.md", "# todo\n- one\n- two\n".getBytes(StandardCharsets.UTF_8));
    assertEquals(200, again.status(), "replacing is not creating: " + again);
    assertEquals(entry.getString("docUrl"), again.json().getString("docUrl"), "the same document, edited");
    assertEquals("# todo\n- one\n- two\n", text(ownerToken, "notes/todo.md"));

    ApiClient.Response moved = post(ownerToken, "/api/projects/" + project + "/files:move",
        new JsonObject().put("from", "notes/todo.md").put("to", "done/todo.md"));
    assertEquals(200, moved.status(), moved.toString());
    assertEquals(entry.getString("docUrl"), moved.json().getString("docUrl"));
    assertEquals(404, raw("GET", ownerToken, "notes/todo.md", null).statusCode());
    assertEquals("# todo\n- one\n- two\n", text(ownerToken, "done/todo.md"));
    JsonArray list = get(ownerToken, "/api/projects/" + project + "/files").array();
    assertTrue(list.stream().anyMatch(o -> ((JsonObject) o).getString("path").equals("done/todo.md")), list.encode());
    assertTrue(list.stream().noneMatch(o -> ((JsonObject) o).getString("path").equals("notes/todo.md")), list.encode());

    assertEquals(204, raw("DELETE", ownerToken, "done/todo.md", null).statusCode());
    assertEquals(404, raw("GET", ownerToken, "done/todo.md", null).statusCode());
    assertEquals(404, raw("DELETE", ownerToken, "done/todo.md", null).statusCode());
  }

  @Test
  void moveRefusesATakenTargetAndAMissingSource() {
    put(ownerToken, "m/a.txt", "a".getBytes(StandardCharsets.UTF_8));
    put(ownerToken, "m/b.txt", "b".getBytes(StandardCharsets.UTF_8));
    String move = "/api/projects/" + project + "/files:move";
    assertEquals(409, post(ownerToken, move, new JsonObject().put("from", "m/a.txt").put("to", "m/b.txt")).status());
    assertEquals(404, post(ownerToken, move, new JsonObject().put("from", "m/nope.txt").put("to", "m/c.txt")).status());
    assertEquals(400, post(ownerToken, move, new JsonObject().put("from", "m/a.txt").put("to", "../c.txt")).status());
  }

  @Test
  void binaryContentIsStoredAsABlobAndReadBackExactly() {
    byte[] png = new byte[] {(byte) 0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, (byte) 0xff};
    ApiClient.Response put = put(ownerToken, "img/logo.png", png);
    assertEquals(201, put.status(), put.toString());
    assertEquals("binary", put.json().getString("kind"));
    assertEquals(png.length, put.json().getLong("size"));
    assertTrue(put.json().containsKey("blobId") && !put.json().containsKey("docUrl"), put.toString());
    HttpResponse<byte[]> read = raw("GET", ownerToken, "img/logo.png", null);
    assertEquals(200, read.statusCode());
    assertArrayEquals(png, read.body());
    assertEquals("image/png", read.headers().firstValue("Content-Type").orElse(""));

    byte[] other = new byte[] {0, 1, 2, 3};
    ApiClient.Response replaced = put(ownerToken, "img/logo.png", other);
    assertEquals(200, replaced.status());
    assertNotEquals(put.json().getString("blobId"), replaced.json().getString("blobId"));
    assertArrayEquals(other, raw("GET", ownerToken, "img/logo.png", null).body());
  }

  @Test
  void unicodePathsAndAstralTextRoundTrip() {
    String path = "доки/ünïcødé 文档/файл.txt";
    String content = "emoji 😀👍🏽 and ünïcødé\n";
    ApiClient.Response put = put(ownerToken, path, content.getBytes(StandardCharsets.UTF_8));
    assertEquals(201, put.status(), put.toString());
    assertEquals(path, put.json().getString("path"));
    assertEquals(content, text(ownerToken, path));
    put(ownerToken, path, "emoji 😀 🎉👍🏽 and ünïcødé!\n".getBytes(StandardCharsets.UTF_8));
    assertEquals("emoji 😀 🎉👍🏽 and ünïcødé!\n", text(ownerToken, path));
    // An encoded slash is a slash.
    assertEquals("emoji 😀 🎉👍🏽 and ünïcødé!\n", new String(rawEncoded("GET", ownerToken,
        URLEncoder.encode(path, StandardCharsets.UTF_8).replace("+", "%20")).body(), StandardCharsets.UTF_8));
  }

  @Test
  void viewersReadButMayNotWriteAndStrangersSeeNothing() {
    put(ownerToken, "v/readme.txt", "hi".getBytes(StandardCharsets.UTF_8));
    assertEquals("hi", text(viewerToken, "v/readme.txt"));
    assertEquals(200, get(viewerToken, "/api/projects/" + project + "/files").status());
    assertEquals(403, put(viewerToken, "v/readme.txt", "changed".getBytes(StandardCharsets.UTF_8)).status());
    assertEquals(403, raw("DELETE", viewerToken, "v/readme.txt", null).statusCode());
    assertEquals(403, post(viewerToken, "/api/projects/" + project + "/files:move",
        new JsonObject().put("from", "v/readme.txt").put("to", "v/x.txt")).status());
    assertEquals("hi", text(ownerToken, "v/readme.txt"));

    assertEquals(404, get(strangerToken, "/api/projects/" + project + "/files").status());
    assertEquals(404, raw("GET", strangerToken, "v/readme.txt", null).statusCode());
    assertEquals(404, put(strangerToken, "v/readme.txt", "x".getBytes(StandardCharsets.UTF_8)).status());
    assertEquals(401, HTTP_send("GET", null, "/api/projects/" + project + "/files", null).statusCode());
  }

  @Test
  void badPathsAndOversizeFilesAreRefused() {
    assertEquals(400, rawEncoded("PUT", ownerToken, "a/..%2F..%2Fetc", new byte[] {'x'}).statusCode(), "'..' encoded");
    assertEquals(400, rawEncoded("PUT", ownerToken, "%2Fetc%2Fpasswd", new byte[] {'x'}).statusCode(), "absolute, encoded");
    assertEquals(400, put(ownerToken, "emoji 😀.txt", "x".getBytes(StandardCharsets.UTF_8)).status(),
        "automerge-java cannot key a map by astral characters");
    assertEquals(400, put(ownerToken, "a/" + "d/".repeat(40) + "f", "x".getBytes(StandardCharsets.UTF_8)).status());
    assertEquals(400, put(ownerToken, "x".repeat(1100), "x".getBytes(StandardCharsets.UTF_8)).status());
    ApiClient.Response big = put(ownerToken, "big.bin", new byte[10 * 1024 * 1024 + 1]);
    assertEquals(413, big.status(), big.toString());
  }

  // ---- helpers -------------------------------------------------------------------------------

  private static String token(ApiClient client) {
    ApiClient.Response r = client.post("/api/tokens", new JsonObject().put("name", "files test"));
    assertEquals(201, r.status(), r.toString());
    return r.json().getString("token");
  }

  private static String text(String token, String path) {
    HttpResponse<byte[]> r = raw("GET", token, path, null);
    assertEquals(200, r.statusCode(), path);
    return new String(r.body(), StandardCharsets.UTF_8);
  }

  private static ApiClient.Response get(String token, String path) {
    HttpResponse<byte[]> r = HTTP_send("GET", token, path, null);
    return new ApiClient.Response(r.statusCode(), new String(r.body(), StandardCharsets.UTF_8), r.headers());
  }

  private static ApiClient.Response post(String token, String path, JsonObject body) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.baseUrl() + path))
        .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body.encode()));
    return response(b);
  }

  private static ApiClient.Response put(String token, String path, byte[] body) {
    HttpResponse<byte[]> r = raw("PUT", token, path, body);
    return new ApiClient.Response(r.statusCode(), new String(r.body(), StandardCharsets.UTF_8), r.headers());
  }

  /** A request to a file, its path segments percent-encoded. */
  private static HttpResponse<byte[]> raw(String method, String token, String path, byte[] body) {
    StringBuilder encoded = new StringBuilder();
    for (String segment : path.split("/", -1)) {
      if (encoded.length() > 0) {
        encoded.append('/');
      }
      encoded.append(URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20"));
    }
    return rawEncoded(method, token, encoded.toString(), body);
  }

  private static HttpResponse<byte[]> rawEncoded(String method, String token, String encodedPath) {
    return rawEncoded(method, token, encodedPath, null);
  }

  private static HttpResponse<byte[]> rawEncoded(String method, String token, String encodedPath, byte[] body) {
    return HTTP_send(method, token, "/api/projects/" + project + "/files/" + encodedPath, body);
  }

  private static HttpResponse<byte[]> HTTP_send(String method, String token, String path, byte[] body) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.baseUrl() + path))
        .timeout(java.time.Duration.ofSeconds(30))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    try {
      return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (Exception e) {
      throw new IllegalStateException(method + " " + path + ": " + e, e);
    }
  }

  private static ApiClient.Response response(HttpRequest.Builder b) {
    try {
      HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
      return new ApiClient.Response(r.statusCode(), r.body(), r.headers());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

}
