package dev.ensemble.identity;

import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import java.time.OffsetDateTime;
import java.util.Optional;
import java.util.UUID;

/** An account. */
public record User(
    UUID id, String username, String displayName, Optional<String> email, OffsetDateTime createdAt) {

  static User from(Row row) {
    return new User(
        row.getUUID("id"),
        row.getString("username"),
        row.getString("display_name"),
        Optional.ofNullable(row.getString("email")),
        row.getOffsetDateTime("created_at"));
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("id", id.toString())
        .put("username", username)
        .put("displayName", displayName)
        .put("email", email.orElse(null))
        .put("createdAt", createdAt.toInstant().toString());
  }
}
