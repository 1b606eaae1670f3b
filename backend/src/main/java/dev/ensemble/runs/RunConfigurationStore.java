package dev.ensemble.runs;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * A project's saved run configurations in PostgreSQL, in the order the project gave them, and
 * whether its owner lets its runs use the network.
 */
public final class RunConfigurationStore {
  private final Pool pool;

  public RunConfigurationStore(Pool pool) {
    this.pool = pool;
  }

  public Future<List<RunConfiguration>> list(UUID projectId) {
    return pool.preparedQuery(
            "SELECT name, command, working_directory, env FROM run_configurations WHERE project_id = $1 ORDER BY position")
        .execute(Tuple.of(projectId))
        .map(rows -> {
          List<RunConfiguration> out = new ArrayList<>();
          rows.forEach(r -> {
            Map<String, String> env = new LinkedHashMap<>();
            Object raw = r.getValue("env");
            if (raw instanceof JsonObject o) {
              o.forEach(e -> env.put(e.getKey(), String.valueOf(e.getValue())));
            }
            out.add(new RunConfiguration(r.getString("name"), r.getString("command"),
                Optional.ofNullable(r.getString("working_directory")), env, false));
          });
          return out;
        });
  }

  /** Replaces the project's configurations with these, in one transaction. */
  public Future<Void> replace(UUID projectId, List<RunConfiguration> configurations) {
    return pool.withTransaction(conn -> conn
        .preparedQuery("DELETE FROM run_configurations WHERE project_id = $1")
        .execute(Tuple.of(projectId))
        .compose(deleted -> {
          if (configurations.isEmpty()) {
            return Future.succeededFuture();
          }
          List<Tuple> rows = new ArrayList<>();
          for (int i = 0; i < configurations.size(); i++) {
            RunConfiguration c = configurations.get(i);
            rows.add(Tuple.of(projectId, i, c.name(), c.command(), c.workingDirectory().orElse(null),
                new JsonObject(new LinkedHashMap<String, Object>(c.env()))));
          }
          return conn.preparedQuery(
                  "INSERT INTO run_configurations (project_id, position, name, command, working_directory, env)"
                      + " VALUES ($1, $2, $3, $4, $5, $6)")
              .executeBatch(rows)
              .mapEmpty();
        }));
  }

  /** Whether the project's owner allowed its runs network access (false unless they did). */
  public Future<Boolean> networkAllowed(UUID projectId) {
    return pool.preparedQuery("SELECT allowed FROM project_run_network WHERE project_id = $1")
        .execute(Tuple.of(projectId))
        .map(rows -> rows.iterator().hasNext() && rows.iterator().next().getBoolean("allowed"));
  }

  public Future<Void> setNetworkAllowed(UUID projectId, boolean allowed, UUID changedBy) {
    return pool.preparedQuery(
            "INSERT INTO project_run_network (project_id, allowed, changed_by) VALUES ($1, $2, $3)"
                + " ON CONFLICT (project_id) DO UPDATE SET allowed = $2, changed_by = $3, changed_at = now()")
        .execute(Tuple.of(projectId, allowed, changedBy))
        .mapEmpty();
  }
}
