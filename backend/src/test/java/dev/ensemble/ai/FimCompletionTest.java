package dev.ensemble.ai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ensemble.ai.support.AiProject;
import dev.ensemble.ai.support.CompleteCall;
import dev.ensemble.ai.support.OpenAiWire;
import dev.ensemble.ai.support.ProviderStandIn;
import dev.ensemble.ai.support.ProviderStandIn.Exchange;
import dev.ensemble.support.ApiClient;
import dev.ensemble.support.TestServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Inline completion against a local OpenAI-compatible server, which gets fill-in-the-middle
 * requests on the legacy {@code /v1/completions} endpoint; the stand-in speaks that protocol.
 */
class FimCompletionTest {
  private static ProviderStandIn provider;
  private static TestServer server;
  private static AiProject project;

  private static final String PREFIX = "def add(a, b):\n    ";
  private static final String SUFFIX = "\n\nprint(add(1, 2))\n";

  @BeforeAll
  static void start() {
    provider = ProviderStandIn.start();
    server = TestServer.start(Map.of(
        "ENSEMBLE_AI_PROVIDER", "openai-compatible",
        "ENSEMBLE_AI_BASE_URL", provider.baseUrl(),
        "ENSEMBLE_AI_CHAT_MODEL", "stand-in-chat",
        "ENSEMBLE_AI_COMPLETION_MODEL", "stand-in-coder",
        "ENSEMBLE_AI_COMPLETION_MAX_PREFIX_CHARS", "1000",
        "ENSEMBLE_AI_COMPLETION_MAX_SUFFIX_CHARS", "500",
        "ENSEMBLE_AI_COMPLETION_MAX_TOKENS", "64",
        "ENSEMBLE_AI_COMPLETION_LATENCY_BUDGET_MS", "2500"));
    project = AiProject.create(server);
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
    if (provider != null) {
      provider.close();
    }
  }

  @BeforeEach
  void clean() {
    provider.reset();
  }

  private static ApiClient.Response complete(ApiClient who, String prefix, String suffix) {
    return who.post(project.path("/ai/complete"), CompleteCall.body("calc.py", prefix, suffix).put("language", "python"));
  }

  @Test
  void fillInTheMiddleSendsPromptSuffixMaxTokensAndStop() {
    provider.enqueue(OpenAiWire.completion("return a + b", 17, 4, 0));
    ApiClient.Response r = complete(project.editor(), PREFIX, SUFFIX);
    assertEquals(200, r.status(), r.toString());
    assertEquals("return a + b", r.json().getString("completion"));
    assertEquals("stand-in-coder", r.json().getString("model"));
    assertFalse(r.json().getBoolean("cached"));
    assertTrue(r.json().getLong("latencyMs") >= 0);

    Exchange sent = provider.nextExchange();
    assertEquals("/v1/completions", sent.path());
    JsonObject body = sent.body();
    assertEquals("stand-in-coder", body.getString("model"));
    assertEquals(PREFIX, body.getString("prompt"));
    assertEquals(SUFFIX, body.getString("suffix"));
    assertEquals(64, body.getInteger("max_tokens"));
    assertEquals(new JsonArray().add("\n\n"), body.getJsonArray("stop"));
    assertFalse(body.getBoolean("stream"));
    assertNull(sent.headers().get("Authorization"), "a local server gets no key");
    assertEquals(0, project.viewer().get(project.path("/ai/threads")).array().size(), "completions are no chat threads");
  }

  @Test
  void theSameSpotAgainIsAnsweredFromTheCacheWithoutAskingTheProvider() {
    String prefix = "x = [1, 2, 3]\ntotal = ";
    provider.enqueue(OpenAiWire.completion("sum(x)", 9, 2, 0));
    assertFalse(complete(project.editor(), prefix, "\n").json().getBoolean("cached"));
    provider.nextExchange();

    ApiClient.Response again = complete(project.owner(), prefix, "\n");
    assertEquals(200, again.status(), again.toString());
    assertEquals("sum(x)", again.json().getString("completion"));
    assertTrue(again.json().getBoolean("cached"));
    assertTrue(provider.drainExchanges().isEmpty(), "the provider was not asked again");

    // the cache is per project
    AiProject other = AiProject.create(server);
    provider.enqueue(OpenAiWire.completion("len(x)", 9, 2, 0));
    ApiClient.Response elsewhere =
        other.editor().post(other.path("/ai/complete"), CompleteCall.body("calc.py", prefix, "\n").put("language", "python"));
    assertEquals("len(x)", elsewhere.json().getString("completion"));
    assertFalse(elsewhere.json().getBoolean("cached"));
  }

  @Test
  void pastTheLatencyBudgetTheAnswerIsEmptyAndTheProviderIsCutOff() throws Exception {
    provider.enqueue(OpenAiWire.completion("too late", 5, 2, 10_000));
    long t0 = System.nanoTime();
    ApiClient.Response r = complete(project.editor(), "slow = ", "\n");
    long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    assertEquals(204, r.status(), r.toString());
    assertTrue(tookMs >= 2_400 && tookMs < 8_000, "answered at the 2.5 s budget, not when the provider did: " + tookMs + " ms");
    provider.nextExchange().cutOff().get(10, TimeUnit.SECONDS);
  }

  @Test
  void theCallerGoingAwayCancelsTheRequestToTheProvider() throws Exception {
    provider.enqueue(OpenAiWire.completion("never read", 5, 2, 30_000));
    CompletableFuture<HttpResponse<String>> call =
        CompleteCall.send(server.baseUrl(), project.editorToken(), project.id(), CompleteCall.body("a.py", "abandoned = ", ""));
    Exchange upstream = provider.nextExchange();
    assertFalse(upstream.cutOff().isDone());
    call.cancel(true);
    // well before the 2.5 s latency budget would have closed it anyway
    upstream.cutOff().get(1_500, TimeUnit.MILLISECONDS);
  }

  @Test
  void completionTokensAreBookedInTheUsageLedger() throws Exception {
    AiProject fresh = AiProject.create(server);
    provider.enqueue(OpenAiWire.completion("42", 30, 2, 0));
    ApiClient.Response r =
        fresh.editor().post(fresh.path("/ai/complete"), CompleteCall.body("a.py", "answer = ", "\n"));
    assertEquals(200, r.status(), r.toString());
    JsonObject usage = new JsonObject();
    for (int i = 0; i < 50 && usage.getLong("usedTokens", 0L) == 0; i++) {
      Thread.sleep(100); // booked just after answering, so the answer is not held up by the database
      usage = fresh.viewer().get(fresh.path("/ai/usage")).json();
    }
    assertEquals(32, usage.getLong("usedTokens"));
    JsonObject row = usage.getJsonArray("byUserAndModel").getJsonObject(0);
    assertEquals("stand-in-coder", row.getString("model"));
    assertEquals(30, row.getLong("promptTokens"));
    assertEquals(2, row.getLong("completionTokens"));
  }

  @Test
  void viewersMayNotAskAndOutsidersSeeNoProject() {
    assertEquals(403, complete(project.viewer(), "x = ", "").status());
    assertEquals(404, complete(project.outsider(), "x = ", "").status());
    assertTrue(provider.drainExchanges().isEmpty());
  }

  @Test
  void codeAroundTheCursorOverTheLimitsIsRefusedNamingThem() {
    ApiClient.Response longPrefix = complete(project.editor(), "x".repeat(1001), "");
    assertEquals(413, longPrefix.status(), longPrefix.toString());
    assertEquals("completion_context_too_large", longPrefix.errorCode());
    assertTrue(longPrefix.json().getJsonObject("error").getString("message").contains("1000"), longPrefix.toString());
    assertEquals(413, complete(project.editor(), "x = ", "y".repeat(501)).status());
    ApiClient.Response noPrefix = project.editor().post(project.path("/ai/complete"), new JsonObject().put("path", "a.py").put("suffix", ""));
    assertEquals(400, noPrefix.status());
    assertTrue(provider.drainExchanges().isEmpty());
  }

  @Test
  void providerErrorsAreReportedWithTheAssistantsCodes() {
    provider.enqueue(OpenAiWire.error(404, "invalid_request_error", "model_not_found", "model 'stand-in-coder' not found", Map.of()));
    ApiClient.Response r = complete(project.editor(), "missing = ", "\n");
    assertEquals(502, r.status(), r.toString());
    assertEquals("ai_model_not_found", r.errorCode());
    assertTrue(r.json().getJsonObject("error").getString("message").contains("not found"));
  }
}
