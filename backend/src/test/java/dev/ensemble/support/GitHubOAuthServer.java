package dev.ensemble.support;

import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A local stand-in for github.com's OAuth app endpoints and the REST calls Ensemble makes, speaking
 * GitHub's documented wire format: {@code /login/oauth/authorize} redirects back with a code,
 * {@code /login/oauth/access_token} exchanges it (JSON when asked), {@code /user} and
 * {@code /user/emails} answer with the account, {@code /user/repos} lists its repositories a page
 * at a time with a {@code Link} header. It checks the client secret and single use of codes.
 */
public final class GitHubOAuthServer implements AutoCloseable {
  /** The GitHub account that "logs in". */
  public record Account(long id, String login, String name, String email, boolean verified) {}

  /** A repository an account can reach; {@code owner} may be an organization. */
  public record Repository(
      String owner, String name, boolean isPrivate, String description, String defaultBranch, Instant updatedAt) {
    public String fullName() {
      return owner + "/" + name;
    }
  }

  /** What the stand-in's repository list does instead of answering normally. */
  public enum Failure { NONE, SERVER_ERROR, NO_ANSWER }

  /** The query and headers of a {@code /user/repos} request, as received. */
  public record Received(MultiMap query, MultiMap headers) {}

  private final Vertx vertx = Vertx.vertx();
  private final HttpServer server;
  private final Map<String, Account> codes = new ConcurrentHashMap<>();
  private final Map<String, Account> tokens = new ConcurrentHashMap<>();
  private final Map<String, List<Repository>> repositories = new ConcurrentHashMap<>();
  private volatile Account next;
  private volatile Failure failure = Failure.NONE;
  private volatile Received lastRepositoriesRequest;

  public GitHubOAuthServer(String clientId, String clientSecret) {
    Router router = Router.router(vertx);
    router.route().handler(BodyHandler.create());
    router.get("/login/oauth/authorize").handler(ctx -> {
      if (!clientId.equals(ctx.request().getParam("client_id"))) {
        ctx.response().setStatusCode(404).end("unknown client");
        return;
      }
      String code = UUID.randomUUID().toString();
      codes.put(code, next);
      String redirect = ctx.request().getParam("redirect_uri") + "?code=" + code + "&state="
          + URLEncoder.encode(ctx.request().getParam("state"), StandardCharsets.UTF_8);
      ctx.response().setStatusCode(302).putHeader("Location", redirect).end();
    });
    router.post("/login/oauth/access_token").handler(ctx -> {
      String code = ctx.request().getFormAttribute("code");
      String secret = ctx.request().getFormAttribute("client_secret");
      if (secret == null && ctx.request().getHeader("Authorization") != null) {
        String basic = new String(java.util.Base64.getDecoder().decode(
            ctx.request().getHeader("Authorization").substring(6)), StandardCharsets.UTF_8);
        secret = basic.substring(basic.indexOf(':') + 1);
      }
      Account account = code == null ? null : codes.remove(code);
      JsonObject reply;
      if (!clientSecret.equals(secret)) {
        reply = new JsonObject().put("error", "incorrect_client_credentials");
      } else if (account == null) {
        reply = new JsonObject().put("error", "bad_verification_code");
      } else {
        String token = "gho_" + UUID.randomUUID().toString().replace("-", "");
        tokens.put(token, account);
        reply = new JsonObject().put("access_token", token).put("token_type", "bearer").put("scope", "read:user,user:email,repo");
      }
      // GitHub answers 200 even for errors, with an "error" member.
      ctx.response().putHeader("Content-Type", "application/json").end(reply.encode());
    });
    router.get("/user").handler(ctx -> {
      Account a = caller(ctx.request().getHeader("Authorization"));
      if (a == null) {
        ctx.response().setStatusCode(401).end(new JsonObject().put("message", "Bad credentials").encode());
        return;
      }
      ctx.response().putHeader("Content-Type", "application/json").end(new JsonObject()
          .put("id", a.id()).put("login", a.login()).put("name", a.name()).put("email", (String) null).encode());
    });
    router.get("/user/emails").handler(ctx -> {
      Account a = caller(ctx.request().getHeader("Authorization"));
      if (a == null) {
        ctx.response().setStatusCode(401).end();
        return;
      }
      ctx.response().putHeader("Content-Type", "application/json").end(new JsonArray()
          .add(new JsonObject().put("email", a.login() + "@users.noreply.github.com").put("primary", false)
              .put("verified", true).put("visibility", (String) null))
          .add(new JsonObject().put("email", a.email()).put("primary", true).put("verified", a.verified())
              .put("visibility", "private")).encode());
    });
    router.get("/user/repos").handler(ctx -> {
      HttpServerRequest req = ctx.request();
      lastRepositoriesRequest = new Received(
          MultiMap.caseInsensitiveMultiMap().addAll(req.params()),
          MultiMap.caseInsensitiveMultiMap().addAll(req.headers()));
      if (failure == Failure.NO_ANSWER) {
        return;
      }
      if (failure == Failure.SERVER_ERROR) {
        ctx.response().setStatusCode(500).putHeader("Content-Type", "application/json")
            .end(new JsonObject().put("message", "Server Error").encode());
        return;
      }
      Account a = caller(req.getHeader("Authorization"));
      if (a == null) {
        ctx.response().setStatusCode(401).putHeader("Content-Type", "application/json; charset=utf-8")
            .end(new JsonObject().put("message", "Bad credentials")
                .put("documentation_url", "https://docs.github.com/rest").put("status", "401").encode());
        return;
      }
      int perPage = Math.min(100, intParam(req, "per_page", 30));
      int page = Math.max(1, intParam(req, "page", 1));
      List<Repository> all = new ArrayList<>(repositories.getOrDefault(a.login(), List.of()));
      if ("updated".equals(req.getParam("sort"))) {
        all.sort((x, y) -> y.updatedAt().compareTo(x.updatedAt()));
      }
      int last = Math.max(1, (all.size() + perPage - 1) / perPage);
      JsonArray body = new JsonArray();
      all.stream().skip((long) (page - 1) * perPage).limit(perPage).forEach(r -> body.add(repositoryJson(a, r)));
      List<String> links = new ArrayList<>();
      if (page > 1) {
        links.add(pageLink(req, page - 1, "prev"));
      }
      if (page < last) {
        links.add(pageLink(req, page + 1, "next"));
        links.add(pageLink(req, last, "last"));
      }
      if (page > 1) {
        links.add(pageLink(req, 1, "first"));
      }
      if (!links.isEmpty()) {
        ctx.response().putHeader("Link", String.join(", ", links));
      }
      ctx.response().putHeader("Content-Type", "application/json; charset=utf-8").end(body.encode());
    });
    try {
      server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1")
          .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** The account the next authorization logs in as. */
  public void nextLogin(Account account) {
    this.next = account;
  }

  /** Replaces the repositories the account with this login can reach. */
  public void setRepositories(String login, List<Repository> list) {
    repositories.put(login, List.copyOf(list));
  }

  /** Revokes every token issued to the account, as when the user removes the app's authorization. */
  public void revokeTokens(String login) {
    tokens.values().removeIf(a -> a.login().equals(login));
  }

  /** Makes {@code /user/repos} fail (or stop failing with {@link Failure#NONE}). */
  public void failRepositories(Failure how) {
    this.failure = how;
  }

  /** The last {@code /user/repos} request received. */
  public Received lastRepositoriesRequest() {
    return lastRepositoriesRequest;
  }

  public String url() {
    return "http://127.0.0.1:" + server.actualPort();
  }

  private JsonObject repositoryJson(Account account, Repository r) {
    long id = Math.abs((long) r.fullName().hashCode()) + 1;
    String html = url() + "/" + r.fullName();
    String api = url() + "/repos/" + r.fullName();
    boolean own = r.owner().equals(account.login());
    return new JsonObject()
        .put("id", id)
        .put("node_id", "R_kgDO" + Long.toHexString(id))
        .put("name", r.name())
        .put("full_name", r.fullName())
        .put("private", r.isPrivate())
        .put("owner", new JsonObject()
            .put("login", r.owner())
            .put("id", own ? account.id() : Math.abs((long) r.owner().hashCode()))
            .put("type", own ? "User" : "Organization")
            .put("html_url", url() + "/" + r.owner())
            .put("site_admin", false))
        .put("html_url", html)
        .put("description", r.description())
        .put("fork", false)
        .put("url", api)
        .put("created_at", r.updatedAt().minusSeconds(86_400 * 30).toString())
        .put("updated_at", r.updatedAt().toString())
        .put("pushed_at", r.updatedAt().toString())
        .put("git_url", "git://127.0.0.1/" + r.fullName() + ".git")
        .put("ssh_url", "git@127.0.0.1:" + r.fullName() + ".git")
        .put("clone_url", html + ".git")
        .put("svn_url", html)
        .put("homepage", (String) null)
        .put("size", 108)
        .put("stargazers_count", 0)
        .put("watchers_count", 0)
        .put("language", "Java")
        .put("has_issues", true)
        .put("archived", false)
        .put("disabled", false)
        .put("visibility", r.isPrivate() ? "private" : "public")
        .put("forks_count", 0)
        .put("open_issues_count", 0)
        .put("topics", new JsonArray())
        .put("default_branch", r.defaultBranch())
        .put("permissions", new JsonObject()
            .put("admin", own).put("maintain", own).put("push", true).put("triage", true).put("pull", true));
  }

  /** A {@code Link} entry: the request's own URL with another page number, as GitHub writes them. */
  private String pageLink(HttpServerRequest req, int page, String rel) {
    StringBuilder query = new StringBuilder();
    for (Map.Entry<String, String> e : req.params()) {
      if (!e.getKey().equals("page")) {
        query.append(query.isEmpty() ? "" : "&").append(e.getKey()).append('=')
            .append(URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8));
      }
    }
    query.append("&page=").append(page);
    return "<" + url() + req.path() + "?" + query + ">; rel=\"" + rel + "\"";
  }

  private static int intParam(HttpServerRequest req, String name, int dflt) {
    try {
      return req.getParam(name) == null ? dflt : Integer.parseInt(req.getParam(name));
    } catch (NumberFormatException e) {
      return dflt;
    }
  }

  private Account caller(String authorization) {
    if (authorization == null) {
      return null;
    }
    String token = authorization.replaceFirst("(?i)^(bearer|token) ", "");
    return tokens.get(token);
  }

  @Override
  public void close() {
    vertx.close();
  }
}
