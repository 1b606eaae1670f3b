package dev.ensemble.ai;

import dev.ensemble.ai.support.AiProject;
import dev.ensemble.ai.support.CompleteCall;
import dev.ensemble.ai.support.OpenAiWire;
import dev.ensemble.ai.support.ProviderStandIn;
import dev.ensemble.support.TestServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Figures for docs/benchmarks.md (not a JUnit test). Everything runs in one JVM, so the stand-in's
 * {@link System#nanoTime()} stamps and the client's are on one clock.
 *
 * <p>Streaming: the stand-in writes each token's send time as its text; the client notes when the
 * token event arrives, through the server and directly from the stand-in. Time to first token is
 * measured the same two ways. Completion: simulated typists send a request per keystroke (or after
 * a 250 ms pause, as the web app does), each aborting the one before, against a stand-in that
 * answers after a fixed delay.
 */
public final class AiBenchmark {
  private static final int ANSWERS = 4;
  private static final int TOKENS_PER_ANSWER = 500;
  private static final long TOKEN_PAUSE_MS = 2;
  private static final int FIRST_TOKEN_RUNS = 30;
  private static final long MODEL_DELAY_MS = 80;
  private static final int KEYSTROKES = 300;

  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  public static void main(String[] args) throws Exception {
    ProviderStandIn provider = ProviderStandIn.start();
    TestServer server = TestServer.start(Map.of(
        "ENSEMBLE_AI_PROVIDER", "openai-compatible",
        "ENSEMBLE_AI_BASE_URL", provider.baseUrl(),
        "ENSEMBLE_AI_CHAT_MODEL", "stand-in",
        "ENSEMBLE_AI_REQUESTS_PER_MINUTE", "0",
        "ENSEMBLE_AI_COMPLETIONS_PER_MINUTE", "0",
        "ENSEMBLE_LOG_LEVEL", "WARN"));
    try {
      AiProject project = AiProject.create(server);
      streaming(provider, server, project);
      firstToken(provider, server, project);
      typing(provider, server, false, 1);
      typing(provider, server, true, 1);
      typing(provider, server, false, 8);
      typing(provider, server, true, 8);
    } finally {
      server.close();
      provider.close();
    }
    System.exit(0);
  }

  // --- streaming chat -----------------------------------------------------------------------

  private static void streaming(ProviderStandIn provider, TestServer server, AiProject project) throws Exception {
    // warm up both paths (JIT, connection pools)
    for (int i = 0; i < 3; i++) {
      provider.enqueue(OpenAiWire.stampedAnswer(200, 1));
      viaServer(server, project, new ArrayList<>());
      provider.enqueue(OpenAiWire.stampedAnswer(200, 1));
      direct(provider, new ArrayList<>());
    }
    List<Double> through = new ArrayList<>();
    List<Double> straight = new ArrayList<>();
    for (int i = 0; i < ANSWERS; i++) {
      provider.enqueue(OpenAiWire.stampedAnswer(TOKENS_PER_ANSWER, TOKEN_PAUSE_MS));
      viaServer(server, project, through);
      provider.enqueue(OpenAiWire.stampedAnswer(TOKENS_PER_ANSWER, TOKEN_PAUSE_MS));
      direct(provider, straight);
    }
    System.out.printf(
        "per token, stand-in write -> client receipt, %d tokens (%d answers, %d ms apart):%n"
            + "  through the server: median %.3f ms, p99 %.3f ms, max %.3f ms%n"
            + "  directly:           median %.3f ms, p99 %.3f ms, max %.3f ms%n"
            + "  server-added:       median %.3f ms, p99 %.3f ms%n",
        through.size(), ANSWERS, TOKEN_PAUSE_MS,
        percentile(through, 50), percentile(through, 99), percentile(through, 100),
        percentile(straight, 50), percentile(straight, 99), percentile(straight, 100),
        percentile(through, 50) - percentile(straight, 50), percentile(through, 99) - percentile(straight, 99));
  }

  private static void firstToken(ProviderStandIn provider, TestServer server, AiProject project) throws Exception {
    List<Double> through = new ArrayList<>();
    List<Double> started = new ArrayList<>();
    List<Double> straight = new ArrayList<>();
    for (int i = 0; i < FIRST_TOKEN_RUNS; i++) {
      provider.enqueue(OpenAiWire.stampedAnswer(3, 1));
      long t0 = System.nanoTime();
      long[] threadEvent = new long[1];
      long first = viaServer(server, project, new ArrayList<>(), threadEvent);
      through.add((first - t0) / 1e6);
      started.add((threadEvent[0] - t0) / 1e6);
      provider.enqueue(OpenAiWire.stampedAnswer(3, 1));
      t0 = System.nanoTime();
      first = direct(provider, new ArrayList<>());
      straight.add((first - t0) / 1e6);
    }
    System.out.printf(
        "time to first token, request sent -> first token received, %d runs each:%n"
            + "  through the server: median %.2f ms, p90 %.2f ms (its `thread` event, sent once the question"
            + " is stored and before the provider is called: median %.2f ms)%n"
            + "  directly:           median %.2f ms, p90 %.2f ms%n"
            + "  overhead:           median %.2f ms%n",
        FIRST_TOKEN_RUNS, percentile(through, 50), percentile(through, 90), percentile(started, 50),
        percentile(straight, 50),
        percentile(straight, 90), percentile(through, 50) - percentile(straight, 50));
  }

  /** Asks through the server; adds each token's delay; returns when the first token arrived. */
  private static long viaServer(TestServer server, AiProject project, List<Double> delays) throws Exception {
    return viaServer(server, project, delays, new long[1]);
  }

  private static long viaServer(TestServer server, AiProject project, List<Double> delays, long[] threadEvent)
      throws Exception {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(server.baseUrl() + "/api/projects/" + project.id() + "/ai/chat"))
            .header("Authorization", "Bearer " + project.editorToken())
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("message", "go").encode()))
            .build();
    HttpResponse<InputStream> response = HTTP.send(request, HttpResponse.BodyHandlers.ofInputStream());
    if (response.statusCode() != 200) {
      throw new IllegalStateException("chat answered " + response.statusCode());
    }
    long first = 0;
    try (BufferedReader in = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
      String event = "";
      String line;
      while ((line = in.readLine()) != null) {
        if (line.startsWith("event: ")) {
          event = line.substring(7);
          if (event.equals("thread")) {
            threadEvent[0] = System.nanoTime();
          }
        } else if (line.startsWith("data: ") && event.equals("token")) {
          long now = System.nanoTime();
          first = first == 0 ? now : first;
          delays.add(delay(now, new JsonObject(line.substring(6)).getString("text")));
        }
      }
    }
    return first;
  }

  /** The same, straight from the stand-in's chat-completions stream. */
  private static long direct(ProviderStandIn provider, List<Double> delays) throws Exception {
    JsonObject body = new JsonObject()
        .put("model", "stand-in")
        .put("stream", true)
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "go")));
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(provider.baseUrl() + "/chat/completions"))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body.encode()))
            .build();
    HttpResponse<InputStream> response = HTTP.send(request, HttpResponse.BodyHandlers.ofInputStream());
    long first = 0;
    try (BufferedReader in = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        if (!line.startsWith("data: {")) {
          continue;
        }
        long now = System.nanoTime();
        JsonArray choices = new JsonObject(line.substring(6)).getJsonArray("choices");
        String text = choices.isEmpty() ? null : choices.getJsonObject(0).getJsonObject("delta").getString("content");
        if (text != null && !text.isEmpty()) {
          first = first == 0 ? now : first;
          delays.add(delay(now, text));
        }
      }
    }
    return first;
  }

  private static double delay(long receivedAt, String stampedText) {
    return (receivedAt - Long.parseLong(stampedText.trim())) / 1e6;
  }

  // --- completion under fast typing -----------------------------------------------------------

  private static void typing(ProviderStandIn provider, TestServer server, boolean debounced, int typists)
      throws Exception {
    provider.reset();
    provider.always(OpenAiWire.completion("completion", 40, 3, MODEL_DELAY_MS));
    List<Typist> all = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < typists; i++) {
      Typist t = new Typist(server, AiProject.create(server), new Random(42 + i), debounced);
      all.add(t);
      Thread thread = new Thread(t::type, "typist-" + i);
      thread.start();
      threads.add(thread);
    }
    for (Thread t : threads) {
      t.join();
    }
    int keystrokes = 0;
    int sent = 0;
    int aborted = 0;
    int answered = 0;
    int empty = 0;
    List<Double> latency = new ArrayList<>();
    List<Double> serverLatency = new ArrayList<>();
    for (Typist t : all) {
      keystrokes += t.keystrokes;
      sent += t.sent.get();
      aborted += t.aborted.get();
      answered += t.answered.get();
      empty += t.empty.get();
      latency.addAll(t.latencies);
      serverLatency.addAll(t.serverLatencies);
    }
    Thread.sleep(500); // let the last closes reach the stand-in
    List<ProviderStandIn.Exchange> upstream = provider.drainExchanges();
    long cut = upstream.stream().filter(e -> e.cutOff().isDone()).count();
    System.out.printf(
        "typing, %d typist(s), a keystroke every 30-80 ms, %s, model delay %d ms:%n"
            + "  %d keystrokes, %d requests, %d aborted by the next keystroke (cancel rate %.1f%%), %d answered"
            + " (%d empty)%n"
            + "  provider: %d requests received, %d closed before answering%n"
            + "  answered latency at the client: median %.1f ms, p90 %.1f ms, p99 %.1f ms;"
            + " server-reported median %.1f ms%n",
        typists, debounced ? "request after a 250 ms pause" : "request on every keystroke", MODEL_DELAY_MS,
        keystrokes, sent, aborted, 100.0 * aborted / Math.max(1, sent), answered, empty, upstream.size(), cut,
        percentile(latency, 50), percentile(latency, 90), percentile(latency, 99), percentile(serverLatency, 50));
  }

  /**
   * Types words of 3-9 characters, a keystroke every 30-80 ms, pausing 300-700 ms between words;
   * each keystroke aborts the request in flight.
   */
  private static final class Typist {
    private final TestServer server;
    private final AiProject project;
    private final Random random;
    private final boolean debounced;
    private final AtomicInteger sent = new AtomicInteger();
    private final AtomicInteger aborted = new AtomicInteger();
    private final AtomicInteger answered = new AtomicInteger();
    private final AtomicInteger empty = new AtomicInteger();
    private final List<Double> latencies = new CopyOnWriteArrayList<>();
    private final List<Double> serverLatencies = new CopyOnWriteArrayList<>();
    private int keystrokes;
    private CompletableFuture<HttpResponse<String>> inFlight;

    Typist(TestServer server, AiProject project, Random random, boolean debounced) {
      this.server = server;
      this.project = project;
      this.random = random;
      this.debounced = debounced;
    }

    void type() {
      StringBuilder text = new StringBuilder("def main():\n    ");
      long lastKey = System.nanoTime();
      boolean pending = false;
      try {
        while (keystrokes < KEYSTROKES) {
          int word = 3 + random.nextInt(7);
          for (int i = 0; i < word && keystrokes < KEYSTROKES; i++) {
            text.append((char) ('a' + random.nextInt(26)));
            keystrokes++;
            abort();
            lastKey = System.nanoTime();
            if (debounced) {
              pending = true;
            } else {
              send(text.toString());
            }
            long gap = 30 + random.nextInt(51);
            pending = waitFor(gap, text, lastKey, pending);
          }
          text.append(' ');
          long pause = 300 + random.nextInt(401);
          pending = waitFor(pause, text, lastKey, pending);
        }
        if (inFlight != null) {
          inFlight.handle((r, e) -> null).get(10, TimeUnit.SECONDS);
        }
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }

    /** Sleeps {@code ms}; with debouncing, sends once 250 ms passed since the last keystroke. */
    private boolean waitFor(long ms, StringBuilder text, long lastKey, boolean pending) throws InterruptedException {
      long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
      long fireAt = lastKey + TimeUnit.MILLISECONDS.toNanos(250);
      if (pending && fireAt <= until) {
        sleepUntil(fireAt);
        send(text.toString());
        pending = false;
      }
      sleepUntil(until);
      return pending;
    }

    private static void sleepUntil(long nanos) throws InterruptedException {
      long left = nanos - System.nanoTime();
      if (left > 0) {
        TimeUnit.NANOSECONDS.sleep(left);
      }
    }

    private void abort() {
      if (inFlight != null && !inFlight.isDone()) {
        inFlight.cancel(true);
        aborted.incrementAndGet();
      }
      inFlight = null;
    }

    private void send(String prefix) {
      sent.incrementAndGet();
      long t0 = System.nanoTime();
      inFlight = CompleteCall.send(server.baseUrl(), project.editorToken(), project.id(),
              CompleteCall.body("main.py", prefix, "\n").put("language", "python"));
      inFlight.thenAccept(r -> {
        latencies.add((System.nanoTime() - t0) / 1e6);
        answered.incrementAndGet();
        if (r.statusCode() == 200) {
          serverLatencies.add(new JsonObject(r.body()).getLong("latencyMs").doubleValue());
        } else if (r.statusCode() == 204) {
          empty.incrementAndGet();
        } else {
          throw new IllegalStateException("complete answered " + r.statusCode() + ": " + r.body());
        }
      });
    }
  }

  private static double percentile(List<Double> values, double p) {
    if (values.isEmpty()) {
      return Double.NaN;
    }
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    int index = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
  }
}
