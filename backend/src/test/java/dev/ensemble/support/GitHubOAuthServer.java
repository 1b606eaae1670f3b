package dev.ensemble.support;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A local stand-in for github.com's OAuth app endpoints and the two REST calls login needs, speaking
 * GitHub's documented wire format: {@code /login/oauth/authorize} redirects back with a code,
 * {@code /login/oauth/access_token} exchanges it (JSON when asked), {@code /user} and
 * {@code /user/emails} answer with the account. It checks the client secret and single use of codes.
 */
public final class GitHubOAuthServer implements AutoCloseable {
  /** The GitHub account that "logs in". */
  public record Account(long id, String login, String name, String email, boolean verified) {}

  private final Vertx vertx = Vertx.vertx();
  private final HttpServer server;
  private final Map<String, Account> codes = new ConcurrentHashMap<>();
  private final Map<String, Account> tokens = new ConcurrentHashMap<>();
  private volatile Account next;

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

  public String url() {
    return "http://127.0.0.1:" + server.actualPort();
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
