package dev.ensemble.ai;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Optional;
import java.util.UUID;

/**
 * How one question is put to the model beyond the conversation so far: the text of the user's
 * turn (the question with its context), an instruction added to the system prompt, the pieces of
 * context it carries (for the UI), and what to make of the answer once it is complete.
 */
public record Briefing(String userTurn, Optional<String> instruction, JsonArray sent, AfterAnswer after) {

  /** Runs once a complete answer is stored; its JSON is added to the {@code done} event. */
  @FunctionalInterface
  public interface AfterAnswer {
    AfterAnswer NOTHING = (answerId, text) -> Future.succeededFuture(new JsonObject());

    Future<JsonObject> completed(UUID answerId, String text);
  }

  /** The question as chat sent it before context was gathered: the editor's context as names. */
  static Briefing plain(ChatService.Question q) {
    return new Briefing(ChatService.withContext(q.text(), q.context()), Optional.empty(), new JsonArray(), AfterAnswer.NOTHING);
  }
}
