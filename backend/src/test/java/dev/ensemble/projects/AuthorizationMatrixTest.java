package dev.ensemble.projects;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicContainer.dynamicContainer;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import dev.ensemble.support.ApiClient;
import dev.ensemble.support.ApiClient.Response;
import dev.ensemble.support.TestServer;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Who may call what: every API route against every kind of caller, once with the browser's session
 * cookie and once with a personal access token. Each cell runs on a fresh project, so a destructive
 * call that succeeds never decides the outcome of another cell, and every request body is valid so
 * the status reflects authorization alone.
 */
class AuthorizationMatrixTest {
  private static final String PASSWORD = "correct horse battery";
  private static final AtomicInteger NEWCOMERS = new AtomicInteger();

  /** The kinds of caller, from nobody to the project's owner. */
  enum Who {
    ANONYMOUS, OUTSIDER, VIEWER, EDITOR, OWNER;

    String username() {
      return name().toLowerCase(Locale.ROOT);
    }

    boolean loggedIn() {
      return this != ANONYMOUS;
    }
  }

  /** How a logged-in caller proves who they are. */
  enum Credential {
    SESSION_COOKIE, ACCESS_TOKEN
  }

  /** The status each kind of caller must get. */
  record Expected(int anonymous, int outsider, int viewer, int editor, int owner) {
    int of(Who who) {
      return switch (who) {
        case ANONYMOUS -> anonymous;
        case OUTSIDER -> outsider;
        case VIEWER -> viewer;
        case EDITOR -> editor;
        case OWNER -> owner;
      };
    }
  }

  /** Project routes: members may read, only owners may change. */
  private static final Expected MEMBERS_READ = new Expected(401, 404, 200, 200, 200);
  private static final Expected OWNER_ONLY_200 = new Expected(401, 404, 403, 403, 200);
  private static final Expected OWNER_ONLY_201 = new Expected(401, 404, 403, 403, 201);
  private static final Expected OWNER_ONLY_204 = new Expected(401, 404, 403, 403, 204);
  /** Routes of one's own account: anyone logged in. */
  private static final Expected LOGGED_IN_200 = new Expected(401, 200, 200, 200, 200);
  private static final Expected LOGGED_IN_201 = new Expected(401, 201, 201, 201, 201);
  private static final Expected LOGGED_IN_204 = new Expected(401, 204, 204, 204, 204);
  private static final Expected PUBLIC_200 = new Expected(200, 200, 200, 200, 200);
  private static final Expected PUBLIC_201 = new Expected(201, 201, 201, 201, 201);

  /**
   * A fresh project owned by OWNER with EDITOR, VIEWER and a plain member, one live invite, and
   * one access token of OWNER's.
   */
  record Fixture(String project, String member, String invite, String inviteToken, String ownersToken) {
    String path(String template) {
      return template
          .replace("{project}", project)
          .replace("{member}", member)
          .replace("{invite}", invite)
          .replace("{inviteToken}", inviteToken)
          .replace("{ownersToken}", ownersToken);
    }
  }

  /**
   * One route: its request and who gets which status. {@code ownSession} marks calls that end or
   * replace the caller's session, which therefore run on a session of their own.
   */
  record Route(
      String method, String template, Function<Fixture, JsonObject> body, boolean ownSession, Expected expected) {
    String name() {
      return method + " " + template;
    }

    boolean projectScoped() {
      return template.startsWith("/api/projects/{project}");
    }

    Response call(ApiClient client, Fixture f) {
      return call(client, f.path(template), f);
    }

    Response call(ApiClient client, String path, Fixture f) {
      JsonObject b = body == null ? null : body.apply(f);
      return client.send(method, path, b == null ? null : b.encode(), "application/json");
    }
  }

  private static final List<Route> ROUTES =
      List.of(
          route("GET", "/api/projects/{project}", null, MEMBERS_READ),
          route("PATCH", "/api/projects/{project}", f -> json("name", "Renamed"), OWNER_ONLY_200),
          route("DELETE", "/api/projects/{project}", null, OWNER_ONLY_204),
          route("GET", "/api/projects/{project}/members", null, MEMBERS_READ),
          route(
              "POST", "/api/projects/{project}/members",
              f -> json("username", Who.OUTSIDER.username()).put("role", "viewer"), OWNER_ONLY_201),
          route("PATCH", "/api/projects/{project}/members/{member}", f -> json("role", "editor"), OWNER_ONLY_200),
          route("DELETE", "/api/projects/{project}/members/{member}", null, OWNER_ONLY_204),
          route("POST", "/api/projects/{project}/invites", f -> json("role", "viewer"), OWNER_ONLY_201),
          route("GET", "/api/projects/{project}/invites", null, OWNER_ONLY_200),
          route("DELETE", "/api/projects/{project}/invites/{invite}", null, OWNER_ONLY_204),
          // Whoever holds an invite link may look at it and accept it; members keep their role.
          route("GET", "/api/invites/{inviteToken}", null, LOGGED_IN_200),
          route("POST", "/api/invites/{inviteToken}/accept", null, LOGGED_IN_200),
          route("GET", "/api/projects", null, LOGGED_IN_200),
          route("POST", "/api/projects", f -> json("name", "Another"), LOGGED_IN_201),
          route("GET", "/api/me", null, LOGGED_IN_200),
          route("PATCH", "/api/me", f -> json("displayName", "Someone"), LOGGED_IN_200),
          route("POST", "/api/tokens", f -> json("name", "laptop"), LOGGED_IN_201),
          route("GET", "/api/tokens", null, LOGGED_IN_200),
          // Someone else's token is as absent as one that never existed.
          route("DELETE", "/api/tokens/{ownersToken}", null, new Expected(401, 404, 404, 404, 204)),
          route("GET", "/api/auth/providers", null, PUBLIC_200),
          new Route(
              "POST", "/api/auth/signup",
              f -> json("username", "newcomer" + NEWCOMERS.incrementAndGet()).put("password", PASSWORD),
              true, PUBLIC_201),
          new Route(
              "POST", "/api/auth/login",
              f -> json("username", Who.OWNER.username()).put("password", PASSWORD), true, PUBLIC_200),
          new Route("POST", "/api/auth/logout", null, true, LOGGED_IN_204));

  private static TestServer server;
  private static final Map<Who, ApiClient> sessions = new EnumMap<>(Who.class);
  private static final Map<Who, String> accessTokens = new EnumMap<>(Who.class);
  private static final Map<Who, String> userIds = new EnumMap<>(Who.class);
  private static String plainMemberId;

  @BeforeAll
  static void signUpEveryone() {
    server = TestServer.start();
    for (Who who : Who.values()) {
      if (!who.loggedIn()) {
        continue;
      }
      ApiClient client = server.client();
      userIds.put(who, client.signup(who.username(), PASSWORD).getString("id"));
      sessions.put(who, client);
      accessTokens.put(who, created(client.post("/api/tokens", json("name", "matrix"))).getString("token"));
    }
    plainMemberId = server.client().signup("member", PASSWORD).getString("id");
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  @TestFactory
  Stream<DynamicContainer> everyRouteWithASessionCookie() {
    return matrix(Credential.SESSION_COOKIE, Arrays.stream(Who.values()));
  }

  @TestFactory
  Stream<DynamicContainer> everyRouteWithAnAccessToken() {
    return matrix(Credential.ACCESS_TOKEN, Arrays.stream(Who.values()).filter(Who::loggedIn));
  }

  private static Stream<DynamicContainer> matrix(Credential credential, Stream<Who> callers) {
    List<Who> who = callers.toList();
    return ROUTES.stream()
        .map(route -> dynamicContainer(route.name(), who.stream().map(w -> cell(route, w, credential))));
  }

  /** One route called by one kind of caller, on a fresh fixture. */
  private static DynamicTest cell(Route route, Who who, Credential credential) {
    int expected = route.expected().of(who);
    return dynamicTest(
        "as " + who.username() + " -> " + expected,
        () -> {
          Response r = route.call(caller(who, credential, route.ownSession()), fixture());
          assertEquals(expected, r.status(), route.name() + " as " + who.username() + " with " + credential + ": " + r);
          if (r.status() >= 400) {
            assertErrorShape(r);
          }
        });
  }

  @TestFactory
  Stream<DynamicTest> anUnknownProjectLooksExactlyLikeAForeignOne() {
    return ROUTES.stream()
        .filter(Route::projectScoped)
        .map(
            route ->
                dynamicTest(
                    route.name(),
                    () -> {
                      Fixture f = fixture();
                      String unknown = f.path(route.template()).replace(f.project(), UUID.randomUUID().toString());
                      Response asOwnerOfNothing = route.call(sessions.get(Who.OWNER), unknown, f);
                      Response asOutsider = route.call(sessions.get(Who.OUTSIDER), f);
                      assertEquals(
                          404, asOwnerOfNothing.status(), route.name() + " on an unknown project: " + asOwnerOfNothing);
                      assertEquals(404, asOutsider.status(), route.name() + " as outsider: " + asOutsider);
                      assertEquals(asOutsider.json(), asOwnerOfNothing.json(), route.name());
                    }));
  }

  @Test
  void aViewerOrEditorMayLeaveAProject() {
    for (Who who : List.of(Who.VIEWER, Who.EDITOR)) {
      Fixture f = fixture();
      ApiClient member = sessions.get(who);
      Response left = member.delete("/api/projects/" + f.project() + "/members/" + userIds.get(who));
      assertEquals(204, left.status(), who + " leaving: " + left);
      assertEquals(404, member.get("/api/projects/" + f.project()).status());
      Set<String> remaining =
          sessions.get(Who.OWNER).get("/api/projects/" + f.project() + "/members").array().stream()
              .map(m -> ((JsonObject) m).getString("username"))
              .collect(Collectors.toSet());
      Set<String> expected = new HashSet<>(Set.of("owner", "editor", "viewer", "member"));
      expected.remove(who.username());
      assertEquals(expected, remaining);
    }
  }

  @Test
  void theLastOwnerCannotLeave() {
    Fixture f = fixture();
    Response r = sessions.get(Who.OWNER).delete("/api/projects/" + f.project() + "/members/" + userIds.get(Who.OWNER));
    assertEquals(409, r.status(), r.toString());
    assertEquals("last_owner", r.errorCode());
    assertEquals("owner", sessions.get(Who.OWNER).get("/api/projects/" + f.project()).json().getString("role"));
  }

  @Test
  void anAccessTokenActsAsItsUserWithoutACsrfHeader() {
    Fixture f = fixture();
    ApiClient bearer = server.client().withBearer(accessTokens.get(Who.OWNER)).withoutCsrf();
    assertEquals("owner", bearer.get("/api/me").json().getJsonObject("user").getString("username"));
    Response renamed = bearer.patch("/api/projects/" + f.project(), json("name", "Via token"));
    assertEquals(200, renamed.status(), renamed.toString());
    assertEquals("Via token", sessions.get(Who.OWNER).get("/api/projects/" + f.project()).json().getString("name"));

    ApiClient viewerBearer = server.client().withBearer(accessTokens.get(Who.VIEWER)).withoutCsrf();
    assertEquals(403, viewerBearer.patch("/api/projects/" + f.project(), json("name", "Nope")).status());
  }

  @Test
  void anUnknownBearerTokenIsUnauthorizedEvenOnPublicRoutes() {
    ApiClient stranger = server.client().withBearer("ens_" + "A".repeat(43));
    for (String path : List.of("/api/me", "/api/projects", "/api/auth/providers")) {
      Response r = stranger.get(path);
      assertEquals(401, r.status(), path + ": " + r);
      assertEquals("unauthorized", r.errorCode());
    }
    // A logged-in browser that also sends a bad token is not let in on its cookie.
    String session = sessions.get(Who.OWNER).cookie("ensemble_session").orElseThrow();
    Response both =
        raw("GET", "/api/me", Map.of("Cookie", "ensemble_session=" + session, "Authorization", "Bearer ens_unknown"));
    assertEquals(401, both.status(), both.toString());
    Response unsupported = raw("GET", "/api/me", Map.of("Authorization", "Basic b3duZXI6cGFzcw=="));
    assertEquals(401, unsupported.status(), unsupported.toString());
  }

  @Test
  void aCookieRequestWithoutTheCsrfHeaderIsRefusedAndChangesNothing() {
    Fixture f = fixture();
    ApiClient forged = loggedIn(Who.OWNER).withoutCsrf();
    assertEquals(200, forged.get("/api/projects/" + f.project()).status(), "safe methods need no header");

    int projectsBefore = sessions.get(Who.OWNER).get("/api/projects").array().size();
    List<Response> refused =
        List.of(
            forged.post("/api/projects", json("name", "Forged")),
            forged.patch("/api/projects/" + f.project(), json("name", "Forged")),
            forged.delete("/api/projects/" + f.project()),
            forged.post("/api/projects/" + f.project() + "/invites", json("role", "editor")),
            forged.post("/api/auth/logout", null));
    for (Response r : refused) {
      assertEquals(403, r.status(), r.toString());
      assertEquals("csrf_failed", r.errorCode());
    }
    ApiClient owner = sessions.get(Who.OWNER);
    assertEquals(projectsBefore, owner.get("/api/projects").array().size());
    assertEquals("Matrix", owner.get("/api/projects/" + f.project()).json().getString("name"));
    assertEquals(1, owner.get("/api/projects/" + f.project() + "/invites").array().size());
    assertEquals(200, forged.get("/api/me").status(), "the refused logout did not end the session");
  }

  @Test
  void aCookieRequestWithAWrongCsrfHeaderIsRefused() {
    Fixture f = fixture();
    ApiClient owner = loggedIn(Who.OWNER);
    String session = owner.cookie("ensemble_session").orElseThrow();
    Response r =
        raw(
            "DELETE", "/api/projects/" + f.project(),
            Map.of("Cookie", "ensemble_session=" + session, "X-CSRF-Token", "not-the-token"));
    assertEquals(403, r.status(), r.toString());
    assertEquals("csrf_failed", r.errorCode());
    assertEquals(200, owner.get("/api/projects/" + f.project()).status());
  }

  // --- helpers ----------------------------------------------------------------------------------

  private static Route route(String method, String template, Function<Fixture, JsonObject> body, Expected expected) {
    return new Route(method, template, body, false, expected);
  }

  private static ApiClient caller(Who who, Credential credential, boolean ownSession) {
    if (!who.loggedIn()) {
      return server.client();
    }
    if (credential == Credential.ACCESS_TOKEN) {
      return server.client().withBearer(accessTokens.get(who));
    }
    return ownSession ? loggedIn(who) : sessions.get(who);
  }

  /** A new browser session for the user. */
  private static ApiClient loggedIn(Who who) {
    ApiClient client = server.client();
    Response r = client.post("/api/auth/login", json("username", who.username()).put("password", PASSWORD));
    assertEquals(200, r.status(), "login: " + r);
    return client;
  }

  private static Fixture fixture() {
    ApiClient owner = sessions.get(Who.OWNER);
    String project = created(owner.post("/api/projects", json("name", "Matrix"))).getString("id");
    String members = "/api/projects/" + project + "/members";
    created(owner.post(members, json("username", "editor").put("role", "editor")));
    created(owner.post(members, json("username", "viewer").put("role", "viewer")));
    created(owner.post(members, json("username", "member").put("role", "viewer")));
    JsonObject invite = created(owner.post("/api/projects/" + project + "/invites", json("role", "viewer")));
    String token = created(owner.post("/api/tokens", json("name", "fixture"))).getString("id");
    return new Fixture(project, plainMemberId, invite.getString("id"), invite.getString("token"), token);
  }

  private static JsonObject created(Response r) {
    assertEquals(201, r.status(), "fixture set-up: " + r);
    return r.json();
  }

  private static JsonObject json(String key, Object value) {
    return new JsonObject().put(key, value);
  }

  private static void assertErrorShape(Response r) {
    assertTrue(
        r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"),
        "error is JSON: " + r.headers());
    JsonObject error = r.json().getJsonObject("error");
    assertTrue(error != null, r.toString());
    assertFalse(error.getString("code", "").isBlank(), r.toString());
    assertFalse(error.getString("message", "").isBlank(), r.toString());
  }

  /** A request with exactly these headers and no cookie jar. */
  private static Response raw(String method, String path, Map<String, String> headers) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(server.baseUrl() + path))
            .timeout(Duration.ofSeconds(30))
            .method(method, HttpRequest.BodyPublishers.noBody());
    headers.forEach(b::header);
    try {
      HttpResponse<String> r = HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
      return new Response(r.statusCode(), r.body(), r.headers());
    } catch (Exception e) {
      throw new IllegalStateException(method + " " + path + " failed: " + e, e);
    }
  }
}
