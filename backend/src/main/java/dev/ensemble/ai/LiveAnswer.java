package dev.ensemble.ai;

import dev.ensemble.ai.AiProvider.Failure;
import dev.ensemble.ai.AiProvider.Usage;
import dev.ensemble.ai.ChatEvent.Done;
import dev.ensemble.ai.ChatEvent.Failed;
import dev.ensemble.ai.ChatEvent.Token;
import dev.ensemble.ai.ChatStore.Outcome;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One answer being streamed. All of its state lives on the context of the request that started
 * it; the provider's callbacks and stop requests from other event loops hop there first.
 */
final class LiveAnswer implements AiProvider.Observer {
  private static final Logger log = LoggerFactory.getLogger(LiveAnswer.class);

  private final Context context;
  private final ChatStore store;
  private final UUID projectId;
  private final UUID threadId;
  private final UUID answerId;
  private final UUID askedBy;
  private final String model;
  private final long promptChars;
  private final List<ChatStreamListener> listeners;
  private final Briefing.AfterAnswer after;
  private final Runnable onEnd;
  private final StringBuilder text = new StringBuilder();
  private final Promise<Void> ended = Promise.promise();
  private AiProvider.Answer upstream = () -> {};
  private boolean over;

  LiveAnswer(
      Context context, ChatStore store, UUID projectId, UUID threadId, UUID answerId, UUID askedBy, String model,
      long promptChars, List<ChatStreamListener> listeners, Briefing.AfterAnswer after, Runnable onEnd) {
    this.context = context;
    this.store = store;
    this.projectId = projectId;
    this.threadId = threadId;
    this.answerId = answerId;
    this.askedBy = askedBy;
    this.model = model;
    this.promptChars = promptChars;
    this.listeners = listeners;
    this.after = after;
    this.onEnd = onEnd;
  }

  UUID threadId() {
    return threadId;
  }

  UUID answerId() {
    return answerId;
  }

  /** True once the answer has ended (on the answer's context). */
  boolean over() {
    return over;
  }

  /** Completes once the answer has ended and been stored. */
  Future<Void> ended() {
    return ended.future();
  }

  /** Called once, on the answer's context, right after the request to the provider went out. */
  void upstream(AiProvider.Answer answer) {
    this.upstream = answer;
    if (over) {
      answer.cancel();
    }
  }

  void publish(ChatEvent event) {
    for (ChatStreamListener l : listeners) {
      try {
        l.onEvent(event);
      } catch (RuntimeException e) {
        log.warn("chat listener failed on {}: {}", event.name(), e.toString());
      }
    }
  }

  @Override
  public void token(String piece) {
    context.runOnContext(v -> {
      if (!over) {
        text.append(piece);
        publish(new Token(threadId, answerId, piece));
      }
    });
  }

  @Override
  public void completed(Usage usage) {
    context.runOnContext(v -> {
      if (!over) {
        end(new Outcome(MessageStatus.COMPLETE, text.toString(), usage, Optional.empty(), Optional.empty()),
            new Done(threadId, answerId, MessageStatus.COMPLETE, usage, Optional.empty()));
      }
    });
  }

  @Override
  public void failed(Failure failure) {
    context.runOnContext(v -> {
      if (!over) {
        MessageStatus status = text.isEmpty() ? MessageStatus.ERROR : MessageStatus.PARTIAL;
        Usage usage = failure.usage().orElse(estimate());
        end(new Outcome(status, text.toString(), usage, Optional.of(failure.code()), Optional.of(failure.message())),
            new Failed(threadId, answerId, failure.code(), failure.message(), failure.retryAfterSeconds()));
      }
    });
  }

  /** A participant pressed stop; the text so far is kept as a partial answer. */
  Future<Void> stop(String username) {
    context.runOnContext(v -> cutShort(
        "ai_stopped", "stopped by " + username, Optional.of(username)));
    return ended();
  }

  /** The HTTP caller went away: the request to the provider is closed too. */
  void callerGone() {
    context.runOnContext(v -> cutShort(
        "ai_caller_disconnected", "the asker disconnected before the answer was complete", Optional.empty()));
  }

  private void cutShort(String code, String message, Optional<String> stoppedBy) {
    if (over) {
      return;
    }
    upstream.cancel();
    Usage usage = estimate();
    end(new Outcome(MessageStatus.PARTIAL, text.toString(), usage, Optional.of(code), Optional.of(message)),
        new Done(threadId, answerId, MessageStatus.PARTIAL, usage, stoppedBy));
  }

  private Usage estimate() {
    return new Usage(
        Langchain4jProvider.estimateTokens(promptChars), Langchain4jProvider.estimateTokens(text.length()), true);
  }

  private void end(Outcome outcome, ChatEvent last) {
    over = true;
    store
        .finish(projectId, askedBy, answerId, model, outcome)
        .onFailure(e -> log.error("could not store answer {}: {}", answerId, e.toString(), e))
        .transform(stored -> stored.succeeded() && outcome.status() == MessageStatus.COMPLETE
            ? after.completed(answerId, outcome.content()).recover(e -> {
                log.error("could not finish answer {}: {}", answerId, e.toString(), e);
                return Future.succeededFuture(new JsonObject());
              })
            : Future.succeededFuture(new JsonObject()))
        .onComplete(extra -> {
          onEnd.run();
          publish(last instanceof Done done && !extra.result().isEmpty() ? done.with(extra.result()) : last);
          ended.complete();
        });
  }
}
