package dev.ensemble.ai;

import dev.ensemble.ai.AiSettings.Endpoint;
import dev.ensemble.ai.AiSettings.ProviderKind;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.exception.HttpException;
import dev.langchain4j.http.client.sse.ServerSentEvent;
import dev.langchain4j.model.anthropic.AnthropicStreamingChatModel;
import dev.langchain4j.model.anthropic.internal.api.AnthropicStreamingException;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.googleai.GoogleAiGeminiStreamingChatModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import dev.langchain4j.model.output.TokenUsage;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * The provider port over langchain4j: OpenAI and OpenAI-compatible servers through
 * {@link OpenAiStreamingChatModel}, Anthropic through {@link AnthropicStreamingChatModel}, Gemini
 * through {@link GoogleAiGeminiStreamingChatModel}. A model
 * is built per request (it is a light object) so each request chooses its model and has its own
 * {@link UpstreamExchange}.
 */
public final class Langchain4jProvider implements AiProvider {
  private final Endpoint endpoint;
  private final Duration timeout;
  private final java.net.http.HttpClient http;

  public Langchain4jProvider(Endpoint endpoint, Duration timeout) {
    this(endpoint, timeout, httpClientFor(endpoint.baseUrl()));
  }

  /**
   * Where streaming exchanges start and their responses are read. langchain4j's JDK client reads a
   * streamed answer with blocking calls on whichever thread completes the response future, which
   * is the thread that started the request when the response was already there: that must never
   * be an event loop. One thread per answer being streamed at most; idle ones end after a minute.
   */
  static final ExecutorService STREAM_THREADS = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "ensemble-ai-stream");
    t.setDaemon(true);
    return t;
  });

  /** A provider sending through {@code http}, which may be shared (see {@link #httpClientFor}). */
  public Langchain4jProvider(Endpoint endpoint, Duration timeout, java.net.http.HttpClient http) {
    this.endpoint = endpoint;
    this.timeout = timeout;
    this.http = http;
  }

  /** A JDK client suited to the URL's scheme; one serves any number of providers of that scheme. */
  public static java.net.http.HttpClient httpClientFor(URI baseUrl) {
    java.net.http.HttpClient.Builder b =
        java.net.http.HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).executor(STREAM_THREADS);
    if ("http".equals(baseUrl.getScheme())) {
      // Local servers rarely accept an h2c upgrade; plain HTTP/1.1 also makes a cancel a closed connection.
      b.version(java.net.http.HttpClient.Version.HTTP_1_1);
    }
    return b.build();
  }

  /** Where and how this provider is reached (the key is never printed). */
  public Endpoint endpoint() {
    return endpoint;
  }

  @Override
  public Answer stream(Prompt prompt, Observer observer) {
    UpstreamExchange exchange = newExchange();
    Call call = new Call(prompt, exchange, observer);
    exchange.whenClosed(call::streamClosed);
    try {
      model(prompt, exchange).chat(ChatRequest.builder().messages(messages(prompt)).build(), call);
    } catch (RuntimeException e) {
      call.onError(e);
    }
    return call;
  }

  /** The event after which an answer is complete; a stream that closes before it was cut off. */
  private static Predicate<ServerSentEvent> endOfAnswer(ProviderKind kind) {
    return switch (kind) {
      case ANTHROPIC -> e -> "message_stop".equals(e.event());
      // Gemini sends no closing event: the chunk carrying a finishReason is the last one.
      case GEMINI -> Langchain4jProvider::geminiFinished;
      case OPENAI, OPENAI_COMPATIBLE -> e -> "[DONE]".equals(e.data() == null ? null : e.data().trim());
    };
  }

  static boolean geminiFinished(ServerSentEvent event) {
    String data = event.data();
    if (data == null || !data.contains("finishReason")) {
      return false;
    }
    try {
      JsonArray candidates = new JsonObject(data).getJsonArray("candidates");
      return candidates != null && candidates.stream()
          .anyMatch(c -> c instanceof JsonObject o && o.getValue("finishReason") instanceof String);
    } catch (RuntimeException notJson) {
      return false;
    }
  }

  /** A request to the provider that can be aborted at any point and knows its protocol's end. */
  UpstreamExchange newExchange() {
    return new UpstreamExchange(http, endOfAnswer(endpoint.kind()));
  }

  /** The same provider for turns that may call tools (the agent). */
  @Override
  public Optional<ToolCallingModel> withTools() {
    return Optional.of(new Langchain4jToolModel(this));
  }

  /** The configured model for the prompt's model name and size limit, sending through {@code exchange}. */
  StreamingChatModel model(Prompt prompt, UpstreamExchange exchange) {
    String baseUrl = endpoint.baseUrl().toString();
    if (endpoint.kind() == ProviderKind.GEMINI) {
      return GoogleAiGeminiStreamingChatModel.builder()
          .httpClientBuilder(exchange.clientBuilder())
          .baseUrl(baseUrl)
          .apiKey(endpoint.apiKey().orElseThrow())
          .modelName(prompt.model())
          .maxOutputTokens(prompt.maxTokens())
          .timeout(timeout)
          // a thinking model's thoughts are not part of the answer
          .returnThinking(false)
          .build();
    }
    if (endpoint.kind() == ProviderKind.ANTHROPIC) {
      return AnthropicStreamingChatModel.builder()
          .httpClientBuilder(exchange.clientBuilder())
          .baseUrl(baseUrl)
          .apiKey(endpoint.apiKey().orElseThrow())
          .modelName(prompt.model())
          .maxTokens(prompt.maxTokens())
          .timeout(timeout)
          .build();
    }
    OpenAiStreamingChatModel.OpenAiStreamingChatModelBuilder b =
        OpenAiStreamingChatModel.builder()
            .httpClientBuilder(exchange.clientBuilder())
            .baseUrl(baseUrl)
            .apiKey(endpoint.apiKey().orElse(null))
            .modelName(prompt.model())
            .timeout(timeout);
    // OpenAI's newer models refuse max_tokens; local servers often only know max_tokens.
    return endpoint.kind() == ProviderKind.OPENAI
        ? b.maxCompletionTokens(prompt.maxTokens()).build()
        : b.maxTokens(prompt.maxTokens()).build();
  }

  private static List<ChatMessage> messages(Prompt prompt) {
    List<ChatMessage> out = new ArrayList<>();
    out.add(SystemMessage.from(prompt.system()));
    for (Turn t : prompt.turns()) {
      out.add(t.speaker() == Speaker.USER ? UserMessage.from(t.text()) : AiMessage.from(t.text()));
    }
    return out;
  }

  /** Rough size of a text in tokens, for answers whose usage the provider never reported. */
  static long estimateTokens(long chars) {
    return (chars + 3) / 4;
  }

  /** One answer: forwards callbacks until it ends or is cancelled, then stays silent. */
  private static final class Call implements StreamingChatResponseHandler, Answer {
    private final UpstreamExchange exchange;
    private final Observer observer;
    private final AtomicBoolean over = new AtomicBoolean();
    private final AtomicLong answerChars = new AtomicLong();
    private final long promptChars;

    Call(Prompt prompt, UpstreamExchange exchange, Observer observer) {
      this.exchange = exchange;
      this.observer = observer;
      long chars = prompt.system().length();
      for (Turn t : prompt.turns()) {
        chars += t.text().length();
      }
      this.promptChars = chars;
    }

    @Override
    public void cancel() {
      over.set(true);
      exchange.abort();
    }

    @Override
    public void onPartialResponse(String text) {
      if (!over.get() && text != null && !text.isEmpty()) {
        answerChars.addAndGet(text.length());
        observer.token(text);
      }
    }

    @Override
    public void onCompleteResponse(ChatResponse response) {
      if (!over.compareAndSet(false, true)) {
        return;
      }
      Usage usage = usage(response.tokenUsage());
      if (!exchange.sawEnd()) {
        // OpenAI's client reports a stream that simply stopped as a complete answer.
        observer.failed(
            new Failure(
                "ai_stream_dropped", "The provider closed the stream before the answer was complete.",
                Optional.empty(), Optional.of(usage)));
        return;
      }
      observer.completed(usage);
    }

    /** The body ended; an answer not ended by now was cut off (Anthropic's client says nothing then). */
    void streamClosed() {
      if (over.compareAndSet(false, true)) {
        observer.failed(
            new Failure(
                "ai_stream_dropped", "The provider closed the stream before the answer was complete.",
                Optional.empty(), Optional.of(estimated())));
      }
    }

    @Override
    public void onError(Throwable error) {
      if (!over.compareAndSet(false, true)) {
        return;
      }
      observer.failed(classify(error, exchange.retryAfterSeconds(), Optional.of(estimated())));
    }

    private Usage usage(TokenUsage reported) {
      if (reported == null || reported.inputTokenCount() == null || reported.outputTokenCount() == null
          || (reported.inputTokenCount() == 0 && reported.outputTokenCount() == 0)) {
        return estimated();
      }
      return new Usage(reported.inputTokenCount(), reported.outputTokenCount(), false);
    }

    private Usage estimated() {
      return new Usage(estimateTokens(promptChars), estimateTokens(answerChars.get()), true);
    }
  }

  /** Turns what langchain4j reports into a message a person can act on. */
  static Failure classify(Throwable error, Optional<Long> retryAfter, Optional<Usage> usage) {
    for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof HttpException h) {
        String body = h.getMessage();
        if (h.statusCode() == 400 && googleReasons(body).contains("API_KEY_INVALID")) {
          // Google answers a wrong key with 400 INVALID_ARGUMENT and says so only in the details.
          return new Failure(
              "ai_provider_auth", "The provider refused the configured API key (400 API_KEY_INVALID): "
                  + providerMessage(body), Optional.empty(), usage);
        }
        return fromStatus(h.statusCode(), providerMessage(body), retryAfter.or(() -> googleRetryDelay(body)), usage);
      }
      if (t instanceof AnthropicStreamingException a) {
        return fromAnthropicType(a.type(), a.getMessage(), retryAfter, usage);
      }
      if (t instanceof HttpTimeoutException || t instanceof dev.langchain4j.exception.TimeoutException) {
        return new Failure("ai_provider_timeout", "The provider did not answer in time.", Optional.empty(), usage);
      }
      if (t instanceof ConnectException || t instanceof dev.langchain4j.exception.UnresolvedModelServerException) {
        return new Failure(
            "ai_provider_unreachable", "The model provider could not be reached.", Optional.empty(), usage);
      }
      if (t instanceof IOException) {
        return new Failure(
            "ai_stream_dropped", "The connection to the provider broke before the answer was complete.",
            Optional.empty(), usage);
      }
    }
    String detail = error.getMessage() == null ? error.getClass().getSimpleName() : providerMessage(error.getMessage());
    return new Failure("ai_provider_error", "The provider failed: " + detail, Optional.empty(), usage);
  }

  private static Failure fromStatus(int status, String detail, Optional<Long> retryAfter, Optional<Usage> usage) {
    if (status == 401 || status == 403) {
      return new Failure(
          "ai_provider_auth",
          "The provider refused the configured API key (" + status + "): " + detail,
          Optional.empty(), usage);
    }
    if (status == 404) {
      return new Failure("ai_model_not_found", "The provider does not know this model: " + detail, Optional.empty(), usage);
    }
    if (status == 429) {
      String when = retryAfter.map(s -> "; retry in " + s + " s").orElse("; retry later");
      return new Failure("ai_provider_rate_limited", "The provider is rate limiting requests" + when + ": " + detail, retryAfter, usage);
    }
    if (status >= 500) {
      return new Failure(
          "ai_provider_unavailable", "The provider had an internal problem (" + status + "); try again: " + detail,
          retryAfter, usage);
    }
    return new Failure("ai_provider_rejected", "The provider rejected the request (" + status + "): " + detail, Optional.empty(), usage);
  }

  private static Failure fromAnthropicType(String type, String message, Optional<Long> retryAfter, Optional<Usage> usage) {
    String detail = message == null ? type : message;
    return switch (type == null ? "" : type) {
      case "overloaded_error", "api_error" -> new Failure(
          "ai_provider_unavailable", "The provider had an internal problem (" + type + "); try again: " + detail, retryAfter, usage);
      case "rate_limit_error" -> new Failure(
          "ai_provider_rate_limited", "The provider is rate limiting requests: " + detail, retryAfter, usage);
      case "authentication_error", "permission_error" -> new Failure(
          "ai_provider_auth", "The provider refused the configured API key: " + detail, Optional.empty(), usage);
      case "not_found_error" -> new Failure(
          "ai_model_not_found", "The provider does not know this model: " + detail, Optional.empty(), usage);
      default -> new Failure("ai_provider_error", "The provider failed (" + type + "): " + detail, Optional.empty(), usage);
    };
  }

  /** The {@code reason}s of a Google error's {@code error.details} (e.g. {@code API_KEY_INVALID}). */
  static List<String> googleReasons(String body) {
    return googleDetails(body).stream()
        .map(d -> d.getString("reason"))
        .filter(java.util.Objects::nonNull)
        .toList();
  }

  /** A Google error's {@code RetryInfo.retryDelay} ("17s", "0.5s") in whole seconds, at least 1. */
  static Optional<Long> googleRetryDelay(String body) {
    for (JsonObject d : googleDetails(body)) {
      if (d.getValue("retryDelay") instanceof String delay && delay.matches("[0-9]+(\\.[0-9]+)?s")) {
        return Optional.of(Math.max(1, (long) Math.ceil(Double.parseDouble(delay.substring(0, delay.length() - 1)))));
      }
    }
    return Optional.empty();
  }

  private static List<JsonObject> googleDetails(String body) {
    if (body == null || !body.contains("details")) {
      return List.of();
    }
    try {
      JsonObject error = new JsonObject(body).getJsonObject("error");
      JsonArray details = error == null ? null : error.getJsonArray("details");
      if (details == null) {
        return List.of();
      }
      return details.stream().filter(JsonObject.class::isInstance).map(JsonObject.class::cast).toList();
    } catch (RuntimeException notJson) {
      return List.of();
    }
  }

  /** The human part of a provider's error body: {@code error.message} in all three protocols. */
  static String providerMessage(String body) {
    if (body == null || body.isBlank()) {
      return "no details given";
    }
    try {
      JsonObject json = new JsonObject(body);
      Object error = json.getValue("error");
      if (error instanceof JsonObject e && e.getString("message") != null) {
        return e.getString("message");
      }
      if (error instanceof String s) {
        return s;
      }
    } catch (RuntimeException notJson) {
      // fall through to the raw text
    }
    String text = body.strip();
    return text.length() > 300 ? text.substring(0, 300) + "…" : text;
  }
}
