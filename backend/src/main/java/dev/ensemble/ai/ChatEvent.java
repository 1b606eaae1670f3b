package dev.ensemble.ai;

import dev.ensemble.ai.AiProvider.Usage;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Optional;
import java.util.UUID;

/**
 * What happens to an answer, in order: one {@link Started}, any number of {@link Token}s (and, for
 * an agent run, {@link Step}s), then one {@link Done} or {@link Failed}. The same events go to the HTTP caller (as server-sent events
 * named by {@link #name()}) and to every {@link ChatStreamListener} of the project.
 */
public sealed interface ChatEvent {
  UUID threadId();

  UUID messageId();

  /** The server-sent event name. */
  String name();

  /** The event's data. */
  JsonObject toJson();

  /**
   * An answer began; {@code askedBy} is the user whose message it answers, {@code context} the
   * pieces of context that went to the model with the question ({@code ContextPiece} JSON).
   */
  record Started(UUID threadId, UUID messageId, UUID askedBy, String model, Optional<JsonArray> context)
      implements ChatEvent {
    public Started(UUID threadId, UUID messageId, UUID askedBy, String model) {
      this(threadId, messageId, askedBy, model, Optional.empty());
    }

    public String name() {
      return "thread";
    }

    public JsonObject toJson() {
      JsonObject json = ids(this).put("askedBy", askedBy.toString()).put("model", model);
      context.ifPresent(c -> json.put("context", c.copy()));
      return json;
    }
  }

  /** The next piece of the answer's text. */
  record Token(UUID threadId, UUID messageId, String text) implements ChatEvent {
    public String name() {
      return "token";
    }

    public JsonObject toJson() {
      return new JsonObject().put("text", text);
    }
  }

  /**
   * The answer ended without a provider error: complete, or partial because a participant stopped
   * it ({@code stoppedBy}) or its caller went away. {@code extra} carries what was made of a
   * complete answer (a code action's {@code proposals}).
   */
  record Done(
      UUID threadId, UUID messageId, MessageStatus status, Usage usage, Optional<String> stoppedBy, JsonObject extra)
      implements ChatEvent {
    public Done(UUID threadId, UUID messageId, MessageStatus status, Usage usage, Optional<String> stoppedBy) {
      this(threadId, messageId, status, usage, stoppedBy, new JsonObject());
    }

    public String name() {
      return "done";
    }

    public JsonObject toJson() {
      JsonObject json = extra.copy().mergeIn(ids(this)).put("status", status.wire()).put("usage", usageJson(usage));
      stoppedBy.ifPresent(u -> json.put("stoppedBy", u));
      return json;
    }

    Done with(JsonObject more) {
      return new Done(threadId, messageId, status, usage, stoppedBy, extra.copy().mergeIn(more));
    }
  }

  /** The answer failed; the text so far (if any) is kept as a partial message. */
  record Failed(UUID threadId, UUID messageId, String code, String message, Optional<Long> retryAfterSeconds)
      implements ChatEvent {
    public String name() {
      return "error";
    }

    public JsonObject toJson() {
      JsonObject json = ids(this).put("code", code).put("message", message);
      retryAfterSeconds.ifPresent(s -> json.put("retryAfter", s));
      return json;
    }
  }

  /**
   * A step of an agent run was taken or changed: text it wrote before calling tools, or a tool
   * call with its arguments, approval and result. {@code step} is the step's whole current state.
   */
  record Step(UUID threadId, UUID messageId, JsonObject step) implements ChatEvent {
    public String name() {
      return "step";
    }

    public JsonObject toJson() {
      return ids(this).put("step", step);
    }
  }

  static JsonObject usageJson(Usage usage) {
    return new JsonObject()
        .put("promptTokens", usage.promptTokens())
        .put("completionTokens", usage.completionTokens())
        .put("estimated", usage.estimated());
  }

  private static JsonObject ids(ChatEvent e) {
    return new JsonObject().put("threadId", e.threadId().toString()).put("messageId", e.messageId().toString());
  }
}
