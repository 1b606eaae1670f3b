package dev.ensemble.ai.complete;

import dev.ensemble.ai.AiProvider;
import dev.ensemble.ai.AiProvider.Usage;
import dev.ensemble.ai.AiSettings;
import dev.ensemble.ai.ChatStore;
import dev.ensemble.ai.complete.Infill.Gap;
import dev.ensemble.ai.complete.Infill.Insertion;
import dev.ensemble.ai.complete.Infill.Pending;
import dev.ensemble.ai.complete.Infill.ProviderFailed;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.sqlclient.Pool;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Inline completion: answers from the cache when it can, else checks the rate limit and budget
 * and asks the provider, giving up once the latency budget is spent. The answer goes only to the
 * caller. One instance serves every event loop; each request's state stays on its own context.
 */
public final class CompletionService {
  private static final Logger log = LoggerFactory.getLogger(CompletionService.class);

  private final AiSettings ai;
  private final CompletionSettings settings;
  private final Optional<Infill> infill;
  private final ChatStore usage;
  private final CompletionLedger ledger;
  private final CompletionCache cache;
  private final CompletionRateLimit rate;

  CompletionService(
      AiSettings ai, CompletionSettings settings, Optional<Infill> infill, ChatStore usage, CompletionLedger ledger) {
    this.ai = ai;
    this.settings = settings;
    this.infill = infill;
    this.usage = usage;
    this.ledger = ledger;
    this.cache = new CompletionCache(settings.cacheEntries());
    this.rate = new CompletionRateLimit(settings.requestsPerMinute(), System::nanoTime);
  }

  /**
   * Builds the service for the configured provider: fill-in-the-middle over Vert.x's HTTP client
   * where the settings call for it, else the chat fallback through {@code provider}.
   */
  public static CompletionService create(
      Vertx vertx, AiSettings ai, CompletionSettings settings, Optional<AiProvider> provider, ChatStore usage,
      Pool pool) {
    Optional<Infill> infill = Optional.empty();
    if (ai.endpoint().isPresent() && provider.isPresent()) {
      if (settings.fillInTheMiddle(ai)) {
        HttpClient http = vertx.createHttpClient(
            new HttpClientOptions().setConnectTimeout(10_000).setKeepAlive(true).setName("ai-completion"),
            new PoolOptions().setHttp1MaxSize(settings.maxConnections()));
        infill = Optional.of(new FimInfill(http, ai.endpoint().get()));
      } else {
        infill = Optional.of(new ChatInfill(provider.get()));
      }
    }
    return new CompletionService(ai, settings, infill, usage, new CompletionLedger(pool));
  }

  /** What the editor sent: the code around the cursor of one file. */
  public record Ask(
      UUID projectId, UUID userId, String path, String prefix, String suffix, Optional<String> language,
      Optional<String> model) {}

  /** How a request ended. */
  public sealed interface Outcome {
    long latencyMs();

    /** The text to show as ghost text (possibly empty), and where it came from. */
    record Completed(String completion, String model, boolean cached, long latencyMs) implements Outcome {}

    /** Nothing arrived within the latency budget; the request to the provider was closed. */
    record TooLate(long latencyMs) implements Outcome {}
  }

  /** A completion being worked on for one caller. */
  public interface Call {
    /** The outcome, or a failure with the status and code to answer with. */
    Future<Outcome> outcome();

    /** The caller went away: the request to the provider is closed and nothing is answered. */
    void callerGone();
  }

  /** Starts a completion on the caller's context. */
  public Call complete(Context context, Ask ask) {
    long started = System.nanoTime();
    Attempt attempt = new Attempt(context, ask, started);
    attempt.begin();
    return attempt;
  }

  /** How many completions the cache holds (for tests and metrics). */
  int cached() {
    return cache.size();
  }

  private final class Attempt implements Call {
    private final Context context;
    private final Ask ask;
    private final long started;
    private final Promise<Outcome> outcome = Promise.promise();
    private final String model;
    private Pending pending;
    private long timer = -1;
    private boolean over;

    Attempt(Context context, Ask ask, long started) {
      this.context = context;
      this.ask = ask;
      this.started = started;
      this.model = ask.model().orElse(ai.completionModel());
    }

    @Override
    public Future<Outcome> outcome() {
      return outcome.future();
    }

    void begin() {
      if (infill.isEmpty()) {
        refuse(new CompletionRefused(
            503, "ai_not_configured",
            "the AI assistant is not configured on this server (see ENSEMBLE_AI_PROVIDER)", Optional.empty()));
        return;
      }
      if (ask.prefix().length() > settings.maxPrefixChars() || ask.suffix().length() > settings.maxSuffixChars()) {
        refuse(new CompletionRefused(
            413, "completion_context_too_large",
            "send at most " + settings.maxPrefixChars() + " characters before the cursor and "
                + settings.maxSuffixChars() + " after it (ENSEMBLE_AI_COMPLETION_MAX_PREFIX_CHARS,"
                + " ENSEMBLE_AI_COMPLETION_MAX_SUFFIX_CHARS); got " + ask.prefix().length() + " and "
                + ask.suffix().length(),
            Optional.empty()));
        return;
      }
      String key = CompletionCache.key(ask.projectId(), model, ask.language(), ask.prefix(), ask.suffix());
      Optional<String> hit = cache.get(key);
      if (hit.isPresent()) {
        finish(new Outcome.Completed(hit.get(), model, true, elapsedMs()));
        return;
      }
      Optional<Long> wait = rate.acquire(ask.userId());
      if (wait.isPresent()) {
        refuse(new CompletionRefused(
            429, "ai_rate_limited",
            "you asked for more than " + settings.requestsPerMinute() + " completions in a minute; try again in "
                + wait.get() + " s",
            wait));
        return;
      }
      long remaining = settings.latencyBudget().toMillis() - elapsedMs();
      timer = context.owner().setTimer(Math.max(1, remaining), t -> tooLate());
      checkBudget().onComplete(ok -> {
        if (over) {
          return;
        }
        if (ok.failed()) {
          refuse(ok.cause());
          return;
        }
        Gap gap = new Gap(model, ask.path(), ask.language(), ask.prefix(), ask.suffix(), settings.maxTokens());
        pending = infill.get().start(context, gap);
        pending.result().onComplete(r -> {
          if (over) {
            return;
          }
          if (r.succeeded()) {
            cache.put(key, r.result().text());
            book(r.result().usage());
            finish(new Outcome.Completed(r.result().text(), model, false, elapsedMs()));
          } else if (r.cause() instanceof ProviderFailed f) {
            f.failure().usage().ifPresent(this::book);
            refuse(new CompletionRefused(502, f.failure().code(), f.failure().message(), f.failure().retryAfterSeconds()));
          } else {
            refuse(r.cause());
          }
        });
      });
    }

    @Override
    public void callerGone() {
      context.runOnContext(v -> {
        if (!over) {
          abandon();
          refuse(new CompletionRefused(499, "ai_caller_disconnected", "the caller went away", Optional.empty()));
        }
      });
    }

    private void tooLate() {
      if (!over) {
        abandon();
        finish(new Outcome.TooLate(elapsedMs()));
      }
    }

    /** Closes the request to the provider; the prompt it was sent is booked as an estimate. */
    private void abandon() {
      if (pending != null) {
        pending.cancel();
        long chars = ask.prefix().length() + ask.suffix().length() + ask.path().length();
        book(new Usage(Infill.estimateTokens(chars), 0, true));
      }
    }

    private Future<Void> checkBudget() {
      long budget = ai.projectTokenBudget();
      if (budget == 0) {
        return Future.succeededFuture();
      }
      return usage.tokensThisMonth(ask.projectId()).compose(used -> used < budget
          ? Future.succeededFuture()
          : Future.failedFuture(new CompletionRefused(
              402, "ai_budget_exceeded",
              "this project has used " + used + " of its " + budget
                  + " assistant tokens this month; the budget renews on the 1st (UTC)",
              Optional.empty())));
    }

    private void book(Usage used) {
      ledger.book(ask.projectId(), ask.userId(), model, used)
          .onFailure(e -> log.warn("could not book completion usage for project {}: {}", ask.projectId(), e.toString()));
    }

    private void finish(Outcome o) {
      end();
      outcome.tryComplete(o);
    }

    private void refuse(Throwable e) {
      end();
      outcome.tryFail(e);
    }

    private void end() {
      over = true;
      if (timer >= 0) {
        context.owner().cancelTimer(timer);
      }
    }

    private long elapsedMs() {
      return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    }
  }
}
