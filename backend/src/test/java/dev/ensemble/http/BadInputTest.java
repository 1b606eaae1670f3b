package dev.ensemble.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ensemble.support.ApiClient;
import dev.ensemble.support.ApiClient.Response;
import dev.ensemble.support.TestServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Whatever a client sends, a bad request gets a 4xx with one JSON error shape
 * ({@code {"error": {code, message, field?}}}) and leaves every stored thing as it was.
 */
class BadInputTest {
  private static final String PASSWORD = "correct horse battery";
  private static TestServer server;
  private static ApiClient owner;
  private static String project;
  private static String member;
  private static String invite;

  @BeforeAll
  static void start() {
    server = TestServer.start();
    owner = server.client();
    owner.signup("owner", PASSWORD);
    member = server.client().signup("member", PASSWORD).getString("id");
    project = owner.post("/api/projects", new JsonObject().put("name", "Sound")).json().getString("id");
    assertEquals(201, owner.post(members(), new JsonObject().put("username", "member").put("role", "viewer")).status());
    invite = owner.post(invites(), new JsonObject().put("role", "viewer")).json().getString("id");
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  /** Every test must leave the fixture exactly as it found it; this is what it looks like. */
  private Snapshot before;

  @BeforeEach
  void takeSnapshot() {
    before = Snapshot.of(owner);
  }

  record Snapshot(JsonArray projects, JsonArray members, JsonArray invites, JsonArray tokens, JsonObject me) {
    static Snapshot of(ApiClient c) {
      return new Snapshot(
          c.get("/api/projects").array(), c.get(BadInputTest.members()).array(), c.get(BadInputTest.invites()).array(),
          c.get("/api/tokens").array(), c.get("/api/me").json());
    }
  }

  private void assertNothingChanged() {
    assertEquals(before, Snapshot.of(owner));
  }

  @Test
  void malformedJsonIsRefused() {
    Response r = owner.send("POST", "/api/projects", "{\"name\": \"Half", "application/json");
    assertError(400, "malformed_json", r);
    assertNothingChanged();
  }

  @Test
  void anEmptyBodyIsRefused() {
    Response r = owner.send("POST", "/api/projects", "", "application/json");
    assertError(400, "malformed_json", r);
    assertNothingChanged();
  }

  @Test
  void aJsonArrayInsteadOfAnObjectIsRefused() {
    Response r = owner.send("POST", "/api/projects", "[{\"name\": \"Listed\"}]", "application/json");
    assertError(400, "malformed_json", r);
    for (String scalar : List.of("\"Quoted\"", "42", "null")) {
      assertError(400, "malformed_json", owner.send("POST", "/api/projects", scalar, "application/json"));
    }
    assertNothingChanged();
  }

  @Test
  void aValueOfTheWrongTypeNamesItsField() {
    assertFieldError("name", owner.post("/api/projects", new JsonObject().put("name", 5)));
    assertFieldError("name", owner.patch(projectPath(), new JsonObject().put("name", true)));
    assertFieldError("role", owner.post(invites(), new JsonObject().put("role", List.of("viewer"))));
    assertFieldError("expiresInHours", owner.post(invites(), new JsonObject().put("role", "viewer").put("expiresInHours", "24")));
    assertFieldError("displayName", owner.patch("/api/me", new JsonObject().put("displayName", new JsonObject())));
    assertNothingChanged();
  }

  @Test
  void unknownFieldsAreRefusedAndNamed() {
    Response r = owner.post("/api/projects", new JsonObject().put("name", "Extra").put("color", "red"));
    assertFieldError("color", r);
    assertFieldError("ownerId", owner.patch(projectPath(), new JsonObject().put("name", "Taken over").put("ownerId", member)));
    assertNothingChanged();
  }

  @Test
  void aMissingRequiredFieldIsNamed() {
    assertFieldError("name", owner.post("/api/projects", new JsonObject()));
    assertFieldError("role", owner.post(members(), new JsonObject().put("username", "member")));
    Response signup = server.client().post("/api/auth/signup", new JsonObject().put("username", "halfway"));
    assertFieldError("password", signup);
    assertFalse(accountExists("halfway"));
    assertNothingChanged();
  }

  @Test
  void blankNamesAreRefused() {
    assertFieldError("name", owner.post("/api/projects", new JsonObject().put("name", "   ")));
    assertFieldError("name", owner.post("/api/projects", new JsonObject().put("name", "n".repeat(101))));
    assertFieldError("displayName", owner.patch("/api/me", new JsonObject().put("displayName", " \t ")));
    assertNothingChanged();
  }

  @Test
  void aBodyThatIsNotJsonByContentTypeIsRefused() {
    String valid = new JsonObject().put("name", "Typed").encode();
    for (String type : List.of("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x")) {
      Response r = owner.send("POST", "/api/projects", valid, type);
      // 415 would name the problem more precisely; the code is what clients rely on.
      assertError(415, "unsupported_media_type", r);
    }
    assertNothingChanged();
  }

  @Test
  void anOversizeBodyIsRefusedBeforeItIsRead() {
    try (TestServer small = TestServer.start(Map.of("ENSEMBLE_MAX_BODY_BYTES", "2048"))) {
      ApiClient client = small.client();
      client.signup("owner", PASSWORD);
      String huge = new JsonObject().put("name", "x".repeat(10 * 1024)).encode();
      Response r = client.send("POST", "/api/projects", huge, "application/json");
      assertError(413, "payload_too_large", r);
      assertEquals(0, client.get("/api/projects").array().size());
      Response fits = client.post("/api/projects", new JsonObject().put("name", "Small enough"));
      assertEquals(201, fits.status(), "the connection and session survive: " + fits);
    }
  }

  @Test
  void sqlMetacharactersAreStoredAndReturnedVerbatim() {
    String name = "'; DROP TABLE projects; --";
    Response created = owner.post("/api/projects", new JsonObject().put("name", name));
    assertEquals(201, created.status(), created.toString());
    String id = created.json().getString("id");
    assertEquals(name, owner.get("/api/projects/" + id).json().getString("name"));

    String renamed = "Robert'); DROP TABLE users;-- \" \\ %_";
    assertEquals(200, owner.patch("/api/projects/" + id, new JsonObject().put("name", renamed)).status());
    assertEquals(renamed, owner.get("/api/projects/" + id).json().getString("name"));

    Response lookup = owner.post(members(), new JsonObject().put("username", "' OR '1'='1").put("role", "viewer"));
    assertError(404, "not_found", lookup);
    Response likeWildcard = owner.post(members(), new JsonObject().put("username", "%").put("role", "viewer"));
    assertError(404, "not_found", likeWildcard);

    // The tables are intact: every list still reads, and the only change is the new project.
    assertEquals(before.projects().size() + 1, owner.get("/api/projects").array().size());
    assertEquals(before.members(), owner.get(members()).array());
    assertEquals(200, server.client().post("/api/auth/login", credentials("member", PASSWORD)).status());
    assertEquals(204, owner.delete("/api/projects/" + id).status());
    assertNothingChanged();
  }

  @Test
  void usernamesOutsideTheAllowedShapeAreRefused() {
    ApiClient anonymous = server.client();
    for (String username : List.of("a".repeat(33), "a".repeat(10_000), "two words", "jürgen", "名前", "tab\there", "ab")) {
      Response r = anonymous.post("/api/auth/signup", credentials(username, PASSWORD));
      assertFieldError("username", r);
      assertFalse(r.body().contains(PASSWORD), "the password is never echoed");
    }
    assertEquals(32, server.client().signup("b".repeat(32), PASSWORD).getString("username").length());
    assertFalse(accountExists("a".repeat(33)));
    assertFalse(accountExists("two words"));
    assertFalse(accountExists("jürgen"));
  }

  @Test
  void aLoginWithAnAbsurdUsernameIsRefusedAsInput() {
    Response r = server.client().post("/api/auth/login", credentials("a".repeat(10_000), PASSWORD));
    assertFieldError("username", r);
  }

  @Test
  void aTooShortPasswordIsRefused() {
    Response r = server.client().post("/api/auth/signup", credentials("shortpass", "seven77"));
    assertFieldError("password", r);
    assertFalse(r.body().contains("seven77"));
    assertFalse(accountExists("shortpass"));
  }

  @Test
  void idsThatAreNotUuidsAreNotFound() {
    for (String bad : List.of("not-a-uuid", "123", "' OR 1=1 --", "00000000-0000-0000-0000-00000000000g")) {
      String enc = URLEncoder.encode(bad, StandardCharsets.UTF_8).replace("+", "%20");
      assertError(404, "not_found", owner.get("/api/projects/" + enc));
      assertError(404, "not_found", owner.get("/api/projects/" + enc + "/members"));
      assertError(404, "not_found", owner.patch("/api/projects/" + enc, new JsonObject().put("name", "Nope")));
      assertError(404, "not_found", owner.delete("/api/projects/" + enc));
      assertError(404, "not_found", owner.patch(members() + "/" + enc, new JsonObject().put("role", "editor")));
      assertError(404, "not_found", owner.delete(members() + "/" + enc));
      assertError(404, "not_found", owner.delete(invites() + "/" + enc));
      assertError(404, "not_found", owner.delete("/api/tokens/" + enc));
      assertError(404, "not_found", owner.get("/api/invites/" + enc));
      assertError(404, "not_found", owner.post("/api/invites/" + enc + "/accept", null));
    }
    assertNothingChanged();
  }

  @Test
  void anInvalidRoleIsRefusedAndNamed() {
    assertFieldError("role", owner.post(members(), new JsonObject().put("username", "owner").put("role", "admin")));
    assertFieldError("role", owner.patch(members() + "/" + member, new JsonObject().put("role", "superuser")));
    assertFieldError("role", owner.patch(members() + "/" + member, new JsonObject().put("role", "OWNER")));
    // Invite links cannot hand out ownership.
    assertFieldError("role", owner.post(invites(), new JsonObject().put("role", "owner")));
    assertNothingChanged();
  }

  @Test
  void anInviteLifetimeOutsideItsRangeIsRefused() {
    for (int hours : List.of(0, -1, 721, 10_000)) {
      assertFieldError(
          "expiresInHours", owner.post(invites(), new JsonObject().put("role", "viewer").put("expiresInHours", hours)));
    }
    assertFieldError(
        "expiresInHours", owner.post(invites(), new JsonObject().put("role", "viewer").put("expiresInHours", 1.5)));
    assertNothingChanged();
  }

  @Test
  void aTokenLifetimeOutsideItsRangeIsRefused() {
    for (int days : List.of(0, 3651)) {
      assertFieldError(
          "expiresInDays", owner.post("/api/tokens", new JsonObject().put("name", "bad").put("expiresInDays", days)));
    }
    assertNothingChanged();
  }

  @Test
  void anUnknownApiRouteIsAJsonNotFound() {
    assertError(404, "not_found", owner.get("/api/nothing-here"));
    assertError(404, "not_found", owner.post("/api/projects/" + project + "/nothing", new JsonObject()));
    assertNothingChanged();
  }

  // --- helpers ----------------------------------------------------------------------------------

  private static String projectPath() {
    return "/api/projects/" + project;
  }

  private static String members() {
    return projectPath() + "/members";
  }

  private static String invites() {
    return projectPath() + "/invites";
  }

  private static JsonObject credentials(String username, String password) {
    return new JsonObject().put("username", username).put("password", password);
  }

  /** Looks the name up the way an owner adding a member would: 404 means there is no such account. */
  private static boolean accountExists(String username) {
    String scratch = owner.post("/api/projects", new JsonObject().put("name", "Scratch")).json().getString("id");
    try {
      int status =
          owner.post("/api/projects/" + scratch + "/members", new JsonObject().put("username", username).put("role", "viewer"))
              .status();
      assertTrue(status == 201 || status == 404, "lookup of " + username + ": " + status);
      return status == 201;
    } finally {
      assertEquals(204, owner.delete("/api/projects/" + scratch).status());
    }
  }

  private static JsonObject assertError(int status, String code, Response r) {
    assertEquals(status, r.status(), r.toString());
    assertTrue(
        r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"),
        "error is JSON: " + r.headers().map());
    JsonObject error = r.json().getJsonObject("error");
    assertNotNull(error, r.toString());
    assertEquals(code, error.getString("code"), r.toString());
    assertFalse(error.getString("message", "").isBlank(), "a message for people: " + r);
    return error;
  }

  private static void assertFieldError(String field, Response r) {
    JsonObject error = assertError(400, "validation_failed", r);
    assertEquals(field, error.getString("field"), r.toString());
  }
}
