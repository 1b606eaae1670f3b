package dev.ensemble.ai.complete;

import dev.ensemble.ai.AiProvider;
import dev.ensemble.ai.AiProvider.Failure;
import dev.ensemble.ai.AiProvider.Prompt;
import dev.ensemble.ai.AiProvider.Speaker;
import dev.ensemble.ai.AiProvider.Turn;
import dev.ensemble.ai.AiProvider.Usage;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.List;

/**
 * The fallback for models without fill-in-the-middle: a chat model is shown the file with a cursor
 * marker and asked for only the text to insert; what it answers is cleaned up by
 * {@link InsertionText}. Goes through the assistant's provider port, so every provider works.
 */
final class ChatInfill implements Infill {
  static final String CURSOR = "<CURSOR>";
  static final String SYSTEM =
      "You complete code in an editor. The user shows a file with the marker " + CURSOR + " where the cursor"
          + " is. Reply with exactly the text to insert at the marker and nothing else: no explanation, no"
          + " Markdown, no code fences, and never repeat code that is already before or after the marker. Keep"
          + " it short: finish the current line, statement or block. If nothing useful fits, reply with an"
          + " empty message.";

  private final AiProvider provider;

  ChatInfill(AiProvider provider) {
    this.provider = provider;
  }

  /** The prompt a chat model is sent for a gap. */
  static Prompt prompt(Gap gap) {
    StringBuilder user = new StringBuilder("File: ").append(gap.path());
    gap.language().ifPresent(l -> user.append(" (").append(l).append(')'));
    user.append("\n\n").append(gap.prefix()).append(CURSOR).append(gap.suffix());
    return new Prompt(gap.model(), gap.maxTokens(), SYSTEM, List.of(new Turn(Speaker.USER, user.toString())));
  }

  @Override
  public Pending start(Context context, Gap gap) {
    Collector collector = new Collector(context, gap);
    collector.upstream = provider.stream(prompt(gap), collector);
    return collector;
  }

  /** Gathers the streamed answer on the provider's threads and hands it over on the caller's context. */
  private static final class Collector implements AiProvider.Observer, Pending {
    private final Context context;
    private final Gap gap;
    private final Promise<Insertion> promise = Promise.promise();
    private final StringBuilder text = new StringBuilder();
    private volatile AiProvider.Answer upstream;
    private volatile boolean cancelled;

    Collector(Context context, Gap gap) {
      this.context = context;
      this.gap = gap;
    }

    @Override
    public synchronized void token(String piece) {
      text.append(piece);
    }

    @Override
    public void completed(Usage usage) {
      String raw;
      synchronized (this) {
        raw = text.toString();
      }
      String insertion = InsertionText.fromChat(raw, gap.prefix(), gap.suffix());
      context.runOnContext(v -> {
        if (!cancelled) {
          promise.tryComplete(new Insertion(insertion, usage));
        }
      });
    }

    @Override
    public void failed(Failure failure) {
      context.runOnContext(v -> {
        if (!cancelled) {
          promise.tryFail(new ProviderFailed(failure));
        }
      });
    }

    @Override
    public Future<Insertion> result() {
      return promise.future();
    }

    @Override
    public void cancel() {
      cancelled = true;
      AiProvider.Answer a = upstream;
      if (a != null) {
        a.cancel();
      }
    }
  }
}
