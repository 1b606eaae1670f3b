package dev.ensemble.identity;

import dev.ensemble.http.ApiException;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import java.security.MessageDigest;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.Set;

/**
 * Resolves the caller of every API request from {@code Authorization: Bearer <token>} or the
 * session cookie, and enforces CSRF protection on cookie-authenticated state changes.
 */
public final class Authenticator implements Handler<RoutingContext> {
  public static final String SESSION_COOKIE = "ensemble_session";
  public static final String CSRF_COOKIE = "ensemble_csrf";
  public static final String CSRF_HEADER = "X-CSRF-Token";
  private static final Set<HttpMethod> SAFE = Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS);

  private final AccountStore accounts;

  public Authenticator(AccountStore accounts) {
    this.accounts = accounts;
  }

  @Override
  public void handle(RoutingContext ctx) {
    resolve(ctx.request().getHeader("Authorization"), sessionCookie(ctx), Optional.empty())
        .onSuccess(
            caller -> {
              caller.ifPresent(c -> ctx.put(Caller.KEY, c));
              if (caller.isPresent()
                  && caller.get().csrfToken().isPresent()
                  && !SAFE.contains(ctx.request().method())
                  && !csrfMatches(caller.get().csrfToken().get(), ctx.request().getHeader(CSRF_HEADER))) {
                ctx.fail(ApiException.csrf());
                return;
              }
              ctx.next();
            })
        .onFailure(ctx::fail);
  }

  /**
   * Finds the caller from an Authorization header, a session cookie value or an access token given
   * as a query parameter (WebSocket upgrades). A bearer token that is present but unknown fails.
   */
  public Future<Optional<Caller>> resolve(
      String authorization, Optional<String> sessionToken, Optional<String> accessToken) {
    Optional<String> bearer =
        Optional.ofNullable(authorization)
            .filter(h -> h.regionMatches(true, 0, "Bearer ", 0, 7))
            .map(h -> h.substring(7).trim())
            .or(() -> accessToken);
    if (authorization != null && bearer.isEmpty()) {
      return Future.failedFuture(ApiException.unauthorized("unsupported Authorization scheme"));
    }
    if (bearer.isPresent()) {
      return accounts
          .tokenUser(Secrets.digest(bearer.get()))
          .compose(
              user ->
                  user.isPresent()
                      ? Future.succeededFuture(Optional.of(new Caller(user.get(), Optional.empty(), Optional.empty())))
                      : Future.failedFuture(ApiException.unauthorized("invalid or expired access token")));
    }
    if (sessionToken.isPresent()) {
      return accounts.session(Secrets.digest(sessionToken.get()));
    }
    return Future.succeededFuture(Optional.empty());
  }

  /** The caller, or a 401 when the request is anonymous. */
  public static Caller require(RoutingContext ctx) {
    Caller caller = ctx.get(Caller.KEY);
    if (caller == null) {
      throw ApiException.unauthorized("authentication required");
    }
    return caller;
  }

  public static Optional<String> sessionCookie(RoutingContext ctx) {
    Cookie c = ctx.request().getCookie(SESSION_COOKIE);
    return c == null || c.getValue().isBlank() ? Optional.empty() : Optional.of(c.getValue());
  }

  private static boolean csrfMatches(String expected, String given) {
    return given != null
        && MessageDigest.isEqual(
            expected.getBytes(StandardCharsets.UTF_8), given.getBytes(StandardCharsets.UTF_8));
  }
}
