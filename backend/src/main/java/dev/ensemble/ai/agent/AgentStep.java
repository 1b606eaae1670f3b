package dev.ensemble.ai.agent;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;

/**
 * One step of an agent run as participants see it: text the model wrote before calling tools (a
 * {@code thought}), or a {@code tool} call with its arguments, whether and by whom it was
 * approved, and a shortened result. Immutable; a change makes a new value with the same id.
 */
record AgentStep(
    UUID id, UUID threadId, UUID messageId, int seq, Kind kind, Optional<String> text, Optional<String> tool,
    Optional<JsonObject> arguments, Status status, Optional<Decision> decision, Optional<UUID> decidedBy,
    Optional<String> decidedByName, Optional<String> reason, Optional<String> result, Instant createdAt) {

  /** How much of a tool's result participants see in the thread; the model gets more. */
  static final int SHOWN_RESULT_CHARS = 4000;

  enum Kind { THOUGHT, TOOL }

  enum Status {
    /** A thought, or a call that finished. */
    DONE,
    RUNNING,
    /** Waiting for a participant's approval. */
    PENDING,
    FAILED,
    REJECTED,
    /** Nobody approved it in time. */
    EXPIRED,
    /** The run was stopped before or while the call ran. */
    CANCELLED
  }

  enum Decision { APPROVED, REJECTED, AUTO }

  static String wire(Enum<?> e) {
    return e.name().toLowerCase(Locale.ROOT);
  }

  static AgentStep thought(UUID threadId, UUID messageId, int seq, String text) {
    return new AgentStep(UUID.randomUUID(), threadId, messageId, seq, Kind.THOUGHT, Optional.of(text), Optional.empty(),
        Optional.empty(), Status.DONE, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
        Optional.empty(), Instant.now());
  }

  static AgentStep call(UUID threadId, UUID messageId, int seq, String tool, Optional<JsonObject> arguments, Status status) {
    return new AgentStep(UUID.randomUUID(), threadId, messageId, seq, Kind.TOOL, Optional.empty(), Optional.of(tool),
        arguments, status, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
        Instant.now());
  }

  AgentStep withStatus(Status s) {
    return new AgentStep(id, threadId, messageId, seq, kind, text, tool, arguments, s, decision, decidedBy,
        decidedByName, reason, result, createdAt);
  }

  AgentStep decided(Decision d, Optional<UUID> by, Optional<String> byName, Optional<String> why, Status s) {
    return new AgentStep(id, threadId, messageId, seq, kind, text, tool, arguments, s, Optional.of(d), by, byName, why,
        result, createdAt);
  }

  AgentStep finished(Status s, String resultText) {
    String shown = resultText.length() > SHOWN_RESULT_CHARS
        ? resultText.substring(0, SHOWN_RESULT_CHARS) + "\n[… shortened]"
        : resultText;
    return new AgentStep(id, threadId, messageId, seq, kind, text, tool, arguments, s, decision, decidedBy,
        decidedByName, reason, Optional.of(shown), createdAt);
  }

  /** The JSON of a step in events and in {@code GET .../steps}. */
  JsonObject toJson() {
    JsonObject json = new JsonObject()
        .put("id", id.toString())
        .put("messageId", messageId.toString())
        .put("seq", seq)
        .put("kind", wire(kind))
        .put("status", wire(status))
        .put("createdAt", createdAt.toString());
    text.ifPresent(t -> json.put("text", t));
    tool.ifPresent(t -> {
      json.put("tool", t);
      json.put("needsApproval", AgentTool.named(t).map(AgentTool::needsApproval).orElse(false));
    });
    arguments.ifPresent(a -> json.put("arguments", a));
    decision.ifPresent(d -> json.put("decision", wire(d)));
    decidedBy.ifPresent(u -> json.put("decidedBy", u.toString()));
    decidedByName.ifPresent(u -> json.put("decidedByName", u));
    reason.ifPresent(r -> json.put("reason", r));
    result.ifPresent(r -> json.put("result", r));
    return json;
  }
}
