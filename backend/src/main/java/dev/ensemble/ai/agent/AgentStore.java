package dev.ensemble.ai.agent;

import dev.ensemble.ai.agent.AgentStep.Decision;
import dev.ensemble.ai.agent.AgentStep.Kind;
import dev.ensemble.ai.agent.AgentStep.Status;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;

/** Agent steps and the per-project auto-apply switch in PostgreSQL. */
final class AgentStore {
  private final Pool pool;

  AgentStore(Pool pool) {
    this.pool = pool;
  }

  /** Inserts the step or brings the stored one up to date. */
  Future<Void> save(AgentStep s) {
    return pool.preparedQuery(
            "INSERT INTO ai_agent_steps (id, thread_id, message_id, seq, kind, text, tool, arguments, status, decision,"
                + " decided_by, reason, result, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
                + " ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, decision = EXCLUDED.decision,"
                + " decided_by = EXCLUDED.decided_by, reason = EXCLUDED.reason, result = EXCLUDED.result, updated_at = now()")
        .execute(Tuple.from(new Object[] {
            s.id(), s.threadId(), s.messageId(), s.seq(), AgentStep.wire(s.kind()), s.text().orElse(null),
            s.tool().orElse(null), s.arguments().orElse(null), AgentStep.wire(s.status()),
            s.decision().map(AgentStep::wire).orElse(null), s.decidedBy().orElse(null), s.reason().orElse(null),
            s.result().orElse(null), s.createdAt().atOffset(ZoneOffset.UTC)}))
        .mapEmpty();
  }

  /** A thread's steps, run by run in the order they were taken, with the names of who decided. */
  Future<List<AgentStep>> steps(UUID threadId) {
    return pool.preparedQuery(
            "SELECT s.*, u.username FROM ai_agent_steps s JOIN ai_messages m ON m.id = s.message_id"
                + " LEFT JOIN users u ON u.id = s.decided_by WHERE s.thread_id = $1 ORDER BY m.seq, s.seq")
        .execute(Tuple.of(threadId))
        .map(rows -> {
          List<AgentStep> out = new ArrayList<>();
          rows.forEach(r -> out.add(from(r)));
          return out;
        });
  }

  /** The steps of one run (the answer it writes), in the order they were taken. */
  Future<List<AgentStep>> stepsOf(UUID messageId) {
    return pool.preparedQuery(
            "SELECT s.*, u.username FROM ai_agent_steps s LEFT JOIN users u ON u.id = s.decided_by"
                + " WHERE s.message_id = $1 ORDER BY s.seq")
        .execute(Tuple.of(messageId))
        .map(rows -> {
          List<AgentStep> out = new ArrayList<>();
          rows.forEach(r -> out.add(from(r)));
          return out;
        });
  }

  /** Steps a previous life of the server left waiting or running: they can no longer finish. */
  Future<Void> abandon(UUID threadId) {
    return pool.preparedQuery(
            "UPDATE ai_agent_steps SET status = 'cancelled', updated_at = now()"
                + " WHERE thread_id = $1 AND status IN ('pending', 'running')")
        .execute(Tuple.of(threadId))
        .mapEmpty();
  }

  Future<Boolean> autoApply(UUID projectId) {
    return pool.preparedQuery("SELECT auto_apply FROM ai_agent_settings WHERE project_id = $1")
        .execute(Tuple.of(projectId))
        .map(rows -> rows.iterator().hasNext() && rows.iterator().next().getBoolean("auto_apply"));
  }

  Future<Void> setAutoApply(UUID projectId, boolean on, UUID userId) {
    return pool.preparedQuery(
            "INSERT INTO ai_agent_settings (project_id, auto_apply, changed_by) VALUES ($1, $2, $3)"
                + " ON CONFLICT (project_id) DO UPDATE SET auto_apply = EXCLUDED.auto_apply,"
                + " changed_by = EXCLUDED.changed_by, changed_at = now()")
        .execute(Tuple.of(projectId, on, userId))
        .mapEmpty();
  }

  private static AgentStep from(Row r) {
    Object args = r.getValue("arguments");
    return new AgentStep(
        r.getUUID("id"), r.getUUID("thread_id"), r.getUUID("message_id"), r.getInteger("seq"),
        Kind.valueOf(r.getString("kind").toUpperCase(Locale.ROOT)), Optional.ofNullable(r.getString("text")),
        Optional.ofNullable(r.getString("tool")), args instanceof JsonObject o ? Optional.of(o) : Optional.empty(),
        Status.valueOf(r.getString("status").toUpperCase(Locale.ROOT)),
        Optional.ofNullable(r.getString("decision")).map(d -> Decision.valueOf(d.toUpperCase(Locale.ROOT))),
        Optional.ofNullable(r.getUUID("decided_by")), Optional.ofNullable(r.getString("username")),
        Optional.ofNullable(r.getString("reason")), Optional.ofNullable(r.getString("result")),
        r.getOffsetDateTime("created_at").toInstant());
  }
}
