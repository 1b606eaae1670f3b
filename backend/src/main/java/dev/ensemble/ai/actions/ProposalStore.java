package dev.ensemble.ai.actions;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** Proposed files of code actions in PostgreSQL, listed on the answer that made them. */
public final class ProposalStore {
  private static final String COLUMNS =
      "id, project_id, message_id, path, base_text, content, created_at, applied_at, applied_by";

  private final Pool pool;

  public ProposalStore(Pool pool) {
    this.pool = pool;
  }

  /** A file proposed by an answer; {@code baseText} is empty when the file did not exist. */
  public record Proposal(
      UUID id, UUID projectId, UUID messageId, String path, Optional<String> baseText, String content,
      OffsetDateTime createdAt, Optional<OffsetDateTime> appliedAt, Optional<UUID> appliedBy) {

    static Proposal from(Row r) {
      return new Proposal(
          r.getUUID("id"), r.getUUID("project_id"), r.getUUID("message_id"), r.getString("path"),
          Optional.ofNullable(r.getString("base_text")), r.getString("content"), r.getOffsetDateTime("created_at"),
          Optional.ofNullable(r.getOffsetDateTime("applied_at")), Optional.ofNullable(r.getUUID("applied_by")));
    }

    /** What the answer lists: id, path, and whether applying creates the file. */
    public JsonObject summary() {
      return new JsonObject().put("id", id.toString()).put("path", path).put("creates", baseText.isEmpty());
    }

    public JsonObject toJson() {
      return summary()
          .put("messageId", messageId.toString())
          .put("content", content)
          .put("baseText", baseText.orElse(null))
          .put("createdAt", createdAt.toInstant().toString())
          .put("appliedAt", appliedAt.map(a -> a.toInstant().toString()).orElse(null))
          .put("appliedBy", appliedBy.map(UUID::toString).orElse(null));
    }
  }

  /** A file to propose: where, what it was, what it should be. */
  public record Draft(String path, Optional<String> baseText, String content) {}

  /**
   * Stores the answer's proposals and lists them in the answer's stored context
   * ({@code context.proposals}), in one transaction.
   */
  public Future<List<Proposal>> save(UUID projectId, UUID messageId, List<Draft> drafts) {
    if (drafts.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    return pool.withTransaction(conn -> {
      Future<List<Proposal>> chain = Future.succeededFuture(new ArrayList<>());
      for (Draft d : drafts) {
        chain = chain.compose(list -> conn.preparedQuery(
                "INSERT INTO ai_proposals (project_id, message_id, path, base_text, content) VALUES ($1, $2, $3, $4, $5)"
                    + " RETURNING " + COLUMNS)
            .execute(Tuple.of(projectId, messageId, d.path(), d.baseText().orElse(null), d.content()))
            .map(rows -> {
              list.add(Proposal.from(rows.iterator().next()));
              return list;
            }));
      }
      return chain.compose(list -> {
        JsonArray listed = new JsonArray(list.stream().map(Proposal::summary).toList());
        return conn.preparedQuery(
                "UPDATE ai_messages SET context = coalesce(context, '{}'::jsonb) || jsonb_build_object('proposals', $2::jsonb)"
                    + " WHERE id = $1")
            .execute(Tuple.of(messageId, listed))
            .map(List.copyOf(list));
      });
    });
  }

  public Future<Optional<Proposal>> find(UUID projectId, UUID id) {
    return pool.preparedQuery("SELECT " + COLUMNS + " FROM ai_proposals WHERE id = $1 AND project_id = $2")
        .execute(Tuple.of(id, projectId))
        .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(Proposal.from(rows.iterator().next())));
  }

  /** Records that a member applied the proposal. */
  public Future<Proposal> applied(UUID id, UUID userId) {
    return pool.preparedQuery("UPDATE ai_proposals SET applied_at = now(), applied_by = $2 WHERE id = $1 RETURNING " + COLUMNS)
        .execute(Tuple.of(id, userId))
        .map(rows -> Proposal.from(rows.iterator().next()));
  }
}
