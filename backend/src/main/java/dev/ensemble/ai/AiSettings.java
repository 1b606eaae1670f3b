package dev.ensemble.ai;

import dev.ensemble.config.ConfigException;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The assistant's instance-level settings, read from {@code ENSEMBLE_AI_*}. Without
 * {@code ENSEMBLE_AI_PROVIDER} the assistant is off and the rest of the server works as before.
 * Every variable and its default is documented in docs/ai.md.
 */
public record AiSettings(
    Optional<Endpoint> endpoint,
    String chatModel,
    String completionModel,
    int maxTokens,
    int requestsPerMinute,
    long projectTokenBudget,
    Duration timeout,
    List<String> models,
    ProviderAddressPolicy projectProviders) {

  /** The kinds of provider Ensemble speaks to. */
  public enum ProviderKind {
    OPENAI("openai", "https://api.openai.com/v1", "gpt-4o-mini"),
    ANTHROPIC("anthropic", "https://api.anthropic.com/v1", "claude-3-5-haiku-latest"),
    GEMINI("gemini", "https://generativelanguage.googleapis.com/v1beta", "gemini-2.5-flash"),
    /** Ollama, vLLM, llama.cpp and others speaking OpenAI's chat-completions protocol. */
    OPENAI_COMPATIBLE("openai-compatible", null, null);

    private final String wire;
    private final String defaultBaseUrl;
    private final String defaultChatModel;

    ProviderKind(String wire, String defaultBaseUrl, String defaultChatModel) {
      this.wire = wire;
      this.defaultBaseUrl = defaultBaseUrl;
      this.defaultChatModel = defaultChatModel;
    }

    public String wire() {
      return wire;
    }

    /** The provider's public API root, or empty for a server only its operator knows. */
    public Optional<String> defaultBaseUrl() {
      return Optional.ofNullable(defaultBaseUrl);
    }

    /** The model used when none is configured, or empty where it must be named. */
    public Optional<String> defaultChatModel() {
      return Optional.ofNullable(defaultChatModel);
    }

    /** The kind with this wire name ({@code openai}, {@code gemini}, ...). */
    public static Optional<ProviderKind> of(String wire) {
      for (ProviderKind k : values()) {
        if (k.wire.equals(wire)) {
          return Optional.of(k);
        }
      }
      return Optional.empty();
    }
  }

  /** Where the provider is and how to authenticate; a local server may need no key. */
  public record Endpoint(ProviderKind kind, URI baseUrl, Optional<String> apiKey) {
    @Override
    public String toString() {
      // never print the key
      return kind.wire() + " at " + baseUrl + (apiKey.isPresent() ? " (with key)" : "");
    }
  }

  static final String PROVIDER = "ENSEMBLE_AI_PROVIDER";
  static final String BASE_URL = "ENSEMBLE_AI_BASE_URL";
  static final String API_KEY = "ENSEMBLE_AI_API_KEY";
  static final String CHAT_MODEL = "ENSEMBLE_AI_CHAT_MODEL";
  static final String COMPLETION_MODEL = "ENSEMBLE_AI_COMPLETION_MODEL";
  static final String MAX_TOKENS = "ENSEMBLE_AI_MAX_TOKENS";
  static final String REQUESTS_PER_MINUTE = "ENSEMBLE_AI_REQUESTS_PER_MINUTE";
  static final String PROJECT_TOKEN_BUDGET = "ENSEMBLE_AI_PROJECT_TOKEN_BUDGET";
  static final String TIMEOUT = "ENSEMBLE_AI_TIMEOUT_SECONDS";
  static final String MODELS = "ENSEMBLE_AI_MODELS";
  /** The most models offered for choice, per instance and per project. */
  public static final int MAX_MODELS = 50;

  /** True when a provider is configured. */
  public boolean enabled() {
    return endpoint.isPresent();
  }

  /** Loads and validates the settings; a bad value throws naming its variable. */
  public static AiSettings fromEnv(Map<String, String> env) {
    Optional<String> provider = value(env, PROVIDER);
    int maxTokens = integer(env, MAX_TOKENS, 2048, 1, 1_000_000);
    int perMinute = integer(env, REQUESTS_PER_MINUTE, 20, 0, 100_000);
    long budget = integer(env, PROJECT_TOKEN_BUDGET, 0, 0, Integer.MAX_VALUE);
    Duration timeout = Duration.ofSeconds(integer(env, TIMEOUT, 120, 1, 3600));
    ProviderAddressPolicy projectProviders = ProviderAddressPolicy.fromEnv(env);
    if (provider.isEmpty()) {
      for (String dependent : List.of(BASE_URL, API_KEY, CHAT_MODEL, COMPLETION_MODEL, MODELS)) {
        if (value(env, dependent).isPresent()) {
          throw new ConfigException(dependent, "is set but " + PROVIDER + " is not; set it to openai, anthropic, gemini or openai-compatible");
        }
      }
      return new AiSettings(
          Optional.empty(), "", "", maxTokens, perMinute, budget, timeout, List.of(), projectProviders);
    }
    ProviderKind kind = kind(provider.get());
    Optional<String> key = value(env, API_KEY);
    if (key.isEmpty() && kind != ProviderKind.OPENAI_COMPATIBLE) {
      throw new ConfigException(API_KEY, "is required for " + kind.wire() + " (only openai-compatible servers may go without)");
    }
    Optional<URI> configuredUrl = value(env, BASE_URL).map(v -> url(BASE_URL, v));
    if (configuredUrl.isEmpty() && kind.defaultBaseUrl == null) {
      throw new ConfigException(BASE_URL, "is required for openai-compatible, e.g. http://127.0.0.1:11434/v1 for Ollama");
    }
    URI baseUrl = configuredUrl.orElseGet(() -> URI.create(kind.defaultBaseUrl));
    Optional<String> chat = value(env, CHAT_MODEL);
    if (chat.isEmpty() && kind.defaultChatModel == null) {
      throw new ConfigException(CHAT_MODEL, "is required for openai-compatible (the model name the server knows, e.g. qwen2.5-coder:7b)");
    }
    String chatModel = chat.orElse(kind.defaultChatModel);
    String completionModel = value(env, COMPLETION_MODEL).orElse(chatModel);
    List<String> models = models(env);
    return new AiSettings(
        Optional.of(new Endpoint(kind, baseUrl, key)), chatModel, completionModel, maxTokens, perMinute, budget, timeout,
        models, projectProviders);
  }

  /**
   * The instance's models members may choose from: the chat and completion models and
   * {@code ENSEMBLE_AI_MODELS}. Without that list any model a request names is passed on.
   */
  public List<String> offeredModels() {
    return java.util.stream.Stream.concat(java.util.stream.Stream.of(chatModel, completionModel), models.stream())
        .distinct()
        .toList();
  }

  private static List<String> models(Map<String, String> env) {
    List<String> out = value(env, MODELS).stream()
        .flatMap(v -> java.util.Arrays.stream(v.split(",")))
        .map(String::strip)
        .filter(m -> !m.isEmpty())
        .distinct()
        .toList();
    if (out.size() > MAX_MODELS || out.stream().anyMatch(m -> m.length() > 200)) {
      throw new ConfigException(MODELS, "lists at most " + MAX_MODELS + " model names of up to 200 characters");
    }
    return out;
  }

  private static ProviderKind kind(String value) {
    return ProviderKind.of(value.toLowerCase(Locale.ROOT)).orElseThrow(() -> new ConfigException(
        PROVIDER, "must be openai, anthropic, gemini or openai-compatible, got '" + value + "'"));
  }

  private static Optional<String> value(Map<String, String> env, String name) {
    return dev.ensemble.config.Env.value(env, name);
  }

  private static int integer(Map<String, String> env, String name, int dflt, int min, int max) {
    return dev.ensemble.config.Env.integer(env, name, dflt, min, max);
  }

  private static URI url(String name, String v) {
    try {
      URI u = new URI(v.endsWith("/") ? v.substring(0, v.length() - 1) : v);
      if (u.getScheme() == null
          || !(u.getScheme().equals("http") || u.getScheme().equals("https"))
          || u.getHost() == null) {
        throw new ConfigException(name, "must be an http(s) URL, got '" + v + "'");
      }
      return u;
    } catch (URISyntaxException e) {
      throw new ConfigException(name, "is not a valid URL: " + e.getMessage());
    }
  }
}
