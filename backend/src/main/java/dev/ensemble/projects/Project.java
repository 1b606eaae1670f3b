package dev.ensemble.projects;

import dev.ensemble.sync.protocol.DocumentId;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import java.time.OffsetDateTime;
import java.util.UUID;

/** A project as seen by one member (their role included); its files are listed in its root document. */
public record Project(
    UUID id, String name, UUID ownerId, Role role, long memberCount, OffsetDateTime createdAt,
    OffsetDateTime updatedAt, UUID rootDocId) {

  static final String COLUMNS =
      "p.id, p.name, p.created_by, m.role, p.created_at, p.updated_at, p.root_doc_id,"
          + " (SELECT count(*) FROM project_members c WHERE c.project_id = p.id) AS member_count";

  static Project from(Row r) {
    return new Project(
        r.getUUID("id"), r.getString("name"), r.getUUID("created_by"), Role.parse(r.getString("role")),
        r.getLong("member_count"), r.getOffsetDateTime("created_at"), r.getOffsetDateTime("updated_at"),
        r.getUUID("root_doc_id"));
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("id", id.toString())
        .put("name", name)
        .put("role", role.wire())
        .put("ownerId", ownerId.toString())
        .put("memberCount", memberCount)
        .put("createdAt", createdAt.toInstant().toString())
        .put("updatedAt", updatedAt.toInstant().toString())
        .put("rootDocUrl", new DocumentId(rootDocId).url());
  }
}
