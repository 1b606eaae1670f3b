package dev.ensemble.ai.complete;

import dev.ensemble.ai.AiProvider.Failure;
import dev.ensemble.ai.AiProvider.Usage;
import io.vertx.core.Context;
import io.vertx.core.Future;
import java.util.Optional;

/**
 * Where the text to insert at the cursor comes from: a model's fill-in-the-middle endpoint, or a
 * chat model asked for the insertion alone. The result completes on the context that started it.
 */
interface Infill {

  /** Starts asking; {@link Pending#cancel()} closes the request to the provider. */
  Pending start(Context context, Gap gap);

  /** The code around the cursor and what to ask with. */
  record Gap(String model, String path, Optional<String> language, String prefix, String suffix, int maxTokens) {
    long chars() {
      return prefix.length() + suffix.length() + path.length();
    }
  }

  /** What the provider answered and what it cost. */
  record Insertion(String text, Usage usage) {}

  /** A request in progress. */
  interface Pending {
    /** Completes with the insertion, or fails with {@link ProviderFailed}; never completes after a cancel. */
    Future<Insertion> result();

    /** Stops waiting and closes the request to the provider; idempotent. */
    void cancel();
  }

  /** The provider refused or failed; the code is one of the assistant's {@code ai_*} codes. */
  final class ProviderFailed extends RuntimeException {
    private final Failure failure;

    ProviderFailed(Failure failure) {
      super(failure.message(), null, false, false);
      this.failure = failure;
    }

    Failure failure() {
      return failure;
    }
  }

  /** Rough size of a text in tokens, for answers whose usage the provider never reported. */
  static long estimateTokens(long chars) {
    return (chars + 3) / 4;
  }
}
