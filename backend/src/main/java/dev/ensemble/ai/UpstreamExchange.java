package dev.ensemble.ai;

import dev.langchain4j.http.client.HttpClient;
import dev.langchain4j.http.client.HttpClientBuilder;
import dev.langchain4j.http.client.HttpRequest;
import dev.langchain4j.http.client.SuccessfulHttpResponse;
import dev.langchain4j.http.client.jdk.JdkHttpClient;
import dev.langchain4j.http.client.sse.ServerSentEvent;
import dev.langchain4j.http.client.sse.ServerSentEventContext;
import dev.langchain4j.http.client.sse.ServerSentEventListener;
import dev.langchain4j.http.client.sse.ServerSentEventParser;
import java.io.IOException;
import java.io.InputStream;
import java.net.Authenticator;
import java.net.CookieHandler;
import java.net.ProxySelector;
import java.net.http.HttpClient.Redirect;
import java.net.http.HttpClient.Version;
import java.net.http.HttpHeaders;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandler;
import java.net.http.HttpResponse.BodySubscribers;
import java.net.http.HttpResponse.PushPromiseHandler;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CancellationException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Predicate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * One streaming request to a provider, watched from beneath langchain4j's JDK HTTP client so that
 * it can be aborted at any moment (before the response headers as well as mid-stream), its
 * Retry-After header read when it fails, and a stream that ends without the protocol's closing
 * event recognised as dropped. langchain4j's own cancel handle only exists after the first token
 * and its HTTP errors carry no headers, hence this.
 */
final class UpstreamExchange {
  private final java.net.http.HttpClient shared;
  private final Predicate<ServerSentEvent> endOfAnswer;
  private volatile boolean aborted;
  private volatile boolean sawEnd;
  private volatile CompletableFuture<?> pending;
  private volatile InputStream body;
  private volatile HttpHeaders headers;
  private volatile Runnable whenClosed = () -> {};

  UpstreamExchange(java.net.http.HttpClient shared, Predicate<ServerSentEvent> endOfAnswer) {
    this.shared = shared;
    this.endOfAnswer = endOfAnswer;
  }

  /** A langchain4j HTTP client builder whose clients send through this exchange. */
  HttpClientBuilder clientBuilder() {
    return new Builder();
  }

  /** Closes the request wherever it is; the provider sees its connection (or stream) closed. */
  void abort() {
    aborted = true;
    CompletableFuture<?> f = pending;
    if (f != null) {
      f.cancel(true);
    }
    closeQuietly(body);
  }

  /** Runs after the event stream ended and langchain4j has seen its end. */
  void whenClosed(Runnable action) {
    this.whenClosed = action;
  }

  /** True once the event that ends a complete answer arrived. */
  boolean sawEnd() {
    return sawEnd;
  }

  /** The provider's Retry-After, in whole seconds (at least 1), if its response had one. */
  Optional<Long> retryAfterSeconds() {
    HttpHeaders h = headers;
    if (h == null) {
      return Optional.empty();
    }
    return h.firstValue("retry-after").flatMap(UpstreamExchange::parseRetryAfter);
  }

  static Optional<Long> parseRetryAfter(String value) {
    String v = value.trim();
    try {
      return Optional.of(Math.max(1, (long) Math.ceil(Double.parseDouble(v))));
    } catch (NumberFormatException notSeconds) {
      try {
        ZonedDateTime at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME);
        return Optional.of(Math.max(1, Duration.between(ZonedDateTime.now(at.getZone()), at).toSeconds()));
      } catch (DateTimeParseException notADate) {
        return Optional.empty();
      }
    }
  }

  private void register(InputStream in) {
    body = in;
    if (aborted) {
      closeQuietly(in);
    }
  }

  private static void closeQuietly(InputStream in) {
    if (in != null) {
      try {
        in.close();
      } catch (IOException ignored) {
        // closing is all we wanted
      }
    }
  }

  /** langchain4j's builder; the timeouts it is given apply to the JDK client underneath. */
  private final class Builder implements HttpClientBuilder {
    private Duration connectTimeout;
    private Duration readTimeout;

    @Override
    public Duration connectTimeout() {
      return connectTimeout;
    }

    @Override
    public HttpClientBuilder connectTimeout(Duration timeout) {
      this.connectTimeout = timeout;
      return this;
    }

    @Override
    public Duration readTimeout() {
      return readTimeout;
    }

    @Override
    public HttpClientBuilder readTimeout(Duration timeout) {
      this.readTimeout = timeout;
      return this;
    }

    @Override
    public HttpClient build() {
      JdkHttpClient jdk =
          JdkHttpClient.builder().httpClientBuilder(new JdkBuilder()).readTimeout(readTimeout).build();
      return new Watching(jdk);
    }
  }

  /** Forwards to langchain4j's JDK client, noting the end-of-answer event on the way. */
  private final class Watching implements HttpClient {
    private final HttpClient delegate;

    Watching(HttpClient delegate) {
      this.delegate = delegate;
    }

    @Override
    public SuccessfulHttpResponse execute(HttpRequest request) {
      return delegate.execute(request);
    }

    @Override
    public void execute(HttpRequest request, ServerSentEventParser parser, ServerSentEventListener listener) {
      // Started off the caller's thread (often an event loop): should the response already be
      // complete when langchain4j attaches its reader, that reader blocks the thread it runs on.
      Executor start = shared.executor().orElse(Langchain4jProvider.STREAM_THREADS);
      try {
        start.execute(() -> stream(request, parser, listener));
      } catch (RejectedExecutionException stopping) {
        listener.onError(stopping);
      }
    }

    private void stream(HttpRequest request, ServerSentEventParser parser, ServerSentEventListener listener) {
      try {
        send(request, parser, listener);
      } catch (RuntimeException e) {
        listener.onError(e);
      }
    }

    private void send(HttpRequest request, ServerSentEventParser parser, ServerSentEventListener listener) {
      delegate.execute(
          request,
          parser,
          new ServerSentEventListener() {
            @Override
            public void onOpen(SuccessfulHttpResponse response) {
              listener.onOpen(response);
            }

            @Override
            public void onEvent(ServerSentEvent event, ServerSentEventContext context) {
              if (endOfAnswer.test(event)) {
                sawEnd = true;
              }
              listener.onEvent(event, context);
            }

            @Override
            public void onEvent(ServerSentEvent event) {
              if (endOfAnswer.test(event)) {
                sawEnd = true;
              }
              listener.onEvent(event);
            }

            @Override
            public void onError(Throwable error) {
              listener.onError(error);
            }

            @Override
            public void onClose() {
              listener.onClose();
              whenClosed.run();
            }
          });
    }
  }

  /** Hands langchain4j a JDK client that sends through the shared one and reports back. */
  private final class JdkBuilder implements java.net.http.HttpClient.Builder {
    @Override
    public java.net.http.HttpClient build() {
      return new Observed();
    }

    // The shared client is configured once; per-request settings are ignored.
    @Override
    public java.net.http.HttpClient.Builder cookieHandler(CookieHandler cookieHandler) {
      return this;
    }

    @Override
    public java.net.http.HttpClient.Builder connectTimeout(Duration duration) {
      return this;
    }

    @Override
    public java.net.http.HttpClient.Builder sslContext(SSLContext sslContext) {
      return this;
    }

    @Override
    public java.net.http.HttpClient.Builder sslParameters(SSLParameters sslParameters) {
      return this;
    }

    @Override
    public java.net.http.HttpClient.Builder executor(Executor executor) {
      return this;
    }

    @Override
    public java.net.http.HttpClient.Builder followRedirects(Redirect policy) {
      return this;
    }

    @Override
    public java.net.http.HttpClient.Builder version(Version version) {
      return this;
    }

    @Override
    public java.net.http.HttpClient.Builder priority(int priority) {
      return this;
    }

    @Override
    public java.net.http.HttpClient.Builder proxy(ProxySelector proxySelector) {
      return this;
    }

    @Override
    public java.net.http.HttpClient.Builder authenticator(Authenticator authenticator) {
      return this;
    }
  }

  /** The shared JDK client, with the exchange's future, headers and body recorded. */
  private final class Observed extends java.net.http.HttpClient {
    @Override
    public Optional<CookieHandler> cookieHandler() {
      return shared.cookieHandler();
    }

    @Override
    public Optional<Duration> connectTimeout() {
      return shared.connectTimeout();
    }

    @Override
    public Redirect followRedirects() {
      return shared.followRedirects();
    }

    @Override
    public Optional<ProxySelector> proxy() {
      return shared.proxy();
    }

    @Override
    public SSLContext sslContext() {
      return shared.sslContext();
    }

    @Override
    public SSLParameters sslParameters() {
      return shared.sslParameters();
    }

    @Override
    public Optional<Authenticator> authenticator() {
      return shared.authenticator();
    }

    @Override
    public Version version() {
      return shared.version();
    }

    @Override
    public Optional<Executor> executor() {
      return shared.executor();
    }

    @Override
    public <T> HttpResponse<T> send(java.net.http.HttpRequest request, BodyHandler<T> handler)
        throws IOException, InterruptedException {
      return shared.send(request, observing(handler));
    }

    @Override
    public <T> CompletableFuture<HttpResponse<T>> sendAsync(java.net.http.HttpRequest request, BodyHandler<T> handler) {
      if (aborted) {
        return CompletableFuture.failedFuture(new CancellationException("cancelled before sending"));
      }
      CompletableFuture<HttpResponse<T>> f = shared.sendAsync(request, observing(handler));
      pending = f;
      if (aborted) {
        f.cancel(true);
      }
      return f;
    }

    @Override
    public <T> CompletableFuture<HttpResponse<T>> sendAsync(
        java.net.http.HttpRequest request, BodyHandler<T> handler, PushPromiseHandler<T> push) {
      return sendAsync(request, handler);
    }

    private <T> BodyHandler<T> observing(BodyHandler<T> handler) {
      return info -> {
        headers = info.headers();
        return BodySubscribers.mapping(
            handler.apply(info),
            value -> {
              if (value instanceof InputStream in) {
                register(in);
              }
              return value;
            });
      };
    }
  }
}
