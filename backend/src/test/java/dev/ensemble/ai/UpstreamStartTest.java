package dev.ensemble.ai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.ensemble.ai.AiProvider.Prompt;
import dev.ensemble.ai.AiProvider.Turn;
import dev.ensemble.ai.AiProvider.Speaker;
import dev.ensemble.ai.support.OpenAiWire;
import dev.ensemble.ai.support.ProviderStandIn;
import java.io.IOException;
import java.net.Authenticator;
import java.net.CookieHandler;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import org.junit.jupiter.api.Test;

/**
 * Starting a streamed answer never blocks the caller, which is often an event loop. langchain4j's
 * JDK client attaches its blocking reader to the response future after sending; when the response
 * is already there by then, the reader runs on the caller's thread for the whole answer. That race
 * is made certain here by a client that returns from sending only once the response has arrived.
 */
class UpstreamStartTest {
  @Test
  void anAnswerWhoseResponseIsAlreadyThereDoesNotHoldTheCallersThread() throws Exception {
    try (ProviderStandIn standIn = ProviderStandIn.start()) {
      standIn.enqueue(OpenAiWire.tokensThenHang(List.of("first")));
      URI base = URI.create(standIn.baseUrl());
      Langchain4jProvider provider = new Langchain4jProvider(
          new AiSettings.Endpoint(AiSettings.ProviderKind.OPENAI_COMPATIBLE, base, Optional.empty()),
          Duration.ofSeconds(30), new RespondedFirst(Langchain4jProvider.httpClientFor(base)));
      CompletableFuture<String> token = new CompletableFuture<>();
      AiProvider.Answer answer = assertTimeoutPreemptively(Duration.ofSeconds(5), () -> provider.stream(
          new Prompt("m", 100, "system", List.of(new Turn(Speaker.USER, "go"))),
          new AiProvider.Observer() {
            @Override
            public void token(String text) {
              token.complete(text);
            }

            @Override
            public void completed(AiProvider.Usage usage) {}

            @Override
            public void failed(AiProvider.Failure failure) {
              token.completeExceptionally(new AssertionError(failure.toString()));
            }
          }), "starting the answer held the caller while the answer streamed");
      assertEquals("first", token.get(10, TimeUnit.SECONDS));
      answer.cancel();
    }
  }

  /** A real client whose asynchronous send returns once the response headers are in. */
  private static final class RespondedFirst extends HttpClient {
    private final HttpClient real;

    RespondedFirst(HttpClient real) {
      this.real = real;
    }

    @Override
    public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request, HttpResponse.BodyHandler<T> handler) {
      CompletableFuture<HttpResponse<T>> f = real.sendAsync(request, handler);
      try {
        f.get(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        // the caller sees the failure through the future
      }
      return f;
    }

    @Override
    public <T> CompletableFuture<HttpResponse<T>> sendAsync(
        HttpRequest request, HttpResponse.BodyHandler<T> handler, HttpResponse.PushPromiseHandler<T> push) {
      return sendAsync(request, handler);
    }

    @Override
    public <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler)
        throws IOException, InterruptedException {
      return real.send(request, handler);
    }

    @Override
    public Optional<CookieHandler> cookieHandler() {
      return real.cookieHandler();
    }

    @Override
    public Optional<Duration> connectTimeout() {
      return real.connectTimeout();
    }

    @Override
    public Redirect followRedirects() {
      return real.followRedirects();
    }

    @Override
    public Optional<ProxySelector> proxy() {
      return real.proxy();
    }

    @Override
    public SSLContext sslContext() {
      return real.sslContext();
    }

    @Override
    public SSLParameters sslParameters() {
      return real.sslParameters();
    }

    @Override
    public Optional<Authenticator> authenticator() {
      return real.authenticator();
    }

    @Override
    public Version version() {
      return real.version();
    }

    @Override
    public Optional<Executor> executor() {
      return real.executor();
    }
  }
}
