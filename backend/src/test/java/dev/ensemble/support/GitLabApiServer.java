package dev.ensemble.support;

import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A local stand-in for a GitLab instance, speaking GitLab's documented wire format for what
 * Ensemble calls: the OAuth2 authorization-code flow with PKCE ({@code /oauth/authorize},
 * {@code /oauth/token}), OpenID Connect's {@code /oauth/userinfo}, and {@code GET /api/v4/projects}
 * with GitLab's pagination headers ({@code X-Page}, {@code X-Next-Page}, {@code X-Total}, ...).
 * It checks the client secret, the PKCE verifier, single use of codes and the bearer token.
 */
public final class GitLabApiServer implements AutoCloseable {
  /** The GitLab user that "logs in". */
  public record Account(long id, String username, String name, String email) {}

  /** A project the user is a member of; {@code visibility} is private, internal or public. */
  public record Project(
      String namespace, String name, String visibility, String description, String defaultBranch,
      Instant lastActivityAt) {
    public String pathWithNamespace() {
      return namespace + "/" + name;
    }
  }

  /** What the stand-in's project list does instead of answering normally. */
  public enum Failure { NONE, SERVER_ERROR }

  /** The query of a {@code /api/v4/projects} request, as received. */
  public record Received(MultiMap query, MultiMap headers) {}

  private record Grant(Account account, String redirectUri, String challenge) {}

  private final Vertx vertx = Vertx.vertx();
  private final String clientId;
  private final String clientSecret;
  private final HttpServer server;
  private final Map<String, Grant> codes = new ConcurrentHashMap<>();
  private final Map<String, Account> tokens = new ConcurrentHashMap<>();
  private final Map<String, List<Project>> projects = new ConcurrentHashMap<>();
  private volatile Account next;
  private volatile Failure failure = Failure.NONE;
  private volatile Received lastProjectsRequest;

  public GitLabApiServer(String clientId, String clientSecret) {
    this.clientId = clientId;
    this.clientSecret = clientSecret;
    Router router = Router.router(vertx);
    router.route().handler(BodyHandler.create());
    router.get("/oauth/authorize").handler(ctx -> {
      HttpServerRequest req = ctx.request();
      if (!clientId.equals(req.getParam("client_id")) || !"code".equals(req.getParam("response_type"))) {
        ctx.response().setStatusCode(400).end("The client identifier provided is invalid");
        return;
      }
      String code = UUID.randomUUID().toString().replace("-", "");
      codes.put(code, new Grant(next, req.getParam("redirect_uri"), req.getParam("code_challenge")));
      String redirect = req.getParam("redirect_uri") + "?code=" + code + "&state="
          + URLEncoder.encode(req.getParam("state"), StandardCharsets.UTF_8);
      ctx.response().setStatusCode(302).putHeader("Location", redirect).end();
    });
    router.post("/oauth/token").handler(this::token);
    router.get("/oauth/userinfo").handler(ctx -> {
      Account a = caller(ctx.request());
      if (a == null) {
        ctx.response().setStatusCode(401).putHeader("WWW-Authenticate", "Bearer realm=\"Doorkeeper\", error=\"invalid_token\"")
            .end();
        return;
      }
      json(ctx, 200, new JsonObject()
          .put("sub", Long.toString(a.id()))
          .put("name", a.name())
          .put("nickname", a.username())
          .put("preferred_username", a.username())
          .put("email", a.email())
          .put("email_verified", true)
          .put("profile", url() + "/" + a.username())
          .put("picture", url() + "/uploads/-/system/user/avatar/" + a.id() + "/avatar.png")
          .put("groups", new JsonArray()));
    });
    router.get("/api/v4/projects").handler(this::projects);
    try {
      server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1")
          .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private void token(RoutingContext ctx) {
    HttpServerRequest req = ctx.request();
    String id = req.getFormAttribute("client_id");
    String secret = req.getFormAttribute("client_secret");
    String basic = req.getHeader("Authorization");
    if (basic != null && basic.startsWith("Basic ")) {
      String pair = new String(Base64.getDecoder().decode(basic.substring(6)), StandardCharsets.UTF_8);
      id = pair.substring(0, pair.indexOf(':'));
      secret = pair.substring(pair.indexOf(':') + 1);
    }
    if (!clientSecret.equals(secret) || !clientId.equals(id)) {
      json(ctx, 401, new JsonObject().put("error", "invalid_client")
          .put("error_description", "Client authentication failed due to unknown client, no client authentication"
              + " included, or unsupported authentication method."));
      return;
    }
    String code = req.getFormAttribute("code");
    Grant grant = code == null ? null : codes.remove(code);
    if (!"authorization_code".equals(req.getFormAttribute("grant_type")) || grant == null
        || !grant.redirectUri().equals(req.getFormAttribute("redirect_uri"))
        || !s256(req.getFormAttribute("code_verifier")).equals(grant.challenge())) {
      json(ctx, 400, new JsonObject().put("error", "invalid_grant")
          .put("error_description", "The provided authorization grant is invalid, expired, revoked, does not match"
              + " the redirection URI used in the authorization request, or was issued to another client."));
      return;
    }
    String token = UUID.randomUUID().toString().replace("-", "") + UUID.randomUUID().toString().replace("-", "");
    tokens.put(token, grant.account());
    json(ctx, 200, new JsonObject()
        .put("access_token", token)
        .put("token_type", "Bearer")
        .put("expires_in", 7200)
        .put("refresh_token", UUID.randomUUID().toString().replace("-", ""))
        .put("scope", "openid profile email read_user write_repository read_api")
        .put("created_at", Instant.now().getEpochSecond()));
  }

  private void projects(RoutingContext ctx) {
    HttpServerRequest req = ctx.request();
    lastProjectsRequest = new Received(
        MultiMap.caseInsensitiveMultiMap().addAll(req.params()),
        MultiMap.caseInsensitiveMultiMap().addAll(req.headers()));
    if (failure == Failure.SERVER_ERROR) {
      json(ctx, 500, new JsonObject().put("message", "500 Internal Server Error"));
      return;
    }
    Account a = caller(req);
    if (a == null) {
      json(ctx, 401, new JsonObject().put("message", "401 Unauthorized"));
      return;
    }
    int perPage = Math.max(1, Math.min(100, intParam(req, "per_page", 20)));
    int page = Math.max(1, intParam(req, "page", 1));
    String search = req.getParam("search");
    List<Project> all = new ArrayList<>(projects.getOrDefault(a.username(), List.of()));
    if (search != null && !search.isEmpty()) {
      String s = search.toLowerCase(Locale.ROOT);
      all.removeIf(p -> !p.name().toLowerCase(Locale.ROOT).contains(s)
          && !p.pathWithNamespace().toLowerCase(Locale.ROOT).contains(s));
    }
    if ("last_activity_at".equals(req.getParam("order_by"))) {
      all.sort((x, y) -> y.lastActivityAt().compareTo(x.lastActivityAt()));
    }
    boolean simple = "true".equals(req.getParam("simple"));
    int totalPages = Math.max(1, (all.size() + perPage - 1) / perPage);
    JsonArray body = new JsonArray();
    all.stream().skip((long) (page - 1) * perPage).limit(perPage).forEach(p -> body.add(projectJson(p, simple)));
    ctx.response()
        .putHeader("X-Page", Integer.toString(page))
        .putHeader("X-Per-Page", Integer.toString(perPage))
        .putHeader("X-Prev-Page", page > 1 ? Integer.toString(page - 1) : "")
        .putHeader("X-Next-Page", page < totalPages ? Integer.toString(page + 1) : "")
        .putHeader("X-Total", Integer.toString(all.size()))
        .putHeader("X-Total-Pages", Integer.toString(totalPages));
    json(ctx, 200, body);
  }

  private JsonObject projectJson(Project p, boolean simple) {
    long id = Math.abs((long) p.pathWithNamespace().hashCode()) + 1;
    String web = url() + "/" + p.pathWithNamespace();
    JsonObject o = new JsonObject()
        .put("id", id)
        .put("description", p.description())
        .put("name", p.name())
        .put("name_with_namespace", p.namespace() + " / " + p.name())
        .put("path", p.name())
        .put("path_with_namespace", p.pathWithNamespace())
        .put("created_at", p.lastActivityAt().minusSeconds(86_400 * 90).toString())
        .put("default_branch", p.defaultBranch())
        .put("tag_list", new JsonArray())
        .put("topics", new JsonArray())
        .put("ssh_url_to_repo", "git@127.0.0.1:" + p.pathWithNamespace() + ".git")
        .put("http_url_to_repo", web + ".git")
        .put("web_url", web)
        .put("readme_url", web + "/-/blob/" + p.defaultBranch() + "/README.md")
        .put("forks_count", 0)
        .put("avatar_url", (String) null)
        .put("star_count", 0)
        // GitLab writes times with milliseconds.
        .put("last_activity_at", p.lastActivityAt().toString().replace("Z", ".000Z"))
        .put("visibility", p.visibility())
        .put("namespace", new JsonObject()
            .put("id", Math.abs((long) p.namespace().hashCode()))
            .put("name", p.namespace())
            .put("path", p.namespace())
            .put("kind", "group")
            .put("full_path", p.namespace())
            .put("parent_id", (Long) null)
            .put("avatar_url", (String) null)
            .put("web_url", url() + "/groups/" + p.namespace()));
    if (!simple) {
      o.put("archived", false).put("open_issues_count", 0).put("empty_repo", false);
    }
    return o;
  }

  /** The account the next authorization logs in as. */
  public void nextLogin(Account account) {
    this.next = account;
  }

  /** Replaces the projects the user with this username is a member of. */
  public void setProjects(String username, List<Project> list) {
    projects.put(username, List.copyOf(list));
  }

  /** Revokes every token issued to the user. */
  public void revokeTokens(String username) {
    tokens.values().removeIf(a -> a.username().equals(username));
  }

  /** Makes {@code /api/v4/projects} fail (or stop failing with {@link Failure#NONE}). */
  public void failProjects(Failure how) {
    this.failure = how;
  }

  /** The last {@code /api/v4/projects} request received. */
  public Received lastProjectsRequest() {
    return lastProjectsRequest;
  }

  public String url() {
    return "http://127.0.0.1:" + server.actualPort();
  }

  private Account caller(HttpServerRequest req) {
    String authorization = req.getHeader("Authorization");
    if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return null;
    }
    return tokens.get(authorization.substring(7).trim());
  }

  private static void json(RoutingContext ctx, int status, Object body) {
    ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json")
        .end(body instanceof JsonArray a ? a.encode() : ((JsonObject) body).encode());
  }

  private static int intParam(HttpServerRequest req, String name, int dflt) {
    try {
      return req.getParam(name) == null ? dflt : Integer.parseInt(req.getParam(name));
    } catch (NumberFormatException e) {
      return dflt;
    }
  }

  private static String s256(String verifier) {
    if (verifier == null) {
      return "";
    }
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(d);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    vertx.close();
  }
}
