package dev.ensemble.ai.complete;

import dev.ensemble.ai.AiProvider.Failure;
import dev.ensemble.ai.AiProvider.Usage;
import dev.ensemble.ai.AiSettings.Endpoint;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.ConnectException;
import java.util.Optional;

/**
 * Fill-in-the-middle through the legacy {@code POST /v1/completions} with {@code prompt} (the code
 * before the cursor) and {@code suffix} (the code after it), which llama.cpp's server, vLLM and
 * Ollama accept for models trained to infill. langchain4j has no client for this endpoint, so it
 * goes over Vert.x's own HTTP client: non-blocking on the caller's event loop, and resetting the
 * request closes the connection, which is how the provider learns to stop.
 */
final class FimInfill implements Infill {
  /** Ghost text is one block: a blank line ends it. */
  static final JsonArray STOP = new JsonArray().add("\n\n");

  private final HttpClient http;
  private final Endpoint endpoint;

  FimInfill(HttpClient http, Endpoint endpoint) {
    this.http = http;
    this.endpoint = endpoint;
  }

  /** The request body the provider is sent. */
  static JsonObject body(Gap gap) {
    return new JsonObject()
        .put("model", gap.model())
        .put("prompt", gap.prefix())
        .put("suffix", gap.suffix())
        .put("max_tokens", gap.maxTokens())
        .put("temperature", 0)
        .put("stop", STOP)
        .put("stream", false);
  }

  @Override
  public Pending start(Context context, Gap gap) {
    Exchange exchange = new Exchange(gap);
    RequestOptions options =
        new RequestOptions()
            .setMethod(HttpMethod.POST)
            .setAbsoluteURI(endpoint.baseUrl() + "/completions")
            .putHeader("Content-Type", "application/json")
            .putHeader("Accept", "application/json");
    endpoint.apiKey().ifPresent(key -> options.putHeader("Authorization", "Bearer " + key));
    http.request(options)
        .compose(request -> {
          if (!exchange.attach(request)) {
            return Future.failedFuture("cancelled");
          }
          return request.send(body(gap).toBuffer());
        })
        .compose(response -> response.body().map(b -> exchange.read(response, b)))
        .onSuccess(exchange::succeeded)
        .onFailure(exchange::failed);
    return exchange;
  }

  private final class Exchange implements Pending {
    private final Gap gap;
    private final Promise<Insertion> promise = Promise.promise();
    private HttpClientRequest request;
    private volatile boolean cancelled;

    Exchange(Gap gap) {
      this.gap = gap;
    }

    /** False when the caller cancelled before the connection was there. */
    synchronized boolean attach(HttpClientRequest r) {
      if (cancelled) {
        r.exceptionHandler(e -> {});
        r.reset();
        return false;
      }
      // failures reach the response future; without a handler a reset is also logged as an error
      r.exceptionHandler(e -> {});
      request = r;
      return true;
    }

    @Override
    public Future<Insertion> result() {
      return promise.future();
    }

    @Override
    public void cancel() {
      HttpClientRequest r;
      synchronized (this) {
        if (cancelled) {
          return;
        }
        cancelled = true;
        r = request;
      }
      if (r != null) {
        r.reset();
      }
    }

    Insertion read(HttpClientResponse response, Buffer body) {
      if (response.statusCode() / 100 != 2) {
        throw new ProviderFailed(
            ProviderFailures.fromStatus(
                response.statusCode(), ProviderFailures.providerMessage(body.toString()),
                ProviderFailures.retryAfter(response.getHeader("Retry-After"))));
      }
      JsonObject json;
      try {
        json = body.toJsonObject();
      } catch (RuntimeException e) {
        throw new ProviderFailed(new Failure(
            "ai_provider_error", "The provider's completion was not JSON.", Optional.empty(), Optional.empty()));
      }
      JsonArray choices = json.getJsonArray("choices", new JsonArray());
      String text = choices.isEmpty() ? "" : choices.getJsonObject(0).getString("text", "");
      JsonObject usage = json.getJsonObject("usage");
      Usage counted =
          usage != null && usage.getLong("prompt_tokens") != null && usage.getLong("completion_tokens") != null
              ? new Usage(usage.getLong("prompt_tokens"), usage.getLong("completion_tokens"), false)
              : new Usage(Infill.estimateTokens(gap.chars()), Infill.estimateTokens(text.length()), true);
      return new Insertion(text, counted);
    }

    void succeeded(Insertion insertion) {
      if (!cancelled) {
        promise.tryComplete(insertion);
      }
    }

    void failed(Throwable e) {
      if (cancelled) {
        return;
      }
      if (e instanceof ProviderFailed) {
        promise.tryFail(e);
      } else if (e instanceof ConnectException || e.getCause() instanceof ConnectException) {
        promise.tryFail(new ProviderFailed(new Failure(
            "ai_provider_unreachable", "The model provider could not be reached.", Optional.empty(), Optional.empty())));
      } else {
        promise.tryFail(new ProviderFailed(new Failure(
            "ai_stream_dropped", "The connection to the provider broke before the completion arrived: " + e.getMessage(),
            Optional.empty(), Optional.empty())));
      }
    }
  }
}
