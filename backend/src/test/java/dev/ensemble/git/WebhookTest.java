package dev.ensemble.git;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ensemble.git.support.BareRepo;
import dev.ensemble.git.support.GitHttpServer;
import dev.ensemble.git.support.Workbench;
import dev.ensemble.support.ApiClient;
import dev.ensemble.support.TempDirs;
import dev.ensemble.support.TestServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.revwalk.RevCommit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * GitHub and GitLab push deliveries make the projects tracking the pushed repository pull, against
 * a real git smart-HTTP server: deliveries are built as the two hosts document them and signed
 * here, and the files API shows what the pull brought in.
 */
class WebhookTest {
  private static final int MAX_BYTES = 65_536;
  private static final AtomicInteger names = new AtomicInteger();
  private static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private static TestServer server;
  private static GitHttpServer remote;

  @BeforeAll
  static void start() throws Exception {
    remote = GitHttpServer.start(TempDirs.create("ensemble-hooks-remote"));
    server = TestServer.start(Map.of(
        "ENSEMBLE_GIT_ALLOW_HTTP", "true",
        "ENSEMBLE_GIT_WEBHOOK_MAX_BYTES", Integer.toString(MAX_BYTES)));
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

  /** A project imported by a new user from a new repository holding app.js, and its webhook secret. */
  private record Tracked(Workbench w, BareRepo repo, String name, String secret) {
    String hooksPath() {
      return "/api/projects/" + w.projectId() + "/git/webhook";
    }

    JsonObject webhook() {
      ApiClient.Response r = w.client().get(hooksPath());
      assertEquals(200, r.status(), r.toString());
      return r.json();
    }
  }

  private static Tracked tracked() throws Exception {
    String name = "hooked" + names.incrementAndGet();
    BareRepo repo = BareRepo.create(remote.root(), name, BareRepo.text(Map.of("app.js", "let v = 1;\n")));
    ApiClient client = server.client();
    client.signup("owner" + names.incrementAndGet(), "correct horse battery");
    Workbench.storeCredentials(client, remote, GitHttpServer.PASSWORD);
    ApiClient.Response started = client.post("/api/projects/import", new JsonObject().put("url", remote.url(name)));
    assertEquals(202, started.status(), started.toString());
    assertEquals("succeeded", Workbench.awaitJob(client, started.json().getString("jobId")).getString("state"));
    Workbench w = new Workbench(client, server.baseUrl(), started.json().getString("projectId"));
    ApiClient.Response created = client.post("/api/projects/" + w.projectId() + "/git/webhook", null);
    assertEquals(201, created.status(), created.toString());
    return new Tracked(w, repo, name, created.json().getString("secret"));
  }

  // ---- deliveries as GitHub and GitLab send them -----------------------------------------------

  /** A push event with the fields GitHub documents for it. */
  private static JsonObject githubPush(String repoUrl, String ref, RevCommit after, boolean deleted) {
    String html = repoUrl.replaceAll("\\.git$", "");
    String sha = deleted ? "0".repeat(40) : after.name();
    return new JsonObject()
        .put("ref", ref)
        .put("before", "0".repeat(40))
        .put("after", sha)
        .put("created", false)
        .put("deleted", deleted)
        .put("forced", false)
        .put("base_ref", (String) null)
        .put("compare", html + "/compare/" + sha)
        .put("commits", new JsonArray())
        .put("head_commit", (JsonObject) null)
        .put("repository", new JsonObject()
            .put("id", 1296269)
            .put("name", html.substring(html.lastIndexOf('/') + 1))
            .put("full_name", "git/" + html.substring(html.lastIndexOf('/') + 1))
            .put("private", true)
            .put("html_url", html)
            .put("clone_url", repoUrl)
            .put("git_url", repoUrl.replaceFirst("^https?:", "git:"))
            .put("ssh_url", "git@127.0.0.1:git/" + html.substring(html.lastIndexOf('/') + 1) + ".git")
            .put("default_branch", "main"))
        .put("pusher", new JsonObject().put("name", "rita").put("email", "rita@example.org"))
        .put("sender", new JsonObject().put("login", "rita").put("id", 1));
  }

  /** A Push Hook with the fields GitLab documents for it. */
  private static JsonObject gitlabPush(String repoUrl, String ref, RevCommit after) {
    String web = repoUrl.replaceAll("\\.git$", "");
    String path = web.substring(web.indexOf("/git/") + 1);
    return new JsonObject()
        .put("object_kind", "push")
        .put("event_name", "push")
        .put("before", "0".repeat(40))
        .put("after", after.name())
        .put("ref", ref)
        .put("checkout_sha", after.name())
        .put("user_id", 4)
        .put("user_name", "Remote Rita")
        .put("project_id", 15)
        .put("project", new JsonObject()
            .put("id", 15)
            .put("name", path.substring(path.indexOf('/') + 1))
            .put("web_url", web)
            .put("git_ssh_url", "git@127.0.0.1:" + path + ".git")
            .put("git_http_url", repoUrl)
            .put("path_with_namespace", path)
            .put("default_branch", "main"))
        .put("commits", new JsonArray())
        .put("total_commits_count", 1)
        .put("repository", new JsonObject()
            .put("name", path.substring(path.indexOf('/') + 1))
            .put("url", "git@127.0.0.1:" + path + ".git")
            .put("homepage", web)
            .put("git_http_url", repoUrl)
            .put("git_ssh_url", "git@127.0.0.1:" + path + ".git"));
  }

  private static HttpResponse<String> deliverToGitHub(String event, byte[] body, Optional<String> signature) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.baseUrl() + "/api/hooks/github"))
        .timeout(Duration.ofSeconds(30))
        .header("Content-Type", "application/json")
        .header("User-Agent", "GitHub-Hookshot/test")
        .header("X-GitHub-Event", event)
        .header("X-GitHub-Delivery", UUID.randomUUID().toString())
        .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    signature.ifPresent(s -> b.header("X-Hub-Signature-256", s));
    return send(b.build());
  }

  private static HttpResponse<String> githubPushSigned(Tracked t, String secret, JsonObject payload) {
    byte[] body = payload.encode().getBytes(StandardCharsets.UTF_8);
    return deliverToGitHub("push", body, Optional.of(sign(secret, body)));
  }

  private static HttpResponse<String> deliverToGitLab(String event, String token, JsonObject payload) {
    return send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/api/hooks/gitlab"))
        .timeout(Duration.ofSeconds(30))
        .header("Content-Type", "application/json")
        .header("X-Gitlab-Event", event)
        .header("X-Gitlab-Token", token)
        .header("X-Gitlab-Event-UUID", UUID.randomUUID().toString())
        .POST(HttpRequest.BodyPublishers.ofString(payload.encode()))
        .build());
  }

  private static HttpResponse<String> send(HttpRequest request) {
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new IllegalStateException(request.uri() + ": " + e, e);
    }
  }

  /** {@code sha256=} and the hex HMAC-SHA256 of the body keyed with the secret, as GitHub signs. */
  private static String sign(String secret, byte[] body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static String errorCode(HttpResponse<String> r) {
    return new JsonObject(r.body()).getJsonObject("error").getString("code");
  }

  /** Polls until the webhook's last delivery satisfies the condition; that delivery. */
  private static JsonObject awaitDelivery(Tracked t, Predicate<JsonObject> done) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    JsonObject last = null;
    while (System.nanoTime() < deadline) {
      last = t.webhook().getJsonObject("lastDelivery");
      if (last != null && done.test(last)) {
        return last;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("no matching delivery within 60 s; last: " + last);
  }

  private static RevCommit remoteEdit(BareRepo repo, String text) throws Exception {
    return repo.commit("remote work", BareRepo.text(Map.of("app.js", text)), Map.of());
  }

  // ---- the tests -------------------------------------------------------------------------------

  @Test
  void aSignedGitHubPushPullsTheProject() throws Exception {
    Tracked t = tracked();
    RevCommit after = remoteEdit(t.repo(), "let v = 2;\n");

    HttpResponse<String> r = githubPushSigned(t, t.secret(), githubPush(remote.url(t.name()), "refs/heads/main", after, false));
    assertEquals(202, r.statusCode(), r.body());
    assertEquals(1, new JsonObject(r.body()).getInteger("accepted"));

    JsonObject last = awaitDelivery(t, d -> true);
    assertEquals("ok", last.getString("result"), last.encode());
    assertEquals("push", last.getString("event"));
    assertEquals("let v = 2;\n", t.w().read("app.js").body());
    assertEquals(0, t.w().git("GET", "status", null).json().getInteger("behind"));
  }

  @Test
  void aGitLabPushWithTheTokenPullsTheProject() throws Exception {
    Tracked t = tracked();
    RevCommit after = remoteEdit(t.repo(), "let v = 3;\n");

    HttpResponse<String> r = deliverToGitLab("Push Hook", t.secret(), gitlabPush(remote.url(t.name()), "refs/heads/main", after));
    assertEquals(202, r.statusCode(), r.body());
    assertEquals(1, new JsonObject(r.body()).getInteger("accepted"));

    JsonObject last = awaitDelivery(t, d -> true);
    assertEquals("ok", last.getString("result"), last.encode());
    assertEquals("Push Hook", last.getString("event"));
    assertEquals("let v = 3;\n", t.w().read("app.js").body());
  }

  @Test
  void aWrongSecretOrAnUnknownRepositoryIsRefusedAlikeAndPullsNothing() throws Exception {
    Tracked t = tracked();
    RevCommit after = remoteEdit(t.repo(), "let v = 4;\n");
    JsonObject push = githubPush(remote.url(t.name()), "refs/heads/main", after, false);

    HttpResponse<String> badSignature = githubPushSigned(t, "not the secret", push);
    HttpResponse<String> badToken = deliverToGitLab("Push Hook", "not the secret", gitlabPush(remote.url(t.name()), "refs/heads/main", after));
    HttpResponse<String> unknownRepo = githubPushSigned(t, t.secret(),
        githubPush(remote.url("nobody-has-this"), "refs/heads/main", after, false));
    byte[] body = push.encode().getBytes(StandardCharsets.UTF_8);
    HttpResponse<String> tampered = deliverToGitHub("push",
        push.copy().put("ref", "refs/heads/main ").encode().getBytes(StandardCharsets.UTF_8),
        Optional.of(sign(t.secret(), body)));

    for (HttpResponse<String> r : java.util.List.of(badSignature, badToken, unknownRepo)) {
      assertEquals(401, r.statusCode(), r.body());
      assertEquals("unauthorized", errorCode(r));
      assertEquals(new JsonObject(badSignature.body()), new JsonObject(r.body()), "the same answer whatever failed");
    }
    assertEquals(401, tampered.statusCode(), tampered.body());
    // Only a 202 starts a pull, so nothing can change behind these answers.
    assertNull(t.webhook().getValue("lastDelivery"));
    assertEquals("let v = 1;\n", t.w().read("app.js").body());
    ApiClient.Response pull = t.w().git("POST", "pull", null);
    assertEquals("fast-forward", pull.json().getString("result"), "the commit was there to pull: " + pull);
  }

  @Test
  void aPushToAnotherBranchOrADeletionIsAcceptedAndIgnored() throws Exception {
    Tracked t = tracked();
    RevCommit after = remoteEdit(t.repo(), "let v = 5;\n");

    HttpResponse<String> other = githubPushSigned(t, t.secret(), githubPush(remote.url(t.name()), "refs/heads/feature", after, false));
    assertEquals(202, other.statusCode(), other.body());
    JsonObject ignored = awaitDelivery(t, d -> true);
    assertEquals("ignored", ignored.getString("result"), ignored.encode());
    assertTrue(ignored.getString("message").contains("refs/heads/feature"), ignored.encode());

    HttpResponse<String> deleted = githubPushSigned(t, t.secret(), githubPush(remote.url(t.name()), "refs/heads/main", after, true));
    assertEquals(202, deleted.statusCode(), deleted.body());
    JsonObject gone = awaitDelivery(t, d -> d.getString("message").contains("deleted"));
    assertEquals("ignored", gone.getString("result"), gone.encode());
    assertEquals("let v = 1;\n", t.w().read("app.js").body());
  }

  @Test
  void aPingIsAnsweredWhenTheSecretVerifiesAndOtherEventsAreIgnored() throws Exception {
    Tracked t = tracked();
    JsonObject ping = new JsonObject()
        .put("zen", "Keep it logically awesome.")
        .put("hook_id", 42)
        .put("hook", new JsonObject().put("type", "Repository").put("events", new JsonArray().add("push")))
        .put("repository", githubPush(remote.url(t.name()), "refs/heads/main", t.repo().head(), false).getJsonObject("repository"));
    byte[] body = ping.encode().getBytes(StandardCharsets.UTF_8);

    HttpResponse<String> pong = deliverToGitHub("ping", body, Optional.of(sign(t.secret(), body)));
    assertEquals(200, pong.statusCode(), pong.body());
    assertEquals(1, new JsonObject(pong.body()).getInteger("accepted"));
    JsonObject last = awaitDelivery(t, d -> d.getString("event").equals("ping"));
    assertEquals("ok", last.getString("result"), last.encode());
    assertEquals(401, deliverToGitHub("ping", body, Optional.of(sign("wrong", body))).statusCode());

    HttpResponse<String> star = deliverToGitHub("star", body, Optional.of(sign(t.secret(), body)));
    assertEquals(200, star.statusCode(), star.body());
    JsonObject starred = awaitDelivery(t, d -> d.getString("event").equals("star"));
    assertEquals("ignored", starred.getString("result"), starred.encode());
  }

  @Test
  void onlyOwnersCreateOrRotateTheSecretEditorsSeeTheWebhookViewersDoNot() throws Exception {
    Tracked t = tracked();
    String path = t.hooksPath();
    ApiClient editor = server.client();
    String editorName = "editor" + names.incrementAndGet();
    editor.signup(editorName, "correct horse battery");
    ApiClient viewer = server.client();
    String viewerName = "viewer" + names.incrementAndGet();
    viewer.signup(viewerName, "correct horse battery");
    ApiClient stranger = server.client();
    stranger.signup("stranger" + names.incrementAndGet(), "correct horse battery");
    String members = "/api/projects/" + t.w().projectId() + "/members";
    assertEquals(201, t.w().client().post(members, new JsonObject().put("username", editorName).put("role", "editor")).status());
    assertEquals(201, t.w().client().post(members, new JsonObject().put("username", viewerName).put("role", "viewer")).status());

    JsonObject seen = editor.get(path).json();
    assertFalse(seen.containsKey("secret"), seen.encode());
    assertEquals(server.baseUrl() + "/api/hooks/github", seen.getString("githubUrl"));
    assertEquals(server.baseUrl() + "/api/hooks/gitlab", seen.getString("gitlabUrl"));
    assertEquals(remote.url(t.name()), seen.getString("repository"));
    assertEquals(403, editor.post(path, null).status());
    assertEquals(403, editor.delete(path).status());
    assertEquals(403, viewer.get(path).status());
    assertEquals(403, viewer.post(path, null).status());
    assertEquals(404, stranger.get(path).status());
    assertEquals(404, stranger.post(path, null).status());

    ApiClient.Response rotated = t.w().client().post(path, null);
    assertEquals(201, rotated.status(), rotated.toString());
    String secret = rotated.json().getString("secret");
    assertNotEquals(t.secret(), secret);
    JsonObject push = githubPush(remote.url(t.name()), "refs/heads/main", t.repo().head(), false);
    assertEquals(401, githubPushSigned(t, t.secret(), push).statusCode(), "the old secret no longer verifies");
    assertEquals(202, githubPushSigned(t, secret, push).statusCode());

    assertEquals(204, t.w().client().delete(path).status());
    ApiClient.Response gone = t.w().client().get(path);
    assertEquals(404, gone.status());
    assertEquals("not_found", gone.errorCode());
    assertEquals(401, githubPushSigned(t, secret, push).statusCode(), "a deleted webhook verifies nothing");
    assertEquals(404, t.w().client().delete(path).status());
  }

  @Test
  void aProjectWithoutARemoteCannotHaveAWebhook() {
    ApiClient client = server.client();
    client.signup("plain" + names.incrementAndGet(), "correct horse battery");
    String id = client.post("/api/projects", new JsonObject().put("name", "no git")).json().getString("id");
    ApiClient.Response r = client.post("/api/projects/" + id + "/git/webhook", null);
    assertEquals(409, r.status(), r.toString());
    assertEquals("no_remote", r.errorCode());
  }

  @Test
  void theHookPullIsRefusedOnceItsCreatorIsNoLongerAnEditor() throws Exception {
    Tracked t = tracked();
    ApiClient other = server.client();
    String otherName = "coowner" + names.incrementAndGet();
    JsonObject otherUser = other.signup(otherName, "correct horse battery");
    String members = "/api/projects/" + t.w().projectId() + "/members";
    assertEquals(201, t.w().client().post(members, new JsonObject().put("username", otherName).put("role", "owner")).status());
    String creatorId = t.webhook().getJsonObject("createdBy").getString("id");
    assertNotEquals(otherUser.getString("id"), creatorId);
    ApiClient.Response demoted = other.patch(members + "/" + creatorId, new JsonObject().put("role", "viewer"));
    assertEquals(200, demoted.status(), demoted.toString());

    RevCommit after = remoteEdit(t.repo(), "let v = 6;\n");
    HttpResponse<String> r = githubPushSigned(t, t.secret(), githubPush(remote.url(t.name()), "refs/heads/main", after, false));
    assertEquals(202, r.statusCode(), r.body());
    JsonObject last = awaitDelivery(new Tracked(new Workbench(other, server.baseUrl(), t.w().projectId()), t.repo(), t.name(), t.secret()),
        d -> true);
    assertEquals("refused", last.getString("result"), last.encode());
    assertEquals("let v = 1;\n", other.get(t.w().filePath("app.js")).body());
  }

  @Test
  void theWebhookFollowsTheProjectsRemote() throws Exception {
    Tracked t = tracked();
    String movedName = t.name() + "-moved";
    // A second copy of the same history, as after moving a repository to another place.
    Git.cloneRepository().setBare(true).setURI(remote.root().resolve(t.name() + ".git").toUri().toString())
        .setDirectory(remote.root().resolve(movedName + ".git").toFile()).call().close();
    BareRepo moved = BareRepo.open(remote.root(), movedName);
    assertEquals(200, t.w().git("POST", "remote", new JsonObject().put("url", remote.url(movedName))).status());
    assertEquals(remote.url(movedName), t.webhook().getString("repository"));

    RevCommit after = remoteEdit(moved, "let v = 7;\n");
    assertEquals(401, githubPushSigned(t, t.secret(), githubPush(remote.url(t.name()), "refs/heads/main", after, false)).statusCode(),
        "the old repository no longer finds the project");
    HttpResponse<String> r = githubPushSigned(t, t.secret(), githubPush(remote.url(movedName), "refs/heads/main", after, false));
    assertEquals(202, r.statusCode(), r.body());
    JsonObject last = awaitDelivery(t, d -> true);
    assertEquals("ok", last.getString("result"), last.encode());
    assertEquals("let v = 7;\n", t.w().read("app.js").body());
  }

  @Test
  void anOversizeBodyIs413AndABadDeliveryIs400() throws Exception {
    Tracked t = tracked();
    byte[] big = ("{\"pad\":\"" + "x".repeat(MAX_BYTES) + "\"}").getBytes(StandardCharsets.UTF_8);
    HttpResponse<String> declared = deliverToGitHub("push", big, Optional.of(sign(t.secret(), big)));
    assertEquals(413, declared.statusCode(), declared.body());
    assertEquals("payload_too_large", errorCode(declared));
    assertTrue(declared.body().contains(Integer.toString(MAX_BYTES)), declared.body());
    // Without a Content-Length (chunked), the limit is enforced while reading.
    HttpResponse<String> chunked = send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/api/hooks/gitlab"))
        .header("Content-Type", "application/json")
        .header("X-Gitlab-Event", "Push Hook")
        .header("X-Gitlab-Token", t.secret())
        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big)))
        .build());
    assertEquals(413, chunked.statusCode(), chunked.body());
    assertTrue(chunked.body().contains(Integer.toString(MAX_BYTES)), chunked.body());

    byte[] garbage = "{\"ref\": refs/heads/main".getBytes(StandardCharsets.UTF_8);
    HttpResponse<String> notJson = deliverToGitHub("push", garbage, Optional.of(sign(t.secret(), garbage)));
    assertEquals(400, notJson.statusCode(), notJson.body());
    assertEquals("malformed_json", errorCode(notJson));
    byte[] array = "[1, 2]".getBytes(StandardCharsets.UTF_8);
    assertEquals(400, deliverToGitHub("push", array, Optional.of(sign(t.secret(), array))).statusCode());
    byte[] noRef = new JsonObject().put("repository", new JsonObject().put("clone_url", remote.url(t.name())))
        .encode().getBytes(StandardCharsets.UTF_8);
    HttpResponse<String> missingRef = deliverToGitHub("push", noRef, Optional.of(sign(t.secret(), noRef)));
    assertEquals(400, missingRef.statusCode(), missingRef.body());
    assertEquals("malformed_payload", errorCode(missingRef));

    byte[] push = githubPush(remote.url(t.name()), "refs/heads/main", t.repo().head(), false).encode().getBytes(StandardCharsets.UTF_8);
    HttpResponse<String> unsigned = deliverToGitHub("push", push, Optional.empty());
    assertEquals(400, unsigned.statusCode(), unsigned.body());
    assertEquals("missing_header", errorCode(unsigned));
    HttpResponse<String> form = send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/api/hooks/github"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("X-GitHub-Event", "push")
        .header("X-Hub-Signature-256", sign(t.secret(), push))
        .POST(HttpRequest.BodyPublishers.ofByteArray(push))
        .build());
    assertEquals(415, form.statusCode(), form.body());
    assertNull(t.webhook().getValue("lastDelivery"));
  }

  @Test
  void repositoryUrlsMatchWhateverTheirCaseTrailingSlashOrGitSuffix() {
    String key = Webhooks.remoteKey("https://github.com/Team/App.git").orElseThrow();
    assertEquals("https://github.com/team/app", key);
    assertEquals(Optional.of(key), Webhooks.remoteKey("https://GitHub.com/team/app/"));
    assertEquals(Optional.of(key), Webhooks.remoteKey("https://github.com:443/team/app"));
    assertEquals(Optional.of(key), Webhooks.remoteKey(" https://github.com/team/app.git/ "));
    assertNotEquals(Optional.of(key), Webhooks.remoteKey("http://github.com/team/app"));
    assertNotEquals(Optional.of(key), Webhooks.remoteKey("https://github.com:8443/team/app"));
    assertNotEquals(Optional.of(key), Webhooks.remoteKey("https://github.com/team/app2"));
    assertEquals(Optional.empty(), Webhooks.remoteKey("git@github.com:team/app.git"));
    assertEquals(Optional.empty(), Webhooks.remoteKey("not a url"));
  }
}
