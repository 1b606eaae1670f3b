package dev.ensemble.runs;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/**
 * What clients see of a run, from the supervisor while it lives on this node or from the store
 * afterwards.
 *
 * @param queuePosition where a waiting run stands (1 = next); empty otherwise
 */
public record RunView(
    UUID id,
    UUID projectId,
    Optional<UUID> startedBy,
    String command,
    RunStatus status,
    Optional<Integer> exitCode,
    Optional<Instant> startedAt,
    Optional<Long> durationMs,
    long outputBytes,
    boolean truncated,
    Optional<Integer> queuePosition) {

  static RunView of(Run run, Optional<Integer> queuePosition) {
    RunRequest r = run.request();
    Optional<RunResult> result = run.result();
    return new RunView(
        r.id(), r.projectId(), Optional.of(r.userId()), r.command(), run.status(),
        result.flatMap(RunResult::exitCode), run.startedAt(), result.map(RunResult::durationMs),
        run.outputBytes(), result.map(RunResult::truncated).orElse(false),
        run.status() == RunStatus.QUEUED ? queuePosition : Optional.empty());
  }

  static RunView of(RunStore.StoredRun s) {
    return new RunView(
        s.id(), s.projectId(), s.userId(), s.command(), s.status(), s.exitCode(), s.startedAt(), s.durationMs(),
        s.outputBytes(), s.truncated(), Optional.empty());
  }

  /** Reads what {@link #toJson} wrote (as another node sent it). */
  static RunView fromJson(JsonObject json) {
    return new RunView(
        UUID.fromString(json.getString("id")), UUID.fromString(json.getString("projectId")),
        Optional.ofNullable(json.getString("startedBy")).map(UUID::fromString), json.getString("command"),
        RunStatus.fromWire(json.getString("status")), Optional.ofNullable(json.getInteger("exitCode")),
        Optional.ofNullable(json.getString("startedAt")).map(Instant::parse),
        Optional.ofNullable(json.getLong("durationMs")), json.getLong("outputBytes", 0L),
        json.getBoolean("truncated", false), Optional.ofNullable(json.getInteger("queuePosition")));
  }

  /** The JSON of {@code GET /api/runs/{id}}; absent values are null. */
  public JsonObject toJson() {
    JsonObject json = new JsonObject()
        .put("id", id.toString())
        .put("projectId", projectId.toString())
        .put("startedBy", startedBy.map(UUID::toString).orElse(null))
        .put("command", command)
        .put("status", status.wire())
        .put("exitCode", exitCode.orElse(null))
        .put("startedAt", startedAt.map(Instant::toString).orElse(null))
        .put("durationMs", durationMs.orElse(null))
        .put("outputBytes", outputBytes)
        .put("truncated", truncated);
    queuePosition.ifPresent(p -> json.put("queuePosition", p));
    return json;
  }
}
