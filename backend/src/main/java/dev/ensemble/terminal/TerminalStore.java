package dev.ensemble.terminal;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Which node holds each project's terminal (table {@code terminals}, V16): the one place where
 * "one terminal per project" is decided when several nodes share the database. A holding is a
 * lease, confirmed by its node's heartbeat; one left unconfirmed for the lease is free again.
 */
final class TerminalStore {
  /** The node holding a project's terminal session. */
  record Holder(UUID sessionId, String nodeId) {}

  private final Pool pool;

  TerminalStore(Pool pool) {
    this.pool = pool;
  }

  /** Takes the project's terminal for {@code sessionId} on {@code nodeId}; false when another live one holds it. */
  Future<Boolean> claim(UUID projectId, UUID sessionId, String nodeId, Duration lease) {
    return pool.preparedQuery(
            "INSERT INTO terminals (project_id, session_id, node_id) VALUES ($1, $2, $3)"
                + " ON CONFLICT (project_id) DO UPDATE SET session_id = EXCLUDED.session_id,"
                + " node_id = EXCLUDED.node_id, heartbeat_at = now()"
                + " WHERE terminals.heartbeat_at < now() - make_interval(secs => $4) RETURNING session_id")
        .execute(Tuple.of(projectId, sessionId, nodeId, lease.toMillis() / 1000.0))
        .map(rows -> rows.rowCount() == 1);
  }

  /** The live holder of the project's terminal, if any. */
  Future<Optional<Holder>> holder(UUID projectId, Duration lease) {
    return pool.preparedQuery("SELECT session_id, node_id FROM terminals WHERE project_id = $1"
            + " AND heartbeat_at >= now() - make_interval(secs => $2)")
        .execute(Tuple.of(projectId, lease.toMillis() / 1000.0))
        .map(rows -> {
          for (Row r : rows) {
            return Optional.of(new Holder(r.getUUID("session_id"), r.getString("node_id")));
          }
          return Optional.<Holder>empty();
        });
  }

  /** Confirms this node's sessions; returns those it still holds. */
  Future<List<UUID>> heartbeat(String nodeId, List<UUID> sessionIds) {
    if (sessionIds.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    return pool.preparedQuery("UPDATE terminals SET heartbeat_at = now() WHERE node_id = $1 AND session_id = ANY($2)"
            + " RETURNING session_id")
        .execute(Tuple.of(nodeId).addArrayOfUUID(sessionIds.toArray(new UUID[0])))
        .map(rows -> {
          List<UUID> held = new ArrayList<>();
          rows.forEach(r -> held.add(r.getUUID("session_id")));
          return held;
        });
  }

  /** The session ended: its project is free. */
  Future<Void> release(UUID sessionId) {
    return pool.preparedQuery("DELETE FROM terminals WHERE session_id = $1").execute(Tuple.of(sessionId)).mapEmpty();
  }
}
