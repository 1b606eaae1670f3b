package dev.ensemble.git;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ensemble.support.ApiClient;
import dev.ensemble.support.GitHubOAuthServer;
import dev.ensemble.support.GitLabApiServer;
import dev.ensemble.support.TestServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /api/git/repositories}: a user who logged in with GitHub or GitLab lists the
 * repositories they can reach there, against local stand-ins speaking each provider's wire format.
 */
class ProviderRepositoriesTest {
  private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
  private static GitHubOAuthServer github;
  private static GitLabApiServer gitlab;
  private static TestServer server;
  private static final HttpClient browserHop = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

  @BeforeAll
  static void start() {
    github = new GitHubOAuthServer("gh-client", "gh-secret");
    gitlab = new GitLabApiServer("gl-client", "gl-secret");
    server = TestServer.start(Map.of(
        "ENSEMBLE_GITHUB_CLIENT_ID", "gh-client",
        "ENSEMBLE_GITHUB_CLIENT_SECRET", "gh-secret",
        "ENSEMBLE_GITHUB_URL", github.url(),
        "ENSEMBLE_GITHUB_API_URL", github.url(),
        "ENSEMBLE_GITLAB_CLIENT_ID", "gl-client",
        "ENSEMBLE_GITLAB_CLIENT_SECRET", "gl-secret",
        "ENSEMBLE_GITLAB_URL", gitlab.url(),
        "ENSEMBLE_GIT_PROVIDER_TIMEOUT_SECONDS", "2"));
  }

  @AfterAll
  static void stop() {
    server.close();
    github.close();
    gitlab.close();
  }

  @AfterEach
  void heal() {
    github.failRepositories(GitHubOAuthServer.Failure.NONE);
    gitlab.failProjects(GitLabApiServer.Failure.NONE);
  }

  @Test
  void githubListsTheUsersRepositoriesAPageAtATimeMostRecentFirst() throws Exception {
    List<GitHubOAuthServer.Repository> repos = new ArrayList<>();
    for (int i = 0; i < 73; i++) {
      repos.add(new GitHubOAuthServer.Repository(i % 2 == 0 ? "ada-gh" : "team", "repo-" + i, i % 3 == 0,
          i == 0 ? "The newest one" : null, i == 1 ? "trunk" : "main", NOW.minusSeconds(3600L * i)));
    }
    github.setRepositories("ada-gh", repos);
    ApiClient ada = githubLogin(101, "ada-gh");

    JsonObject first = ada.get("/api/git/repositories?provider=github").json();
    assertEquals("github", first.getString("provider"));
    JsonArray page1 = first.getJsonArray("repositories");
    assertEquals(50, page1.size());
    assertEquals(2, first.getInteger("nextPage"));
    assertEquals(new JsonObject()
        .put("name", "repo-0")
        .put("fullName", "ada-gh/repo-0")
        .put("cloneUrl", github.url() + "/ada-gh/repo-0.git")
        .put("defaultBranch", "main")
        .put("private", true)
        .put("description", "The newest one")
        .put("updatedAt", "2026-03-01T12:00:00Z"), page1.getJsonObject(0));
    JsonObject second = page1.getJsonObject(1);
    assertEquals("team/repo-1", second.getString("fullName"));
    assertEquals("trunk", second.getString("defaultBranch"));
    assertEquals(false, second.getBoolean("private"));
    assertTrue(second.containsKey("description") && second.getValue("description") == null, "description null, present");

    GitHubOAuthServer.Received asked = github.lastRepositoriesRequest();
    assertEquals("50", asked.query().get("per_page"));
    assertEquals("1", asked.query().get("page"));
    assertEquals("updated", asked.query().get("sort"));
    assertEquals("owner,collaborator,organization_member", asked.query().get("affiliation"));
    assertEquals("application/vnd.github+json", asked.headers().get("Accept"));
    assertEquals("2022-11-28", asked.headers().get("X-GitHub-Api-Version"));
    assertTrue(asked.headers().get("Authorization").startsWith("Bearer gho_"));

    JsonObject last = ada.get("/api/git/repositories?provider=github&page=2").json();
    assertEquals(23, last.getJsonArray("repositories").size());
    assertEquals("team/repo-51", last.getJsonArray("repositories").getJsonObject(1).getString("fullName"));
    assertTrue(last.containsKey("nextPage") && last.getValue("nextPage") == null, "no next page: " + last);

    assertEquals(new JsonArray().add("github"), ada.get("/api/me").json().getJsonArray("linkedProviders"));
  }

  @Test
  void githubSearchKeepsTheMatchesOfEachPageAndStillPointsToTheNext() throws Exception {
    List<GitHubOAuthServer.Repository> repos = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      repos.add(new GitHubOAuthServer.Repository("bo-gh", (i % 10 == 0 ? "Widget-" : "other-") + i, false, null, "main",
          NOW.minusSeconds(60L * i)));
    }
    github.setRepositories("bo-gh", repos);
    ApiClient bo = githubLogin(102, "bo-gh");

    JsonObject page1 = bo.get("/api/git/repositories?provider=github&q=widget").json();
    assertEquals(List.of("Widget-0", "Widget-10", "Widget-20", "Widget-30", "Widget-40"), names(page1));
    assertEquals(2, page1.getInteger("nextPage"));
    assertNull(github.lastRepositoriesRequest().query().get("q"), "GitHub's list takes no search");
    JsonObject page2 = bo.get("/api/git/repositories?provider=github&q=WIDGET&page=2").json();
    assertEquals(List.of("Widget-50"), names(page2));
    assertNull(page2.getValue("nextPage"));
  }

  @Test
  void gitlabListsTheProjectsTheUserIsAMemberOfAndSearchesOnGitlab() throws Exception {
    List<GitLabApiServer.Project> projects = new ArrayList<>();
    for (int i = 0; i < 55; i++) {
      String visibility = i % 3 == 0 ? "public" : i % 3 == 1 ? "internal" : "private";
      projects.add(new GitLabApiServer.Project(i < 5 ? "cy" : "platform", "svc-" + i, visibility,
          i == 0 ? "Payments" : null, "main", NOW.minusSeconds(600L * i)));
    }
    gitlab.setProjects("cy", projects);
    ApiClient cy = gitlabLogin(201, "cy");

    JsonObject first = cy.get("/api/git/repositories?provider=gitlab").json();
    assertEquals("gitlab", first.getString("provider"));
    assertEquals(50, first.getJsonArray("repositories").size());
    assertEquals(2, first.getInteger("nextPage"));
    assertEquals(new JsonObject()
        .put("name", "svc-0")
        .put("fullName", "cy/svc-0")
        .put("cloneUrl", gitlab.url() + "/cy/svc-0.git")
        .put("defaultBranch", "main")
        .put("private", false)
        .put("description", "Payments")
        .put("updatedAt", "2026-03-01T12:00:00Z"), first.getJsonArray("repositories").getJsonObject(0));
    assertEquals(true, first.getJsonArray("repositories").getJsonObject(1).getBoolean("private"), "internal is not public");
    assertEquals(true, first.getJsonArray("repositories").getJsonObject(2).getBoolean("private"));

    GitLabApiServer.Received asked = gitlab.lastProjectsRequest();
    assertEquals("true", asked.query().get("membership"));
    assertEquals("true", asked.query().get("simple"));
    assertEquals("50", asked.query().get("per_page"));
    assertEquals("last_activity_at", asked.query().get("order_by"));
    assertNull(asked.query().get("search"));

    JsonObject last = cy.get("/api/git/repositories?provider=gitlab&page=2").json();
    assertEquals(List.of("svc-50", "svc-51", "svc-52", "svc-53", "svc-54"), names(last));
    assertNull(last.getValue("nextPage"));

    JsonObject found = cy.get("/api/git/repositories?provider=gitlab&q=" + URLEncoder.encode(" svc-4 ", StandardCharsets.UTF_8)).json();
    assertEquals("svc-4", gitlab.lastProjectsRequest().query().get("search"), "searched on GitLab, trimmed");
    assertEquals(List.of("svc-4", "svc-40", "svc-41", "svc-42", "svc-43", "svc-44", "svc-45", "svc-46", "svc-47",
        "svc-48", "svc-49"), names(found));
    assertNull(found.getValue("nextPage"));

    assertEquals(new JsonArray().add("gitlab"), cy.get("/api/me").json().getJsonArray("linkedProviders"));
  }

  @Test
  void aProviderTheUserNeverLoggedInWithIsNotLinked() throws Exception {
    ApiClient dee = server.client();
    assertEquals(201, dee.post("/api/auth/signup", Map.of("username", "dee", "password", "correct horse")).status());
    assertEquals(new JsonArray(), dee.get("/api/me").json().getJsonArray("linkedProviders"));
    ApiClient.Response r = dee.get("/api/git/repositories?provider=github");
    assertEquals(409, r.status(), r.toString());
    assertEquals("provider_not_linked", r.errorCode());
    assertTrue(r.json().getJsonObject("error").getString("message").contains("sign in with GitHub"));

    github.setRepositories("dee-gh", List.of());
    ApiClient viaGithub = githubLogin(103, "dee-gh");
    ApiClient.Response gl = viaGithub.get("/api/git/repositories?provider=gitlab");
    assertEquals(409, gl.status(), gl.toString());
    assertEquals("provider_not_linked", gl.errorCode());
    JsonObject empty = viaGithub.get("/api/git/repositories?provider=github").json();
    assertEquals(0, empty.getJsonArray("repositories").size());
    assertNull(empty.getValue("nextPage"));
  }

  @Test
  void aRevokedTokenAsksTheUserToSignInAgain() throws Exception {
    github.setRepositories("eve-gh", List.of(
        new GitHubOAuthServer.Repository("eve-gh", "notes", true, null, "main", NOW)));
    ApiClient eve = githubLogin(104, "eve-gh");
    assertEquals(200, eve.get("/api/git/repositories?provider=github").status());
    github.revokeTokens("eve-gh");
    ApiClient.Response r = eve.get("/api/git/repositories?provider=github");
    assertEquals(409, r.status(), r.toString());
    assertEquals("provider_token_rejected", r.errorCode());
    assertTrue(r.json().getJsonObject("error").getString("message").contains("sign in with GitHub again"));

    ApiClient again = githubLogin(104, "eve-gh");
    assertEquals(1, again.get("/api/git/repositories?provider=github").json().getJsonArray("repositories").size(),
        "signing in again stores the new token");

    gitlab.setProjects("eve-gl", List.of());
    ApiClient viaGitlab = gitlabLogin(204, "eve-gl");
    gitlab.revokeTokens("eve-gl");
    ApiClient.Response gl = viaGitlab.get("/api/git/repositories?provider=gitlab");
    assertEquals(409, gl.status(), gl.toString());
    assertEquals("provider_token_rejected", gl.errorCode());
  }

  @Test
  void aFailingOrSilentProviderIsABadGateway() throws Exception {
    github.setRepositories("fay-gh", List.of());
    ApiClient fay = githubLogin(105, "fay-gh");
    github.failRepositories(GitHubOAuthServer.Failure.SERVER_ERROR);
    ApiClient.Response broken = fay.get("/api/git/repositories?provider=github");
    assertEquals(502, broken.status(), broken.toString());
    assertEquals("provider_unavailable", broken.errorCode());

    github.failRepositories(GitHubOAuthServer.Failure.NO_ANSWER);
    long started = System.nanoTime();
    ApiClient.Response silent = fay.get("/api/git/repositories?provider=github");
    long tookMs = (System.nanoTime() - started) / 1_000_000;
    assertEquals(502, silent.status(), silent.toString());
    assertEquals("provider_unavailable", silent.errorCode());
    assertTrue(tookMs >= 1_900 && tookMs < 10_000, "gave up after ENSEMBLE_GIT_PROVIDER_TIMEOUT_SECONDS: " + tookMs);

    gitlab.setProjects("fay-gl", List.of());
    ApiClient viaGitlab = gitlabLogin(205, "fay-gl");
    gitlab.failProjects(GitLabApiServer.Failure.SERVER_ERROR);
    ApiClient.Response gl = viaGitlab.get("/api/git/repositories?provider=gitlab");
    assertEquals(502, gl.status(), gl.toString());
    assertEquals("provider_unavailable", gl.errorCode());
  }

  @Test
  void badQueriesAreRefusedBeforeAskingTheProvider() {
    ApiClient gus = server.client();
    assertEquals(201, gus.post("/api/auth/signup", Map.of("username", "gus", "password", "correct horse")).status());
    for (String query : List.of("", "?provider=", "?provider=bitbucket", "?provider=GitHub")) {
      ApiClient.Response r = gus.get("/api/git/repositories" + query);
      assertEquals(400, r.status(), query + " → " + r);
      assertEquals("provider", r.json().getJsonObject("error").getString("field"));
    }
    for (String page : List.of("0", "-1", "x", "10001")) {
      ApiClient.Response r = gus.get("/api/git/repositories?provider=github&page=" + page);
      assertEquals(400, r.status(), page + " → " + r);
      assertEquals("page", r.json().getJsonObject("error").getString("field"));
    }
    ApiClient.Response longQ = gus.get("/api/git/repositories?provider=gitlab&q=" + "a".repeat(101));
    assertEquals(400, longQ.status());
    assertEquals("q", longQ.json().getJsonObject("error").getString("field"));
  }

  @Test
  void signingInIsRequired() {
    ApiClient.Response r = server.client().get("/api/git/repositories?provider=github");
    assertEquals(401, r.status());
    assertEquals("unauthorized", r.errorCode());
  }

  @Test
  void aProviderThisServerHasNoLoginForIsNotFound() {
    try (TestServer bare = TestServer.start(Map.of())) {
      ApiClient hal = bare.client();
      assertEquals(201, hal.post("/api/auth/signup", Map.of("username", "hal", "password", "correct horse")).status());
      ApiClient.Response r = hal.get("/api/git/repositories?provider=gitlab");
      assertEquals(404, r.status(), r.toString());
      assertEquals("provider_not_configured", r.errorCode());
    }
  }

  @Test
  void theNextPageIsReadFromGithubsLinkHeader() {
    String api = "https://api.github.com/user/repos?per_page=50&affiliation=owner,collaborator";
    assertEquals(Optional.of(3), ProviderRepositories.nextFromLink(
        "<" + api + "&page=1>; rel=\"prev\", <" + api + "&page=3>; rel=\"next\", <" + api + "&page=9>; rel=\"last\"", 2));
    assertEquals(Optional.empty(), ProviderRepositories.nextFromLink(
        "<" + api + "&page=1>; rel=\"prev\", <" + api + "&page=1>; rel=\"first\"", 2));
    assertEquals(Optional.empty(), ProviderRepositories.nextFromLink(null, 1));
    assertEquals(Optional.of(5), ProviderRepositories.nextFromLink("<https://api.github.com/x?cursor=abc>; rel=next", 4));
    assertEquals(Optional.of(2), ProviderRepositories.nextFromHeader("2"));
    assertEquals(Optional.empty(), ProviderRepositories.nextFromHeader(""));
  }

  private static List<String> names(JsonObject page) {
    return page.getJsonArray("repositories").stream().map(o -> ((JsonObject) o).getString("name")).toList();
  }

  private static ApiClient githubLogin(long id, String login) throws Exception {
    github.nextLogin(new GitHubOAuthServer.Account(id, login, login, login + "@example.com", false));
    ApiClient browser = server.client();
    loginThrough(browser, "github");
    return browser;
  }

  private static ApiClient gitlabLogin(long id, String username) throws Exception {
    gitlab.nextLogin(new GitLabApiServer.Account(id, username, username, username + "@example.org"));
    ApiClient browser = server.client();
    loginThrough(browser, "gitlab");
    return browser;
  }

  /** Plays the browser through the provider login: start, the provider's redirect, the callback. */
  private static void loginThrough(ApiClient browser, String provider) throws Exception {
    ApiClient.Response start = browser.get("/api/auth/oauth/" + provider + "/login");
    assertEquals(302, start.status(), start.toString());
    HttpResponse<String> atProvider = browserHop.send(
        HttpRequest.newBuilder(URI.create(start.headers().firstValue("Location").orElseThrow())).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(302, atProvider.statusCode(), atProvider.body());
    URI callback = URI.create(atProvider.headers().firstValue("Location").orElseThrow());
    ApiClient.Response done = browser.get(callback.getRawPath() + "?" + callback.getRawQuery());
    assertEquals(302, done.status(), done.toString());
  }
}
