package dev.ensemble.identity;

import static dev.ensemble.http.JsonBody.integer;
import static dev.ensemble.http.JsonBody.string;

import dev.ensemble.http.ApiException;
import dev.ensemble.http.Ids;
import dev.ensemble.http.JsonBody;
import dev.ensemble.http.Api;
import dev.ensemble.http.Reply;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** Sign-up, login, logout, the current user, and personal access tokens. */
public final class AuthRoutes {
  public static final String USERNAME_PATTERN = "^[A-Za-z0-9_.-]+$";
  static final JsonBody SIGNUP =
      JsonBody.object(
          new JsonObject()
              .put("username", string(3, 32, USERNAME_PATTERN))
              .put("password", string(8, 128))
              .put("displayName", string(1, 100)),
          "username", "password");
  static final JsonBody LOGIN =
      JsonBody.object(
          new JsonObject().put("username", string(1, 200)).put("password", string(1, 1024)),
          "username", "password");
  static final JsonBody UPDATE_ME =
      JsonBody.object(new JsonObject().put("displayName", string(1, 100)), "displayName");
  static final JsonBody NEW_TOKEN =
      JsonBody.object(
          new JsonObject().put("name", string(1, 100)).put("expiresInDays", integer(1, 3650)), "name");

  private final Vertx vertx;
  private final AccountStore accounts;
  private final PasswordHasher hasher;
  private final LoginThrottle throttle;
  private final SessionCookies sessions;
  private final List<OAuthLogin> providers;

  public AuthRoutes(
      Vertx vertx, AccountStore accounts, PasswordHasher hasher, LoginThrottle throttle,
      SessionCookies sessions, List<OAuthLogin> providers) {
    this.vertx = vertx;
    this.accounts = accounts;
    this.hasher = hasher;
    this.throttle = throttle;
    this.sessions = sessions;
    this.providers = providers;
  }

  public void mount(Router router, Api api) {
    api.bind(router.post("/api/auth/signup"), this::signup);
    api.bind(router.post("/api/auth/login"), this::login);
    api.bind(router.post("/api/auth/logout"), this::logout);
    api.bind(router.get("/api/auth/providers"), this::providers);
    api.bind(router.get("/api/me"), this::me);
    api.bind(router.patch("/api/me"), this::updateMe);
    api.bind(router.post("/api/tokens"), this::createToken);
    api.bind(router.get("/api/tokens"), this::listTokens);
    api.bind(router.delete("/api/tokens/:tokenId"), this::deleteToken);
    for (OAuthLogin p : providers) {
      p.mount(router, api);
    }
  }

  private Future<Reply> signup(RoutingContext ctx) {
    JsonObject body = SIGNUP.read(ctx);
    String username = body.getString("username");
    String password = body.getString("password");
    String displayName = body.getString("displayName", username).strip();
    if (displayName.isEmpty()) {
      throw ApiException.invalidField("displayName", "displayName must not be blank");
    }
    return vertx
        .executeBlocking(() -> hasher.hash(password), false)
        .compose(hash -> accounts.createUser(username, displayName, Optional.empty(), false, Optional.of(hash)))
        .compose(
            created -> {
              if (created.isEmpty()) {
                return Future.failedFuture(ApiException.conflict("username_taken", "username '" + username + "' is taken"));
              }
              User user = created.get();
              return sessions.start(ctx, user.id()).map(v -> Reply.created(userJson(user)));
            });
  }

  private Future<Reply> login(RoutingContext ctx) {
    JsonObject body = LOGIN.read(ctx);
    String username = body.getString("username");
    String password = body.getString("password");
    String ip = ctx.request().remoteAddress() == null ? "unknown" : ctx.request().remoteAddress().hostAddress();
    long wait = throttle.tryAcquire(username, ip);
    if (wait > 0) {
      throw ApiException.rateLimited(wait);
    }
    return accounts
        .credentials(username)
        .compose(
            found ->
                vertx
                    .executeBlocking(
                        () -> {
                          String hash = found.flatMap(AccountStore.Credentials::passwordHash).orElse(hasher.decoy());
                          return hasher.verify(password, hash) && found.flatMap(AccountStore.Credentials::passwordHash).isPresent();
                        },
                        false)
                    .compose(
                        ok -> {
                          if (!ok) {
                            return Future.failedFuture(
                                ApiException.of(401, "invalid_credentials", "wrong username or password"));
                          }
                          throttle.recordSuccess(username, ip);
                          User user = found.get().user();
                          return sessions.start(ctx, user.id()).map(v -> Reply.ok(userJson(user)));
                        }));
  }

  private Future<Reply> logout(RoutingContext ctx) {
    Caller caller = Authenticator.require(ctx);
    return sessions.end(ctx, caller).map(v -> Reply.noContent());
  }

  private Future<Reply> providers(RoutingContext ctx) {
    JsonArray list = new JsonArray();
    for (OAuthLogin p : providers) {
      list.add(
          new JsonObject()
              .put("id", p.id())
              .put("name", p.displayName())
              .put("loginUrl", "/api/auth/oauth/" + p.id() + "/login"));
    }
    return Future.succeededFuture(Reply.ok(list));
  }

  /** The caller, and which of this server's login providers they have linked (for GitHub/GitLab features). */
  private Future<Reply> me(RoutingContext ctx) {
    User user = Authenticator.require(ctx).user();
    List<String> configured = providers.stream().map(OAuthLogin::id).toList();
    return accounts.linkedProviders(user.id()).map(linked -> Reply.ok(userJson(user)
        .put("linkedProviders", new JsonArray(linked.stream().filter(configured::contains).toList()))));
  }

  private Future<Reply> updateMe(RoutingContext ctx) {
    Caller caller = Authenticator.require(ctx);
    String displayName = UPDATE_ME.read(ctx).getString("displayName").strip();
    if (displayName.isEmpty()) {
      throw ApiException.invalidField("displayName", "displayName must not be blank");
    }
    return accounts.updateDisplayName(caller.user().id(), displayName).map(u -> Reply.ok(userJson(u)));
  }

  private Future<Reply> createToken(RoutingContext ctx) {
    Caller caller = Authenticator.require(ctx);
    JsonObject body = NEW_TOKEN.read(ctx);
    String token = Secrets.newToken("ens_", 32);
    Optional<Duration> ttl = Optional.ofNullable(body.getInteger("expiresInDays")).map(Duration::ofDays);
    return accounts
        .createToken(caller.user().id(), body.getString("name").strip(), Secrets.digest(token), ttl)
        .map(t -> Reply.created(t.toJson().put("token", token)));
  }

  private Future<Reply> listTokens(RoutingContext ctx) {
    Caller caller = Authenticator.require(ctx);
    return accounts
        .tokens(caller.user().id())
        .map(list -> Reply.ok(new JsonArray(list.stream().map(AccountStore.AccessToken::toJson).toList())));
  }

  private Future<Reply> deleteToken(RoutingContext ctx) {
    Caller caller = Authenticator.require(ctx);
    UUID id = Ids.parse(ctx.pathParam("tokenId")).orElseThrow(() -> ApiException.notFound("token"));
    return accounts
        .deleteToken(caller.user().id(), id)
        .map(
            deleted -> {
              if (!deleted) {
                throw ApiException.notFound("token");
              }
              return Reply.noContent();
            });
  }

  static JsonObject userJson(User user) {
    return new JsonObject().put("user", user.toJson());
  }
}
