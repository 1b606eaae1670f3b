package dev.ensemble.identity;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import static dev.ensemble.store.Rows.first;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** Accounts, sessions, personal access tokens and provider identities in PostgreSQL. */
public final class AccountStore {
  private static final String USER_COLUMNS = "u.id, u.username, u.display_name, u.email, u.created_at";
  private final Pool pool;

  public AccountStore(Pool pool) {
    this.pool = pool;
  }

  /** A user with a stored password hash, for login. */
  public record Credentials(User user, Optional<String> passwordHash) {}

  /** Creates a user; an empty result means the username is taken. */
  public Future<Optional<User>> createUser(
      String username, String displayName, Optional<String> email, boolean emailVerified,
      Optional<String> passwordHash) {
    return pool.preparedQuery(
            "INSERT INTO users (username, display_name, email, email_verified, password_hash)"
                + " VALUES ($1, $2, $3, $4, $5)"
                + " RETURNING id, username, display_name, email, created_at")
        .execute(Tuple.of(username, displayName, email.orElse(null), emailVerified, passwordHash.orElse(null)))
        .map(rows -> Optional.of(User.from(rows.iterator().next())))
        .recover(
            e ->
                e instanceof PgException pg && "23505".equals(pg.getSqlState())
                    ? Future.succeededFuture(Optional.empty())
                    : Future.failedFuture(e));
  }

  public Future<Optional<Credentials>> credentials(String username) {
    return pool.preparedQuery(
            "SELECT " + USER_COLUMNS + ", u.password_hash FROM users u WHERE lower(u.username) = lower($1)")
        .execute(Tuple.of(username))
        .map(rows -> first(rows).map(r -> new Credentials(User.from(r), Optional.ofNullable(r.getString("password_hash")))));
  }

  public Future<Optional<User>> byId(UUID id) {
    return pool.preparedQuery("SELECT " + USER_COLUMNS + " FROM users u WHERE u.id = $1")
        .execute(Tuple.of(id))
        .map(rows -> first(rows).map(User::from));
  }

  public Future<Optional<User>> byUsername(String username) {
    return pool.preparedQuery("SELECT " + USER_COLUMNS + " FROM users u WHERE lower(u.username) = lower($1)")
        .execute(Tuple.of(username))
        .map(rows -> first(rows).map(User::from));
  }

  /** The account whose verified email matches, for linking a provider login. */
  public Future<Optional<User>> byVerifiedEmail(String email) {
    return pool.preparedQuery(
            "SELECT " + USER_COLUMNS + " FROM users u WHERE lower(u.email) = lower($1) AND u.email_verified"
                + " ORDER BY u.created_at LIMIT 1")
        .execute(Tuple.of(email))
        .map(rows -> first(rows).map(User::from));
  }

  public Future<User> updateDisplayName(UUID id, String displayName) {
    return pool.preparedQuery(
            "UPDATE users u SET display_name = $2 WHERE u.id = $1 RETURNING " + USER_COLUMNS)
        .execute(Tuple.of(id, displayName))
        .map(rows -> User.from(rows.iterator().next()));
  }

  // --- sessions -------------------------------------------------------------------------------

  public Future<Void> createSession(byte[] tokenHash, UUID userId, String csrfToken, Duration ttl) {
    return pool.preparedQuery(
            "INSERT INTO sessions (token_hash, user_id, csrf_token, expires_at) VALUES ($1, $2, $3, $4)")
        .execute(Tuple.of(Buffer.buffer(tokenHash), userId, csrfToken, now().plus(ttl)))
        .mapEmpty();
  }

  /** The live session's user and CSRF token. */
  public Future<Optional<Caller>> session(byte[] tokenHash) {
    return pool.preparedQuery(
            "SELECT " + USER_COLUMNS + ", s.csrf_token FROM sessions s JOIN users u ON u.id = s.user_id"
                + " WHERE s.token_hash = $1 AND s.expires_at > now()")
        .execute(Tuple.of(Buffer.buffer(tokenHash)))
        .map(
            rows ->
                first(rows)
                    .map(r -> new Caller(User.from(r), Optional.of(r.getString("csrf_token")), Optional.of(tokenHash))));
  }

  public Future<Void> deleteSession(byte[] tokenHash) {
    return pool.preparedQuery("DELETE FROM sessions WHERE token_hash = $1")
        .execute(Tuple.of(Buffer.buffer(tokenHash)))
        .mapEmpty();
  }

  public Future<Integer> deleteExpiredSessions() {
    return pool.query("DELETE FROM sessions WHERE expires_at <= now()").execute().map(RowSet::rowCount);
  }

  // --- personal access tokens ---------------------------------------------------------------

  /** A stored token's metadata (never the token itself). */
  public record AccessToken(
      UUID id, String name, OffsetDateTime createdAt, Optional<OffsetDateTime> expiresAt,
      Optional<OffsetDateTime> lastUsedAt) {
    static AccessToken from(Row r) {
      return new AccessToken(
          r.getUUID("id"), r.getString("name"), r.getOffsetDateTime("created_at"),
          Optional.ofNullable(r.getOffsetDateTime("expires_at")),
          Optional.ofNullable(r.getOffsetDateTime("last_used_at")));
    }

    public JsonObject toJson() {
      return new JsonObject()
          .put("id", id.toString())
          .put("name", name)
          .put("createdAt", createdAt.toInstant().toString())
          .put("expiresAt", expiresAt.map(t -> t.toInstant().toString()).orElse(null))
          .put("lastUsedAt", lastUsedAt.map(t -> t.toInstant().toString()).orElse(null));
    }
  }

  public Future<AccessToken> createToken(UUID userId, String name, byte[] tokenHash, Optional<Duration> ttl) {
    return pool.preparedQuery(
            "INSERT INTO access_tokens (user_id, name, token_hash, expires_at) VALUES ($1, $2, $3, $4)"
                + " RETURNING id, name, created_at, expires_at, last_used_at")
        .execute(Tuple.of(userId, name, Buffer.buffer(tokenHash), ttl.map(d -> now().plus(d)).orElse(null)))
        .map(rows -> AccessToken.from(rows.iterator().next()));
  }

  public Future<List<AccessToken>> tokens(UUID userId) {
    return pool.preparedQuery(
            "SELECT id, name, created_at, expires_at, last_used_at FROM access_tokens WHERE user_id = $1"
                + " ORDER BY created_at DESC")
        .execute(Tuple.of(userId))
        .map(rows -> dev.ensemble.store.Rows.map(rows, AccessToken::from));
  }

  public Future<Boolean> deleteToken(UUID userId, UUID tokenId) {
    return pool.preparedQuery("DELETE FROM access_tokens WHERE id = $1 AND user_id = $2")
        .execute(Tuple.of(tokenId, userId))
        .map(rows -> rows.rowCount() > 0);
  }

  /** The user a live token belongs to; records its use. */
  public Future<Optional<User>> tokenUser(byte[] tokenHash) {
    return pool.preparedQuery(
            "UPDATE access_tokens t SET last_used_at = now() FROM users u"
                + " WHERE t.token_hash = $1 AND u.id = t.user_id"
                + " AND (t.expires_at IS NULL OR t.expires_at > now()) RETURNING " + USER_COLUMNS)
        .execute(Tuple.of(Buffer.buffer(tokenHash)))
        .map(rows -> first(rows).map(User::from));
  }

  // --- provider identities --------------------------------------------------------------------

  public Future<Optional<User>> userForIdentity(String provider, String providerUserId) {
    return pool.preparedQuery(
            "SELECT " + USER_COLUMNS + " FROM oauth_identities i JOIN users u ON u.id = i.user_id"
                + " WHERE i.provider = $1 AND i.provider_user_id = $2")
        .execute(Tuple.of(provider, providerUserId))
        .map(rows -> first(rows).map(User::from));
  }

  public Future<Void> saveIdentity(
      String provider, String providerUserId, UUID userId, String login, byte[] accessTokenEnc,
      Optional<byte[]> refreshTokenEnc, String scopes) {
    return pool.preparedQuery(
            "INSERT INTO oauth_identities (provider, provider_user_id, user_id, login, access_token_enc,"
                + " refresh_token_enc, scopes) VALUES ($1, $2, $3, $4, $5, $6, $7)"
                + " ON CONFLICT (provider, provider_user_id) DO UPDATE SET user_id = EXCLUDED.user_id,"
                + " login = EXCLUDED.login, access_token_enc = EXCLUDED.access_token_enc,"
                + " refresh_token_enc = EXCLUDED.refresh_token_enc, scopes = EXCLUDED.scopes, updated_at = now()")
        .execute(
            Tuple.of(provider, providerUserId, userId, login, Buffer.buffer(accessTokenEnc))
                .addValue(refreshTokenEnc.map(Buffer::buffer).orElse(null))
                .addValue(scopes))
        .mapEmpty();
  }

  /** The login providers (e.g. github) the user has linked, sorted. */
  public Future<List<String>> linkedProviders(UUID userId) {
    return pool.preparedQuery("SELECT DISTINCT provider FROM oauth_identities WHERE user_id = $1 ORDER BY provider")
        .execute(Tuple.of(userId))
        .map(rows -> dev.ensemble.store.Rows.map(rows, r -> r.getString(0)));
  }

  /** The encrypted provider access token of a user, for git and API calls. */
  public Future<Optional<byte[]>> providerToken(UUID userId, String provider) {
    return pool.preparedQuery(
            "SELECT access_token_enc FROM oauth_identities WHERE user_id = $1 AND provider = $2"
                + " ORDER BY updated_at DESC LIMIT 1")
        .execute(Tuple.of(userId, provider))
        .map(rows -> first(rows).map(r -> r.getBuffer(0).getBytes()));
  }


  private static OffsetDateTime now() {
    return OffsetDateTime.now(ZoneOffset.UTC);
  }
}
