package dev.ensemble.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ensemble.config.DatabaseUrl;
import dev.ensemble.support.ApiClient;
import dev.ensemble.support.GitHubOAuthServer;
import dev.ensemble.support.TestServer;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.List;
import java.util.Map;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.token.DefaultOAuth2TokenCallback;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The whole authorization-code flow, browser side included: GitLab against a real OAuth2/OIDC
 * server (mock-oauth2-server, issuer "oauth" so its paths are GitLab's /oauth/authorize, /oauth/token
 * and /oauth/userinfo), GitHub against a local server speaking GitHub's wire format.
 */
class OAuthLoginTest {
  private static MockOAuth2Server gitlab;
  private static GitHubOAuthServer github;
  private static TestServer server;
  private static final HttpClient browserHop = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

  @BeforeAll
  static void start() {
    gitlab = new MockOAuth2Server();
    gitlab.start();
    github = new GitHubOAuthServer("gh-client", "gh-secret");
    String gitlabBase = gitlab.baseUrl().toString().replaceAll("/$", "");
    server =
        TestServer.start(
            Map.of(
                "ENSEMBLE_GITLAB_CLIENT_ID", "ensemble",
                "ENSEMBLE_GITLAB_CLIENT_SECRET", "gl-secret",
                "ENSEMBLE_GITLAB_URL", gitlabBase,
                "ENSEMBLE_GITHUB_CLIENT_ID", "gh-client",
                "ENSEMBLE_GITHUB_CLIENT_SECRET", "gh-secret",
                "ENSEMBLE_GITHUB_URL", github.url(),
                "ENSEMBLE_GITHUB_API_URL", github.url()));
  }

  @AfterAll
  static void stop() {
    server.close();
    github.close();
    gitlab.shutdown();
  }

  @Test
  void providersAreListedForTheLoginPage() {
    ApiClient anonymous = server.client();
    var providers = anonymous.get("/api/auth/providers").array();
    assertEquals(2, providers.size());
    assertEquals("/api/auth/oauth/github/login", providers.getJsonObject(0).getString("loginUrl"));
  }

  @Test
  void gitlabLoginCreatesAnAccountKeepsTheTokenEncryptedAndLogsInAgainAsTheSameUser() throws Exception {
    enqueueGitlab("gl-1001", "gwen", "gwen@example.com");
    ApiClient browser = server.client();
    String landing = loginThrough(browser, "gitlab", "/projects");
    assertEquals("/projects", landing);
    JsonObject me = browser.get("/api/me").json().getJsonObject("user");
    assertEquals("gwen", me.getString("username"));
    assertEquals("gwen@example.com", me.getString("email"));

    try (Connection c = jdbc(); ResultSet rs = c.createStatement().executeQuery(
        "SELECT access_token_enc, login FROM oauth_identities WHERE provider = 'gitlab' AND provider_user_id = 'gl-1001'")) {
      assertTrue(rs.next(), "identity stored");
      byte[] sealed = rs.getBytes(1);
      assertTrue(sealed.length > 28, "nonce + ciphertext + tag");
      assertTrue(!new String(sealed, java.nio.charset.StandardCharsets.ISO_8859_1).contains("eyJ"), "no plaintext JWT at rest");
    }

    enqueueGitlab("gl-1001", "gwen", "gwen@example.com");
    ApiClient again = server.client();
    loginThrough(again, "gitlab", "/");
    assertEquals(me.getString("id"), again.get("/api/me").json().getJsonObject("user").getString("id"));
  }

  @Test
  void githubLoginLinksToTheAccountWithTheSameVerifiedEmail() throws Exception {
    enqueueGitlab("gl-2002", "hana", "hana@example.com");
    ApiClient viaGitlab = server.client();
    loginThrough(viaGitlab, "gitlab", "/");
    String userId = viaGitlab.get("/api/me").json().getJsonObject("user").getString("id");

    github.nextLogin(new GitHubOAuthServer.Account(4242, "hana-gh", "Hana", "hana@example.com", true));
    ApiClient viaGithub = server.client();
    loginThrough(viaGithub, "github", "/");
    assertEquals(userId, viaGithub.get("/api/me").json().getJsonObject("user").getString("id"));
  }

  @Test
  void githubLoginWithAnUnverifiedEmailGetsItsOwnAccount() throws Exception {
    enqueueGitlab("gl-3003", "ivo", "ivo@example.com");
    ApiClient viaGitlab = server.client();
    loginThrough(viaGitlab, "gitlab", "/");
    String gitlabUser = viaGitlab.get("/api/me").json().getJsonObject("user").getString("id");

    github.nextLogin(new GitHubOAuthServer.Account(5151, "ivo", "Ivo", "ivo@example.com", false));
    ApiClient viaGithub = server.client();
    loginThrough(viaGithub, "github", "/");
    JsonObject user = viaGithub.get("/api/me").json().getJsonObject("user");
    assertNotEquals(gitlabUser, user.getString("id"));
    assertEquals("ivo-1", user.getString("username"), "username taken, so suffixed");
  }

  @Test
  void aCallbackWithAForeignStateIsRefused() throws Exception {
    ApiClient browser = server.client();
    browser.get("/api/auth/oauth/gitlab/login");
    ApiClient.Response r = browser.get("/api/auth/oauth/gitlab/callback?code=abc&state=forged");
    assertEquals(400, r.status());
    assertEquals("oauth_state", r.errorCode());
    assertEquals(401, browser.get("/api/me").status());
  }

  @Test
  void anOpenRedirectInReturnToIsIgnored() throws Exception {
    enqueueGitlab("gl-4004", "jo", "jo@example.com");
    assertEquals("/", loginThrough(server.client(), "gitlab", "//evil.example"));
  }

  @Test
  void returnToAcceptsOnlyPlainSameSitePaths() {
    assertEquals("/projects/1", OAuthLogin.safeReturnTo("/projects/1"));
    assertEquals("/", OAuthLogin.safeReturnTo("//evil.example"));
    assertEquals("/", OAuthLogin.safeReturnTo("/\t/evil.example"));
    assertEquals("/", OAuthLogin.safeReturnTo("/\\evil.example"));
    assertEquals("/", OAuthLogin.safeReturnTo("https://evil.example"));
    assertEquals("/", OAuthLogin.safeReturnTo(null));
  }

  /** Plays the browser: start, follow the provider's redirect, land on the callback. */
  private static String loginThrough(ApiClient browser, String provider, String returnTo) throws Exception {
    ApiClient.Response start =
        browser.get("/api/auth/oauth/" + provider + "/login?returnTo=" + java.net.URLEncoder.encode(returnTo, "UTF-8"));
    assertEquals(302, start.status(), start.toString());
    String authorize = start.headers().firstValue("Location").orElseThrow();
    HttpResponse<String> atProvider =
        browserHop.send(HttpRequest.newBuilder(URI.create(authorize)).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(302, atProvider.statusCode(), atProvider.body());
    URI callback = URI.create(atProvider.headers().firstValue("Location").orElseThrow());
    assertTrue(callback.toString().startsWith(server.baseUrl() + "/api/auth/oauth/" + provider + "/callback"), callback.toString());
    ApiClient.Response done = browser.get(callback.getRawPath() + "?" + callback.getRawQuery());
    assertEquals(302, done.status(), done.toString());
    return done.headers().firstValue("Location").orElseThrow();
  }

  private static void enqueueGitlab(String subject, String nickname, String email) {
    gitlab.enqueueCallback(
        new DefaultOAuth2TokenCallback(
            "oauth", subject, "JWT", List.of("ensemble"),
            Map.of("nickname", nickname, "name", nickname.toUpperCase(), "email", email, "email_verified", true),
            3600));
  }

  private static Connection jdbc() throws Exception {
    DatabaseUrl db = server.app().config().databaseUrl().orElseThrow();
    return DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
  }
}
