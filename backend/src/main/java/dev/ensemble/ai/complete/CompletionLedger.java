package dev.ensemble.ai.complete;

import dev.ensemble.ai.AiProvider.Usage;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.util.UUID;

/** Books completion tokens in the assistant's usage ledger, where the chat's tokens are too. */
final class CompletionLedger {
  private final Pool pool;

  CompletionLedger(Pool pool) {
    this.pool = pool;
  }

  Future<Void> book(UUID projectId, UUID userId, String model, Usage usage) {
    if (usage.total() == 0) {
      return Future.succeededFuture();
    }
    // no message_id: a completion is not part of a thread
    return pool.preparedQuery(
            "INSERT INTO ai_usage (project_id, user_id, model, prompt_tokens, completion_tokens, estimated)"
                + " VALUES ($1, $2, $3, $4, $5, $6)")
        .execute(Tuple.of(projectId, userId, model, (int) usage.promptTokens(), (int) usage.completionTokens(),
            usage.estimated()))
        .mapEmpty();
  }
}
