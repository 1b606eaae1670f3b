package dev.ensemble.ai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ensemble.ai.support.AiProject;
import dev.ensemble.ai.support.ChatCall;
import dev.ensemble.ai.support.OpenAiWire;
import dev.ensemble.ai.support.ProviderStandIn;
import dev.ensemble.support.TestServer;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The per-user rate limit and the per-project monthly token budget stop requests up front. */
class ChatLimitsTest {
  private static ProviderStandIn provider;
  private static TestServer server;

  @BeforeAll
  static void start() {
    provider = ProviderStandIn.start();
    server = TestServer.start(Map.of(
        "ENSEMBLE_AI_PROVIDER", "openai",
        "ENSEMBLE_AI_BASE_URL", provider.baseUrl(),
        "ENSEMBLE_AI_API_KEY", "sk-test",
        "ENSEMBLE_AI_REQUESTS_PER_MINUTE", "2",
        "ENSEMBLE_AI_PROJECT_TOKEN_BUDGET", "100"));
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

  @Test
  void aUserOverTheRateLimitIsToldWhenToRetry() {
    AiProject project = AiProject.create(server);
    for (int i = 0; i < 2; i++) {
      provider.enqueue(OpenAiWire.answer(List.of("ok"), 1, 1));
      ChatCall call = project.chat(server, project.editorToken(), new JsonObject().put("message", "q" + i));
      assertEquals(200, call.status());
      call.rest();
    }
    ChatCall third = project.chat(server, project.editorToken(), new JsonObject().put("message", "one more"));
    assertEquals(429, third.status());
    assertEquals("ai_rate_limited", third.error().getString("code"));
    long retry = Long.parseLong(third.headers().firstValue("Retry-After").orElseThrow());
    assertTrue(retry >= 1 && retry <= 60, "Retry-After " + retry);
    // the limit is per user: the owner may still ask
    provider.enqueue(OpenAiWire.answer(List.of("ok"), 1, 1));
    ChatCall owner = project.chat(server, project.ownerToken(), new JsonObject().put("message", "mine"));
    assertEquals(200, owner.status());
    owner.rest();
  }

  @Test
  void aProjectOverItsMonthlyBudgetIsStoppedWithAClearMessage() {
    AiProject project = AiProject.create(server);
    provider.enqueue(OpenAiWire.answer(List.of("a long answer"), 70, 40));
    ChatCall first = project.chat(server, project.editorToken(), new JsonObject().put("message", "big"));
    assertEquals(200, first.status());
    first.rest();
    ChatCall next = project.chat(server, project.ownerToken(), new JsonObject().put("message", "more"));
    assertEquals(402, next.status());
    assertEquals("ai_budget_exceeded", next.error().getString("code"));
    assertTrue(next.error().getString("message").contains("110 of its 100"), next.error().toString());
    JsonObject usage = project.viewer().get(project.path("/ai/usage")).json();
    assertEquals(110, usage.getLong("usedTokens"));
    assertEquals(100, usage.getLong("budgetTokens"));
    // another project has its own budget
    AiProject other = AiProject.create(server);
    provider.enqueue(OpenAiWire.answer(List.of("ok"), 1, 1));
    ChatCall fresh = other.chat(server, other.editorToken(), new JsonObject().put("message", "hi"));
    assertEquals(200, fresh.status());
    fresh.rest();
  }
}
