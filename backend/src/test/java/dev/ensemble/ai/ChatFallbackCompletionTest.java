package dev.ensemble.ai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ensemble.ai.support.AiProject;
import dev.ensemble.ai.support.AnthropicWire;
import dev.ensemble.ai.support.CompleteCall;
import dev.ensemble.ai.support.ProviderStandIn;
import dev.ensemble.ai.support.ProviderStandIn.Exchange;
import dev.ensemble.support.ApiClient;
import dev.ensemble.support.TestServer;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Inline completion where the provider has no fill-in-the-middle endpoint (Anthropic): a chat
 * model is asked for the insertion and its answer is trimmed to it. Also the limits.
 */
class ChatFallbackCompletionTest {
  private static ProviderStandIn provider;
  private static TestServer server;

  @BeforeAll
  static void start() {
    provider = ProviderStandIn.start();
    server = TestServer.start(Map.of(
        "ENSEMBLE_AI_PROVIDER", "anthropic",
        "ENSEMBLE_AI_BASE_URL", provider.baseUrl(),
        "ENSEMBLE_AI_API_KEY", "sk-ant-test",
        "ENSEMBLE_AI_COMPLETION_MODEL", "claude-stand-in",
        "ENSEMBLE_AI_COMPLETIONS_PER_MINUTE", "3",
        "ENSEMBLE_AI_PROJECT_TOKEN_BUDGET", "100",
        // long enough that only the caller can end a request in time
        "ENSEMBLE_AI_COMPLETION_LATENCY_BUDGET_MS", "60000"));
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

  private static ApiClient.Response complete(AiProject project, String prefix, String suffix) {
    return project.editor().post(
        project.path("/ai/complete"), CompleteCall.body("src/Calc.java", prefix, suffix).put("language", "java"));
  }

  @Test
  void aChatModelIsAskedForTheInsertionAndItsFencesAndRepeatsAreCut() {
    AiProject project = AiProject.create(server);
    String prefix = "class Calc {\n  int add(int a, int b) {\n";
    String suffix = "\n  }\n}\n";
    provider.enqueue(AnthropicWire.answer(List.of("```java\n", "    return a", " + b;\n", "  }\n", "}\n```"), 40, 12));
    ApiClient.Response r = complete(project, prefix, suffix);
    assertEquals(200, r.status(), r.toString());
    assertEquals("    return a + b;", r.json().getString("completion"));
    assertEquals("claude-stand-in", r.json().getString("model"));

    Exchange sent = provider.nextExchange();
    assertEquals("/v1/messages", sent.path());
    assertEquals("claude-stand-in", sent.body().getString("model"));
    assertEquals(128, sent.body().getInteger("max_tokens"), "ENSEMBLE_AI_COMPLETION_MAX_TOKENS, not the chat's");
    assertTrue(sent.body().encode().contains("exactly the text to insert"), "the system prompt asks for the insertion alone: " + sent.body());
    String user = sent.body().getJsonArray("messages").getJsonObject(0).encode();
    assertTrue(user.contains("src/Calc.java") && user.contains("int add(int a, int b) {\\n<CURSOR>\\n  }"), user);
  }

  @Test
  void inTheMiddleOfALineOnlyTheRestOfTheLineIsKept() {
    AiProject project = AiProject.create(server);
    provider.enqueue(AnthropicWire.answer(List.of("```python\n", "total = sum(values)\n", "print(total)\n```"), 20, 8));
    ApiClient.Response r = complete(project, "values = [1, 2]\ntotal = sum(", ")\nprint(total)\n");
    assertEquals(200, r.status(), r.toString());
    assertEquals("values", r.json().getString("completion"));
  }

  @Test
  void theCallerGoingAwayClosesTheChatRequestToo() throws Exception {
    AiProject project = AiProject.create(server);
    provider.enqueue(AnthropicWire.tokensThenHang(List.of("    ret")));
    CompletableFuture<HttpResponse<String>> call = CompleteCall.send(
        server.baseUrl(), project.editorToken(), project.id(), CompleteCall.body("a.java", "int f() {\n", "\n}"));
    Exchange upstream = provider.nextExchange();
    assertFalse(upstream.cutOff().isDone());
    call.cancel(true);
    upstream.cutOff().get(10, TimeUnit.SECONDS);
  }

  @Test
  void aUserOverTheCompletionRateLimitIsToldWhenToRetry() {
    AiProject project = AiProject.create(server);
    for (int i = 0; i < 3; i++) {
      provider.enqueue(AnthropicWire.answer(List.of("1"), 1, 1));
      assertEquals(200, complete(project, "n" + i + " = ", "\n").status());
    }
    ApiClient.Response over = complete(project, "n3 = ", "\n");
    assertEquals(429, over.status(), over.toString());
    assertEquals("ai_rate_limited", over.errorCode());
    long retry = Long.parseLong(over.headers().firstValue("Retry-After").orElseThrow());
    assertTrue(retry >= 1 && retry <= 60, "Retry-After " + retry);
    // what is cached costs nothing and is still answered
    ApiClient.Response cached = complete(project, "n0 = ", "\n");
    assertEquals(200, cached.status(), cached.toString());
    assertTrue(cached.json().getBoolean("cached"));
  }

  @Test
  void aProjectOverItsBudgetGetsNoMoreCompletions() throws Exception {
    AiProject project = AiProject.create(server);
    provider.enqueue(AnthropicWire.answer(List.of("big"), 90, 20));
    assertEquals(200, complete(project, "big = ", "\n").status());
    for (int i = 0; i < 50 && project.viewer().get(project.path("/ai/usage")).json().getLong("usedTokens") < 110; i++) {
      Thread.sleep(100);
    }
    ApiClient.Response r = complete(project, "more = ", "\n");
    assertEquals(402, r.status(), r.toString());
    assertEquals("ai_budget_exceeded", r.errorCode());
  }
}
