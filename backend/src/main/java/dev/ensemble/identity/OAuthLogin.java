package dev.ensemble.identity;

import dev.ensemble.config.EnsembleConfig.OAuthProviderConfig;
import dev.ensemble.http.Api;
import dev.ensemble.http.ApiException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.CookieSameSite;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.oauth2.OAuth2Auth;
import io.vertx.ext.auth.oauth2.OAuth2AuthorizationURL;
import io.vertx.ext.auth.oauth2.OAuth2FlowType;
import io.vertx.ext.auth.oauth2.OAuth2Options;
import io.vertx.ext.auth.oauth2.Oauth2Credentials;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * "Log in with GitHub/GitLab": the OAuth2 authorization-code flow (with PKCE and a state cookie),
 * then the provider's user API. Links by provider identity, then by the signed-in caller, then by
 * verified email; otherwise creates an account. Keeps the provider token encrypted for git use.
 */
public final class OAuthLogin {
  private static final Logger log = LoggerFactory.getLogger(OAuthLogin.class);
  private static final String STATE_COOKIE = "ensemble_oauth";

  /** What a provider's user API told us. */
  record Profile(String id, String login, String name, Optional<String> verifiedEmail) {}

  private final OAuthProviderConfig config;
  private final OAuth2Auth oauth;
  private final WebClient http;
  private final AccountStore accounts;
  private final SessionCookies sessions;
  private final SecretBox secrets;
  private final URI publicUrl;
  private final boolean secureCookies;

  public OAuthLogin(
      Vertx vertx, OAuthProviderConfig config, AccountStore accounts, SessionCookies sessions,
      SecretBox secrets, URI publicUrl, boolean secureCookies, WebClient http) {
    this.config = config;
    this.accounts = accounts;
    this.sessions = sessions;
    this.secrets = secrets;
    this.publicUrl = publicUrl;
    this.secureCookies = secureCookies;
    this.http = http;
    boolean github = isGithub();
    this.oauth =
        OAuth2Auth.create(
            vertx,
            new OAuth2Options()
                .setClientId(config.clientId())
                .setClientSecret(config.clientSecret())
                .setSite(config.siteUrl().toString())
                .setAuthorizationPath(github ? "/login/oauth/authorize" : "/oauth/authorize")
                .setTokenPath(github ? "/login/oauth/access_token" : "/oauth/token")
                .setHeaders(new JsonObject().put("Accept", "application/json")));
  }

  public String id() {
    return config.id();
  }

  public String displayName() {
    return isGithub() ? "GitHub" : "GitLab";
  }

  private boolean isGithub() {
    return config.id().equals("github");
  }

  private List<String> scopes() {
    // repo / write_repository: the token is later used to clone and push on the user's behalf.
    return isGithub()
        ? List.of("read:user", "user:email", "repo")
        : List.of("openid", "profile", "email", "read_user", "write_repository", "read_api");
  }

  private String callbackUrl() {
    return publicUrl + "/api/auth/oauth/" + id() + "/callback";
  }

  public void mount(Router router, Api api) {
    api.raw(router.get("/api/auth/oauth/" + id() + "/login"), this::start);
    api.raw(router.get("/api/auth/oauth/" + id() + "/callback"), this::callback);
  }

  private void start(RoutingContext ctx) {
    String state = Secrets.newToken("", 24);
    String verifier = Secrets.newToken("", 32);
    String returnTo = safeReturnTo(ctx.request().getParam("returnTo"));
    String url =
        oauth.authorizeURL(
            new OAuth2AuthorizationURL()
                .setRedirectUri(callbackUrl())
                .setScopes(scopes())
                .setState(state)
                .setCodeChallenge(challenge(verifier))
                .setCodeChallengeMethod("S256"));
    String cookieValue = state + "." + verifier + "." + Base64.getUrlEncoder().withoutPadding()
        .encodeToString(returnTo.getBytes(StandardCharsets.UTF_8));
    ctx.response()
        .addCookie(
            Cookie.cookie(STATE_COOKIE, cookieValue)
                .setPath("/api/auth/oauth/" + id())
                .setHttpOnly(true)
                .setSecure(secureCookies)
                .setSameSite(CookieSameSite.LAX)
                .setMaxAge(600))
        .setStatusCode(302)
        .putHeader("Location", url)
        .end();
  }

  private void callback(RoutingContext ctx) {
    Cookie cookie = ctx.request().getCookie(STATE_COOKIE);
    String[] parts = cookie == null ? new String[0] : cookie.getValue().split("\\.", 3);
    String state = ctx.request().getParam("state");
    String code = ctx.request().getParam("code");
    if (ctx.request().getParam("error") != null) {
      ctx.fail(ApiException.badRequest("oauth_denied", "the provider refused: " + ctx.request().getParam("error")));
      return;
    }
    if (parts.length != 3 || state == null || code == null
        || !MessageDigest.isEqual(parts[0].getBytes(StandardCharsets.UTF_8), state.getBytes(StandardCharsets.UTF_8))) {
      ctx.fail(ApiException.badRequest("oauth_state", "login expired or was not started here; try again"));
      return;
    }
    String verifier = parts[1];
    String returnTo = safeReturnTo(new String(Base64.getUrlDecoder().decode(parts[2]), StandardCharsets.UTF_8));
    Optional<Caller> signedIn = Optional.ofNullable(ctx.get(Caller.KEY));
    oauth
        .authenticate(
            new Oauth2Credentials()
                .setFlow(OAuth2FlowType.AUTH_CODE)
                .setCode(code)
                .setRedirectUri(callbackUrl())
                .setCodeVerifier(verifier))
        .compose(
            user -> {
              String accessToken = user.principal().getString("access_token");
              if (accessToken == null) {
                return Future.failedFuture(ApiException.of(502, "oauth_failed", "provider returned no access token"));
              }
              Optional<String> refresh = Optional.ofNullable(user.principal().getString("refresh_token"));
              String scope = user.principal().getString("scope", String.join(" ", scopes()));
              return profile(accessToken)
                  .compose(p -> resolveUser(p, signedIn).compose(u -> accounts
                      .saveIdentity(id(), p.id(), u.id(), p.login(),
                          secrets.seal(accessToken.getBytes(StandardCharsets.UTF_8)),
                          refresh.map(r -> secrets.seal(r.getBytes(StandardCharsets.UTF_8))), scope)
                      .map(v -> u)));
            })
        .compose(u -> signedIn.isPresent() ? Future.succeededFuture() : sessions.start(ctx, u.id()))
        .onSuccess(
            v -> {
              ctx.response().addCookie(Cookie.cookie(STATE_COOKIE, "").setPath("/api/auth/oauth/" + id()).setMaxAge(0));
              ctx.response().setStatusCode(302).putHeader("Location", returnTo).end();
            })
        .onFailure(
            e -> {
              if (e instanceof ApiException) {
                ctx.fail(e);
              } else {
                log.warn("{} login failed: {}", id(), e.getMessage());
                ctx.fail(ApiException.of(502, "oauth_failed", displayName() + " login failed: " + e.getMessage()));
              }
            });
  }

  private Future<User> resolveUser(Profile p, Optional<Caller> signedIn) {
    return accounts
        .userForIdentity(id(), p.id())
        .compose(
            existing -> {
              if (existing.isPresent()) {
                return Future.succeededFuture(existing.get());
              }
              if (signedIn.isPresent()) {
                return Future.succeededFuture(signedIn.get().user());
              }
              Future<Optional<User>> byEmail =
                  p.verifiedEmail().map(accounts::byVerifiedEmail).orElse(Future.succeededFuture(Optional.empty()));
              return byEmail.compose(
                  linked -> linked.isPresent() ? Future.succeededFuture(linked.get()) : createUser(p, 0));
            });
  }

  private Future<User> createUser(Profile p, int attempt) {
    String base = p.login().replaceAll("[^A-Za-z0-9_.-]", "-");
    if (base.length() < 3) {
      base = base + "-" + id();
    }
    String username = attempt == 0 ? base : base + "-" + attempt;
    if (username.length() > 32) {
      username = username.substring(0, 32);
    }
    String name = p.name() == null || p.name().isBlank() ? p.login() : p.name();
    return accounts
        .createUser(username, name, p.verifiedEmail(), p.verifiedEmail().isPresent(), Optional.empty())
        .compose(
            created ->
                created.isPresent()
                    ? Future.succeededFuture(created.get())
                    : attempt < 20 ? createUser(p, attempt + 1)
                    : Future.failedFuture(ApiException.conflict("username_taken", "no free username for " + p.login())));
  }

  private Future<Profile> profile(String token) {
    if (isGithub()) {
      return getJson(config.apiUrl() + "/user", token)
          .compose(
              u -> getJsonArray(config.apiUrl() + "/user/emails", token)
                  .map(emails -> {
                    Optional<String> verified = Optional.empty();
                    for (int i = 0; i < emails.size(); i++) {
                      JsonObject e = emails.getJsonObject(i);
                      if (e.getBoolean("verified", false) && (verified.isEmpty() || e.getBoolean("primary", false))) {
                        verified = Optional.of(e.getString("email"));
                      }
                    }
                    return new Profile(String.valueOf(u.getValue("id")), u.getString("login"), u.getString("name"), verified);
                  }));
    }
    return getJson(config.siteUrl() + "/oauth/userinfo", token)
        .map(
            u -> new Profile(
                String.valueOf(u.getValue("sub")),
                Optional.ofNullable(u.getString("nickname")).orElse(u.getString("preferred_username", "gitlab-user")),
                u.getString("name"),
                u.getBoolean("email_verified", false) ? Optional.ofNullable(u.getString("email")) : Optional.empty()));
  }

  private Future<JsonObject> getJson(String url, String token) {
    return get(url, token).map(HttpResponse::bodyAsJsonObject);
  }

  private Future<JsonArray> getJsonArray(String url, String token) {
    return get(url, token).map(HttpResponse::bodyAsJsonArray);
  }

  private Future<HttpResponse<io.vertx.core.buffer.Buffer>> get(String url, String token) {
    return http.getAbs(url)
        .putHeader("Authorization", "Bearer " + token)
        .putHeader("Accept", "application/json")
        .putHeader("User-Agent", "Ensemble")
        .send()
        .compose(
            r -> r.statusCode() == 200
                ? Future.succeededFuture(r)
                : Future.failedFuture(displayName() + " API " + url + " answered " + r.statusCode()));
  }

  static String safeReturnTo(String value) {
    // Browsers drop tabs and newlines from URLs, so "/\t/evil" would become "//evil": allow only
    // plain printable characters, and no scheme-relative or backslash forms.
    if (value == null
        || !value.startsWith("/")
        || value.startsWith("//")
        || value.contains("\\")
        || !value.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
      return "/";
    }
    return value;
  }

  private static String challenge(String verifier) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(d);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
