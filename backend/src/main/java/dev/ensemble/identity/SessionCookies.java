package dev.ensemble.identity;

import io.vertx.core.Future;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.CookieSameSite;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.UUID;

/** Starts and ends browser sessions: a stored session and its two cookies. */
public final class SessionCookies {
  private final AccountStore accounts;
  private final Duration ttl;
  private final boolean secure;

  public SessionCookies(AccountStore accounts, Duration ttl, boolean secure) {
    this.accounts = accounts;
    this.ttl = ttl;
    this.secure = secure;
  }

  /** Creates a session for the user and sets the HttpOnly session cookie and the CSRF cookie. */
  public Future<Void> start(RoutingContext ctx, UUID userId) {
    String token = Secrets.newToken("", 32);
    String csrf = Secrets.newToken("", 24);
    return accounts
        .createSession(Secrets.digest(token), userId, csrf, ttl)
        .onSuccess(
            v -> {
              ctx.response().addCookie(cookie(Authenticator.SESSION_COOKIE, token, true, ttl.toSeconds()));
              ctx.response().addCookie(cookie(Authenticator.CSRF_COOKIE, csrf, false, ttl.toSeconds()));
            });
  }

  /** Deletes the stored session (if any) and expires both cookies. */
  public Future<Void> end(RoutingContext ctx, Caller caller) {
    Future<Void> deleted =
        caller.sessionHash().map(accounts::deleteSession).orElse(Future.succeededFuture());
    return deleted.onSuccess(
        v -> {
          ctx.response().addCookie(cookie(Authenticator.SESSION_COOKIE, "", true, 0));
          ctx.response().addCookie(cookie(Authenticator.CSRF_COOKIE, "", false, 0));
        });
  }

  private Cookie cookie(String name, String value, boolean httpOnly, long maxAge) {
    return Cookie.cookie(name, value)
        .setPath("/")
        .setHttpOnly(httpOnly)
        .setSecure(secure)
        .setSameSite(CookieSameSite.LAX)
        .setMaxAge(maxAge);
  }
}
