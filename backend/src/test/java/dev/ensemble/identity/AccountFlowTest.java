package dev.ensemble.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ensemble.support.ApiClient;
import dev.ensemble.support.ApiClient.Response;
import dev.ensemble.support.TestServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** An account's life: sign-up, login, the session, the profile, access tokens and login limits. */
class AccountFlowTest {
  private static final String PASSWORD = "correct horse battery";
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
  void signingUpCreatesTheAccountAndStartsASession() {
    ApiClient browser = server.client();
    Response r =
        browser.post(
            "/api/auth/signup",
            new JsonObject().put("username", "ada").put("password", PASSWORD).put("displayName", "Ada Lovelace"));
    assertEquals(201, r.status(), r.toString());
    assertNoSecrets(r);
    JsonObject user = r.json().getJsonObject("user");
    assertEquals("ada", user.getString("username"));
    assertEquals("Ada Lovelace", user.getString("displayName"));
    assertNotNull(user.getString("id"));

    String session = setCookie(r, Authenticator.SESSION_COOKIE).orElseThrow(() -> new AssertionError("no session cookie"));
    assertTrue(hasAttribute(session, "HttpOnly"), session);
    assertTrue(hasAttribute(session, "SameSite=Lax"), session);
    assertTrue(hasAttribute(session, "Path=/"), session);
    String csrf = setCookie(r, Authenticator.CSRF_COOKIE).orElseThrow(() -> new AssertionError("no CSRF cookie"));
    assertFalse(hasAttribute(csrf, "HttpOnly"), "the web app reads the CSRF cookie: " + csrf);
    assertTrue(hasAttribute(csrf, "SameSite=Lax"), csrf);
    assertNotEquals(browser.cookie(Authenticator.SESSION_COOKIE), browser.csrf());

    Response me = browser.get("/api/me");
    assertEquals(200, me.status(), me.toString());
    assertEquals(user, me.json().getJsonObject("user"));
    assertNoSecrets(me);
  }

  @Test
  void theDisplayNameDefaultsToTheUsername() {
    JsonObject user = server.client().signup("grace", PASSWORD);
    assertEquals("grace", user.getString("displayName"));
  }

  @Test
  void aUsernameIsTakenWhateverItsCase() {
    server.client().signup("Linus", PASSWORD);
    for (String again : List.of("Linus", "linus", "LINUS")) {
      Response r = server.client().post("/api/auth/signup", credentials(again, "another password"));
      assertEquals(409, r.status(), again + ": " + r);
      assertEquals("username_taken", r.errorCode());
      assertTrue(setCookies(r).isEmpty(), "no session for a refused sign-up");
    }
    assertEquals(200, server.client().post("/api/auth/login", credentials("linus", PASSWORD)).status());
    Response wrong = server.client().post("/api/auth/login", credentials("linus", "another password"));
    assertEquals(401, wrong.status(), "the first account kept its password");
  }

  @Test
  void loggingInWithTheRightPasswordStartsASession() {
    server.client().signup("barbara", PASSWORD);
    ApiClient laptop = server.client();
    Response r = laptop.post("/api/auth/login", credentials("Barbara", PASSWORD));
    assertEquals(200, r.status(), r.toString());
    assertNoSecrets(r);
    assertEquals("barbara", r.json().getJsonObject("user").getString("username"));
    assertTrue(setCookie(r, Authenticator.SESSION_COOKIE).isPresent());
    assertTrue(setCookie(r, Authenticator.CSRF_COOKIE).isPresent());
    assertEquals("barbara", laptop.get("/api/me").json().getJsonObject("user").getString("username"));
  }

  @Test
  void aWrongPasswordAndAnUnknownUserLookTheSame() {
    server.client().signup("edsger", PASSWORD);
    Response wrongPassword = server.client().post("/api/auth/login", credentials("edsger", "not the password"));
    Response unknownUser = server.client().post("/api/auth/login", credentials("nobody-here", PASSWORD));
    for (Response r : List.of(wrongPassword, unknownUser)) {
      assertEquals(401, r.status(), r.toString());
      assertEquals("invalid_credentials", r.errorCode());
      assertTrue(setCookies(r).isEmpty(), "no session for a failed login");
      assertNoSecrets(r);
    }
    assertEquals(wrongPassword.json(), unknownUser.json());
  }

  @Test
  void loggingOutEndsTheSessionOnTheServer() {
    ApiClient browser = server.client();
    browser.signup("ken", PASSWORD);
    String session = browser.cookie(Authenticator.SESSION_COOKIE).orElseThrow();

    Response out = browser.post("/api/auth/logout", null);
    assertEquals(204, out.status(), out.toString());
    assertEquals(Optional.of("0"), setCookie(out, Authenticator.SESSION_COOKIE).map(AccountFlowTest::maxAge));
    assertEquals(Optional.of("0"), setCookie(out, Authenticator.CSRF_COOKIE).map(AccountFlowTest::maxAge));

    Response me = browser.get("/api/me");
    assertEquals(401, me.status(), me.toString());
    assertEquals("unauthorized", me.errorCode());
    // A copy of the old cookie is worthless too: the session is gone, not just forgotten.
    Response replayed = raw("GET", "/api/me", Map.of("Cookie", Authenticator.SESSION_COOKIE + "=" + session));
    assertEquals(401, replayed.status(), replayed.toString());
  }

  @Test
  void loggingOutEndsOnlyThatSession() {
    ApiClient desktop = server.client();
    desktop.signup("dennis", PASSWORD);
    ApiClient phone = server.client();
    assertEquals(200, phone.post("/api/auth/login", credentials("dennis", PASSWORD)).status());
    assertEquals(204, phone.post("/api/auth/logout", null).status());
    assertEquals(401, phone.get("/api/me").status());
    assertEquals(200, desktop.get("/api/me").status());
  }

  @Test
  void theDisplayNameCanBeChanged() {
    ApiClient browser = server.client();
    browser.signup("margaret", PASSWORD);
    Response r = browser.patch("/api/me", new JsonObject().put("displayName", "  Margaret Hamilton "));
    assertEquals(200, r.status(), r.toString());
    assertEquals("Margaret Hamilton", r.json().getJsonObject("user").getString("displayName"));
    JsonObject me = browser.get("/api/me").json().getJsonObject("user");
    assertEquals("Margaret Hamilton", me.getString("displayName"));
    assertEquals("margaret", me.getString("username"), "the username stays");
  }

  @Test
  void anAccessTokenIsShownOnceAndWorksUntilDeleted() {
    ApiClient browser = server.client();
    JsonObject user = browser.signup("alan", PASSWORD);

    Response created = browser.post("/api/tokens", new JsonObject().put("name", "ci"));
    assertEquals(201, created.status(), created.toString());
    JsonObject token = created.json();
    String secret = token.getString("token");
    assertTrue(secret.startsWith("ens_"), secret);
    assertTrue(secret.length() >= 40, "enough entropy: " + secret);
    assertEquals("ci", token.getString("name"));
    assertNull(token.getString("expiresAt"), "no expiry unless asked for");
    assertNull(token.getString("lastUsedAt"));

    JsonArray listed = browser.get("/api/tokens").array();
    assertEquals(1, listed.size());
    assertEquals(token.getString("id"), listed.getJsonObject(0).getString("id"));
    assertFalse(listed.getJsonObject(0).containsKey("token"), "the list never shows the secret");
    assertFalse(browser.get("/api/tokens").body().contains(secret));

    ApiClient script = server.client().withBearer(secret);
    Response me = script.get("/api/me");
    assertEquals(200, me.status(), me.toString());
    assertEquals(user.getString("id"), me.json().getJsonObject("user").getString("id"));
    Response project = script.post("/api/projects", new JsonObject().put("name", "From CI"));
    assertEquals(201, project.status(), "no CSRF header needed with a bearer token: " + project);
    assertNotNull(browser.get("/api/tokens").array().getJsonObject(0).getString("lastUsedAt"), "use is recorded");

    Response deleted = browser.delete("/api/tokens/" + token.getString("id"));
    assertEquals(204, deleted.status(), deleted.toString());
    Response after = script.get("/api/me");
    assertEquals(401, after.status(), after.toString());
    assertEquals("unauthorized", after.errorCode());
    assertEquals(0, browser.get("/api/tokens").array().size());
    assertEquals(404, browser.delete("/api/tokens/" + token.getString("id")).status(), "already gone");
  }

  @Test
  void anAccessTokenCanBeGivenALifetimeInDays() {
    ApiClient browser = server.client();
    browser.signup("hedy", PASSWORD);
    Instant before = Instant.now();
    Response r = browser.post("/api/tokens", new JsonObject().put("name", "week").put("expiresInDays", 7));
    assertEquals(201, r.status(), r.toString());
    Instant expires = Instant.parse(r.json().getString("expiresAt"));
    assertTrue(
        !expires.isBefore(before.plus(Duration.ofDays(7)).minusSeconds(60))
            && !expires.isAfter(Instant.now().plus(Duration.ofDays(7)).plusSeconds(60)),
        "expires in 7 days: " + expires);
    assertEquals(200, server.client().withBearer(r.json().getString("token")).get("/api/me").status());
  }

  @Test
  void anAccessTokenCannotBeUsedOrDeletedByAnotherUser() {
    ApiClient alice = server.client();
    alice.signup("alice", PASSWORD);
    JsonObject token = alice.post("/api/tokens", new JsonObject().put("name", "mine")).json();
    ApiClient bob = server.client();
    bob.signup("bob", PASSWORD);
    assertEquals(0, bob.get("/api/tokens").array().size());
    assertEquals(404, bob.delete("/api/tokens/" + token.getString("id")).status());
    assertEquals(200, server.client().withBearer(token.getString("token")).get("/api/me").status());
  }

  @Test
  void repeatedWrongPasswordsLockTheAccountForAWhile() {
    try (TestServer limited = TestServer.start(Map.of("ENSEMBLE_LOGIN_ATTEMPTS_PER_ACCOUNT", "3"))) {
      limited.client().signup("mallory", PASSWORD);
      limited.client().signup("trent", PASSWORD);
      for (String guess : List.of("guess one", "guess two", "guess three")) {
        Response r = limited.client().post("/api/auth/login", credentials("mallory", guess));
        assertEquals(401, r.status(), r.toString());
      }
      Response locked = limited.client().post("/api/auth/login", credentials("MALLORY", PASSWORD));
      assertEquals(429, locked.status(), "even the right password waits: " + locked);
      assertEquals("rate_limited", locked.errorCode());
      assertTrue(setCookies(locked).isEmpty());
      assertRetryAfterWithinWindow(locked);

      Response other = limited.client().post("/api/auth/login", credentials("trent", PASSWORD));
      assertEquals(200, other.status(), "other accounts are unaffected: " + other);
    }
  }

  @Test
  void aBurstOfConcurrentGuessesGetsNoMoreTriesThanTheLimit() throws Exception {
    try (TestServer limited = TestServer.start(Map.of("ENSEMBLE_LOGIN_ATTEMPTS_PER_ACCOUNT", "3"))) {
      limited.client().signup("eve", PASSWORD);
      int burst = 12;
      ExecutorService pool = Executors.newFixedThreadPool(burst);
      try {
        CountDownLatch ready = new CountDownLatch(burst);
        List<Future<Integer>> statuses = new ArrayList<>();
        for (int i = 0; i < burst; i++) {
          String guess = "guess number " + i;
          ApiClient attacker = limited.client();
          statuses.add(
              pool.submit(
                  () -> {
                    ready.countDown();
                    ready.await();
                    return attacker.post("/api/auth/login", credentials("eve", guess)).status();
                  }));
        }
        int evaluated = 0;
        for (Future<Integer> status : statuses) {
          int s = status.get(60, TimeUnit.SECONDS);
          assertTrue(s == 401 || s == 429, "status " + s);
          evaluated += s == 401 ? 1 : 0;
        }
        assertTrue(evaluated <= 3, evaluated + " of " + burst + " concurrent guesses were checked; the limit is 3");
      } finally {
        pool.shutdownNow();
      }
    }
  }

  @Test
  void aSuccessfulLoginClearsTheAccountsFailures() {
    try (TestServer limited = TestServer.start(Map.of("ENSEMBLE_LOGIN_ATTEMPTS_PER_ACCOUNT", "3"))) {
      limited.client().signup("peggy", PASSWORD);
      for (int round = 0; round < 2; round++) {
        assertEquals(401, limited.client().post("/api/auth/login", credentials("peggy", "typo one")).status());
        assertEquals(401, limited.client().post("/api/auth/login", credentials("peggy", "typo two")).status());
        assertEquals(200, limited.client().post("/api/auth/login", credentials("peggy", PASSWORD)).status());
      }
    }
  }

  @Test
  void manyFailuresFromOneAddressLockThatAddressForEveryAccount() {
    try (TestServer limited = TestServer.start(Map.of("ENSEMBLE_LOGIN_ATTEMPTS_PER_IP", "3"))) {
      limited.client().signup("victim", PASSWORD);
      limited.client().signup("bystander", PASSWORD);
      for (String username : List.of("victim", "bystander", "no-such-user")) {
        Response r = limited.client().post("/api/auth/login", credentials(username, "spray attempt"));
        assertEquals(401, r.status(), username + ": " + r);
      }
      Response locked = limited.client().post("/api/auth/login", credentials("bystander", PASSWORD));
      assertEquals(429, locked.status(), "a fresh account from the same address waits too: " + locked);
      assertEquals("rate_limited", locked.errorCode());
      assertRetryAfterWithinWindow(locked);
      Response fresh = limited.client().post("/api/auth/login", credentials("someone-new", "anything"));
      assertEquals(429, fresh.status(), fresh.toString());
    }
  }

  @Test
  void passwordsNeverAppearInResponses() {
    String password = "a very distinctive passphrase";
    ApiClient browser = server.client();
    List<Response> responses =
        List.of(
            browser.post("/api/auth/signup", credentials("vera", password)),
            browser.get("/api/me"),
            browser.patch("/api/me", new JsonObject().put("displayName", "Vera")),
            browser.post("/api/tokens", new JsonObject().put("name", "t")),
            browser.get("/api/tokens"),
            server.client().post("/api/auth/login", credentials("vera", password)),
            server.client().post("/api/auth/login", credentials("vera", password + "!")),
            server.client().post("/api/auth/signup", credentials("vera", password)),
            server.client().post("/api/auth/signup", credentials("v", password)),
            server.client().post("/api/auth/signup", credentials("valid-name", "Zq7!x")));
    for (Response r : responses) {
      assertFalse(r.body().contains(password), r.toString());
      assertFalse(r.body().contains("Zq7!x"), r.toString());
      assertFalse(r.body().toLowerCase(Locale.ROOT).contains("argon2"), "no hash either: " + r);
      r.headers().map().forEach((k, v) -> assertFalse(v.toString().contains(password), k));
    }
  }

  // --- helpers ----------------------------------------------------------------------------------

  private static JsonObject credentials(String username, String password) {
    return new JsonObject().put("username", username).put("password", password);
  }

  /** Neither the password nor its hash, and a user carries only its public fields. */
  private static void assertNoSecrets(Response r) {
    assertFalse(r.body().contains(PASSWORD), r.toString());
    assertFalse(r.body().toLowerCase(Locale.ROOT).contains("argon2"), r.toString());
    JsonObject user = r.status() < 400 ? r.json().getJsonObject("user") : null;
    if (user != null) {
      assertEquals(Set.of("id", "username", "displayName", "email", "createdAt"), user.fieldNames(), r.toString());
    }
  }

  private static List<String> setCookies(Response r) {
    return r.headers().allValues("Set-Cookie");
  }

  private static void assertRetryAfterWithinWindow(Response r) {
    String retryAfter = r.headers().firstValue("Retry-After").orElseThrow(() -> new AssertionError("no Retry-After: " + r));
    long seconds = Long.parseLong(retryAfter);
    assertTrue(seconds >= 1 && seconds <= 300, "within the default 300 s window: " + seconds);
  }

  /** The Set-Cookie header that sets the named cookie. */
  private static Optional<String> setCookie(Response r, String name) {
    return r.headers().allValues("Set-Cookie").stream().filter(c -> c.startsWith(name + "=")).findFirst();
  }

  private static boolean hasAttribute(String setCookie, String attribute) {
    return List.of(setCookie.split(";")).stream().map(String::strip).anyMatch(a -> a.equalsIgnoreCase(attribute));
  }

  private static String maxAge(String setCookie) {
    return List.of(setCookie.split(";")).stream()
        .map(String::strip)
        .filter(a -> a.regionMatches(true, 0, "Max-Age=", 0, 8))
        .map(a -> a.substring(8))
        .findFirst()
        .orElse("absent");
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
