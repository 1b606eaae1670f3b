package dev.ensemble.ai.support;

import io.vertx.core.Context;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A local stand-in for a model provider: a Vert.x HTTP server that answers each request with the
 * next queued {@link Script}, written step by step, and records what it was sent and whether the
 * client closed the connection before the response was over.
 *
 * <p>Besides the provider's protocol it has one test-only endpoint: {@code POST
 * /stand-in/signals/{name}} raises a signal that a {@link Step.WaitFor} step waits on, so a test
 * in another process (a browser script) can hold an answer half-written until it has seen it so.
 */
public final class ProviderStandIn implements AutoCloseable {
  /** One request as the stand-in saw it; {@code cutOff} completes if the client closed it early. */
  public record Exchange(String path, String query, MultiMap headers, JsonObject body, CompletableFuture<Void> cutOff) {}

  /** A response: status, headers and what to do, in order. */
  public record Script(int status, Map<String, String> headers, List<Step> steps) {}

  /** One thing the stand-in does while answering. */
  public sealed interface Step {
    /** Writes text to the body (an SSE frame, a JSON error). */
    record Write(String text) implements Step {}

    /** Writes text made at the moment of writing from {@link System#nanoTime()}. */
    record Stamped(java.util.function.LongFunction<String> text) implements Step {}

    /** Waits before the next step. */
    record Pause(long millis) implements Step {}

    /** Waits, without writing, until the named signal is raised ({@link #raise}, or its URL). */
    record WaitFor(String signal) implements Step {}

    /** Stops writing and keeps the connection open until the client closes it. */
    record Hang() implements Step {}

    /** Closes the connection in the middle of the response. */
    record Drop() implements Step {}

    /** Ends the response properly. */
    record End() implements Step {}
  }

  private final Vertx vertx;
  private final HttpServer server;
  private final BlockingQueue<Function<JsonObject, Script>> scripts = new LinkedBlockingQueue<>();
  private final BlockingQueue<Exchange> exchanges = new LinkedBlockingQueue<>();
  private volatile Function<JsonObject, Script> fallback;
  private final Map<String, CompletableFuture<Void>> signals = new ConcurrentHashMap<>();
  private static final String SIGNALS = "/stand-in/signals/";

  private ProviderStandIn(Vertx vertx, HttpServer server) {
    this.vertx = vertx;
    this.server = server;
  }

  /** Starts on a random local port. */
  public static ProviderStandIn start() {
    Vertx vertx = Vertx.vertx();
    ProviderStandIn[] self = new ProviderStandIn[1];
    HttpServer server = vertx.createHttpServer().requestHandler(req -> self[0].handle(req));
    self[0] = new ProviderStandIn(vertx, server);
    await(server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture());
    return self[0];
  }

  /** The base URL a provider client is configured with ({@code .../v1}). */
  public String baseUrl() {
    return url("/v1");
  }

  /** The stand-in's URL for a path, for protocols rooted elsewhere than {@code /v1}. */
  public String url(String path) {
    return "http://127.0.0.1:" + server.actualPort() + path;
  }

  /** Queues the answer to the next request; it may depend on the request's JSON body. */
  public void enqueue(Function<JsonObject, Script> script) {
    scripts.add(script);
  }

  public void enqueue(Script script) {
    scripts.add(body -> script);
  }

  /** Answers every request that finds no queued script with this one (benchmarks, many requests). */
  public void always(Function<JsonObject, Script> script) {
    fallback = script;
  }

  /** Raises a signal: answers waiting for it go on, and later ones do not wait for it. */
  public void raise(String signal) {
    signal(signal).complete(null);
  }

  /** The URL that raises a signal when POSTed to, for a test's other processes. */
  public String signalUrl(String signal) {
    return url(SIGNALS + signal);
  }

  private CompletableFuture<Void> signal(String name) {
    return signals.computeIfAbsent(name, n -> new CompletableFuture<>());
  }

  /** The requests received and not yet taken, without waiting. */
  public List<Exchange> drainExchanges() {
    List<Exchange> out = new java.util.ArrayList<>();
    exchanges.drainTo(out);
    return out;
  }

  /** The next request received, waiting up to 10 s for it. */
  public Exchange nextExchange() {
    try {
      Exchange e = exchanges.poll(10, TimeUnit.SECONDS);
      if (e == null) {
        throw new AssertionError("the stand-in received no request within 10 s");
      }
      return e;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Forgets queued scripts and unread exchanges (between tests). */
  public void reset() {
    scripts.clear();
    exchanges.clear();
    fallback = null;
    signals.clear();
  }

  private void handle(HttpServerRequest req) {
    if (req.method() == HttpMethod.POST && req.path().startsWith(SIGNALS)) {
      raise(req.path().substring(SIGNALS.length()));
      req.response().setStatusCode(204).end();
      return;
    }
    req.body().onSuccess(buffer -> {
      JsonObject body = buffer.length() == 0 ? new JsonObject() : buffer.toJsonObject();
      CompletableFuture<Void> cutOff = new CompletableFuture<>();
      HttpServerResponse res = req.response();
      res.closeHandler(v -> cutOff.complete(null));
      exchanges.add(new Exchange(req.path(), req.query(), req.headers(), body, cutOff));
      Function<JsonObject, Script> next = scripts.poll();
      if (next == null) {
        next = fallback;
      }
      if (next == null) {
        res.setStatusCode(500).end("{\"error\":{\"message\":\"stand-in has no script queued\"}}");
        return;
      }
      Script script = next.apply(body);
      res.setStatusCode(script.status()).setChunked(true);
      script.headers().forEach(res::putHeader);
      run(req, res, script.steps(), 0);
    });
  }

  private void run(HttpServerRequest req, HttpServerResponse res, List<Step> steps, int i) {
    if (i == steps.size() || res.closed()) {
      return;
    }
    Step step = steps.get(i);
    if (step instanceof Step.Write w) {
      res.write(w.text());
      run(req, res, steps, i + 1);
    } else if (step instanceof Step.Stamped s) {
      res.write(s.text().apply(System.nanoTime()));
      run(req, res, steps, i + 1);
    } else if (step instanceof Step.Pause p) {
      vertx.setTimer(p.millis(), t -> run(req, res, steps, i + 1));
    } else if (step instanceof Step.WaitFor w) {
      Context context = vertx.getOrCreateContext();
      signal(w.signal()).thenRun(() -> context.runOnContext(v -> run(req, res, steps, i + 1)));
    } else if (step instanceof Step.Drop) {
      req.connection().close();
    } else if (step instanceof Step.End) {
      res.end();
    }
    // Hang: do nothing more
  }

  @Override
  public void close() {
    await(vertx.close().toCompletionStage().toCompletableFuture());
  }

  private static <T> T await(CompletableFuture<T> f) {
    try {
      return f.get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
