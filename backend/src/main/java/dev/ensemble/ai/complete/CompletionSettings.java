package dev.ensemble.ai.complete;

import dev.ensemble.ai.AiSettings;
import dev.ensemble.ai.AiSettings.ProviderKind;
import dev.ensemble.config.ConfigException;
import dev.ensemble.config.Env;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;

/**
 * Settings of inline completion, read from {@code ENSEMBLE_AI_COMPLETION_*} next to the
 * assistant's own (the provider, its key and the completion model come from {@link AiSettings}).
 * Every variable and its default is documented in docs/ai.md.
 */
public record CompletionSettings(
    Mode mode,
    int maxPrefixChars,
    int maxSuffixChars,
    int maxTokens,
    Duration latencyBudget,
    int cacheEntries,
    int requestsPerMinute,
    int maxConnections) {

  /** How a completion is asked for. */
  public enum Mode {
    /** Fill-in-the-middle for OpenAI-compatible servers, the chat fallback for hosted providers. */
    AUTO,
    /** The legacy {@code POST /v1/completions} with {@code prompt} and {@code suffix}. */
    FIM,
    /** A chat model asked for only the text to insert. */
    CHAT;

    String wire() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  static final String MODE = "ENSEMBLE_AI_COMPLETION_MODE";
  static final String MAX_PREFIX = "ENSEMBLE_AI_COMPLETION_MAX_PREFIX_CHARS";
  static final String MAX_SUFFIX = "ENSEMBLE_AI_COMPLETION_MAX_SUFFIX_CHARS";
  static final String MAX_TOKENS = "ENSEMBLE_AI_COMPLETION_MAX_TOKENS";
  static final String LATENCY_BUDGET = "ENSEMBLE_AI_COMPLETION_LATENCY_BUDGET_MS";
  static final String CACHE_ENTRIES = "ENSEMBLE_AI_COMPLETION_CACHE_ENTRIES";
  static final String REQUESTS_PER_MINUTE = "ENSEMBLE_AI_COMPLETIONS_PER_MINUTE";
  static final String MAX_CONNECTIONS = "ENSEMBLE_AI_COMPLETION_MAX_CONNECTIONS";

  /** Loads and validates the settings against the configured provider. */
  public static CompletionSettings fromEnv(Map<String, String> env, AiSettings ai) {
    Mode mode = mode(env);
    if (mode == Mode.FIM && ai.endpoint().map(e -> e.kind() == ProviderKind.ANTHROPIC || e.kind() == ProviderKind.GEMINI)
        .orElse(false)) {
      throw new ConfigException(MODE, "is fim but " + ai.endpoint().get().kind()
          + " has no fill-in-the-middle endpoint; use auto or chat");
    }
    return new CompletionSettings(
        mode,
        Env.integer(env, MAX_PREFIX, 8_000, 100, 500_000),
        Env.integer(env, MAX_SUFFIX, 2_000, 0, 500_000),
        Env.integer(env, MAX_TOKENS, 128, 1, 4_096),
        Duration.ofMillis(Env.integer(env, LATENCY_BUDGET, 2_000, 50, 60_000)),
        Env.integer(env, CACHE_ENTRIES, 2_000, 0, 1_000_000),
        Env.integer(env, REQUESTS_PER_MINUTE, 240, 0, 100_000),
        Env.integer(env, MAX_CONNECTIONS, 16, 1, 1_000));
  }

  /** True when requests go to {@code /v1/completions} rather than to a chat model. */
  public boolean fillInTheMiddle(AiSettings ai) {
    return switch (mode) {
      case FIM -> true;
      case CHAT -> false;
      case AUTO -> ai.endpoint().map(e -> e.kind() == ProviderKind.OPENAI_COMPATIBLE).orElse(false);
    };
  }

  private static Mode mode(Map<String, String> env) {
    String v = Env.value(env, MODE).orElse("auto").toLowerCase(Locale.ROOT);
    for (Mode m : Mode.values()) {
      if (m.wire().equals(v)) {
        return m;
      }
    }
    throw new ConfigException(MODE, "must be auto, fim or chat, got '" + v + "'");
  }
}
