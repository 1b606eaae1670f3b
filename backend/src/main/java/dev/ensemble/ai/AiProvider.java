package dev.ensemble.ai;

import java.util.List;
import java.util.Optional;

/**
 * A chat model that streams its answer. Callbacks arrive on the provider's own threads; the
 * caller hops back to its context. After {@link Answer#cancel()} no further callback is made, and
 * otherwise exactly one of {@code completed} or {@code failed} ends the stream.
 */
public interface AiProvider {

  /** Starts streaming an answer to the prompt. */
  Answer stream(Prompt prompt, Observer observer);

  /** The same provider for turns that may call tools (the agent's); empty when it cannot. */
  default Optional<ToolCallingModel> withTools() {
    return Optional.empty();
  }

  /** What to ask: the model, the answer's size limit, a system instruction and the conversation. */
  record Prompt(String model, int maxTokens, String system, List<Turn> turns) {}

  /** One earlier message of the conversation. */
  record Turn(Speaker speaker, String text) {}

  enum Speaker { USER, ASSISTANT }

  /** Tokens counted by the provider, or estimated when it could not say (a cancelled answer). */
  record Usage(long promptTokens, long completionTokens, boolean estimated) {
    public long total() {
      return promptTokens + completionTokens;
    }
  }

  /**
   * Why an answer failed, in words for people and a stable code for programs. {@code retryAfter}
   * is the provider's own Retry-After, in seconds, when it sent one.
   */
  record Failure(String code, String message, Optional<Long> retryAfterSeconds, Optional<Usage> usage) {}

  /** Receives the answer as it streams. */
  interface Observer {
    void token(String text);

    void completed(Usage usage);

    void failed(Failure failure);
  }

  /** An answer in progress. */
  interface Answer {
    /** Stops the answer and closes the request to the provider; idempotent. */
    void cancel();
  }
}
