package dev.ensemble.git;

import static dev.ensemble.store.Rows.first;
import static dev.ensemble.store.Rows.map;

import dev.ensemble.identity.SecretBox;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** The per-host tokens users store for git remotes, sealed at rest (table {@code git_credentials}). */
final class GitCredentialStore {
  /** A stored credential without its secret, for listing. */
  record Stored(String host, Optional<String> username, OffsetDateTime updatedAt) {}

  private final Pool pool;
  private final SecretBox secrets;

  GitCredentialStore(Pool pool, SecretBox secrets) {
    this.pool = pool;
    this.secrets = secrets;
  }

  Future<Void> save(UUID userId, String host, Optional<String> username, String token) {
    byte[] sealed = secrets.seal(token.getBytes(StandardCharsets.UTF_8));
    return pool.preparedQuery(
            "INSERT INTO git_credentials (user_id, host, username, token_enc) VALUES ($1, $2, $3, $4)"
                + " ON CONFLICT (user_id, host) DO UPDATE SET username = EXCLUDED.username,"
                + " token_enc = EXCLUDED.token_enc, updated_at = now()")
        .execute(Tuple.of(userId, host, username.orElse(null), Buffer.buffer(sealed)))
        .mapEmpty();
  }

  Future<List<Stored>> list(UUID userId) {
    return pool.preparedQuery("SELECT host, username, updated_at FROM git_credentials WHERE user_id = $1 ORDER BY host")
        .execute(Tuple.of(userId))
        .map(rows -> map(rows, r -> new Stored(
            r.getString("host"), Optional.ofNullable(r.getString("username")), r.getOffsetDateTime("updated_at"))));
  }

  Future<Boolean> delete(UUID userId, String host) {
    return pool.preparedQuery("DELETE FROM git_credentials WHERE user_id = $1 AND host = $2")
        .execute(Tuple.of(userId, host))
        .map(rows -> rows.rowCount() > 0);
  }

  /** The user's token for the host, opened. */
  Future<Optional<GitAccess.Login>> find(UUID userId, String host) {
    return pool.preparedQuery("SELECT username, token_enc FROM git_credentials WHERE user_id = $1 AND host = $2")
        .execute(Tuple.of(userId, host))
        .map(rows -> first(rows).map(r -> new GitAccess.Login(
            Optional.ofNullable(r.getString("username")).orElse("git"),
            new String(secrets.open(r.getBuffer("token_enc").getBytes()), StandardCharsets.UTF_8))));
  }
}
