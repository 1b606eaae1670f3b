package dev.ensemble.ai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ensemble.ai.support.AiProject;
import dev.ensemble.ai.support.AnthropicWire;
import dev.ensemble.ai.support.ChatCall;
import dev.ensemble.ai.support.ChatCall.Event;
import dev.ensemble.ai.support.ProviderStandIn;
import dev.ensemble.ai.support.ProviderStandIn.Exchange;
import dev.ensemble.support.TestServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Shared chat against a stand-in speaking Anthropic's messages streaming protocol. */
class AnthropicChatTest {
  private static ProviderStandIn provider;
  private static TestServer server;
  private static AiProject project;

  @BeforeAll
  static void start() {
    provider = ProviderStandIn.start();
    server = TestServer.start(Map.of(
        "ENSEMBLE_AI_PROVIDER", "anthropic",
        "ENSEMBLE_AI_BASE_URL", provider.baseUrl(),
        "ENSEMBLE_AI_API_KEY", "sk-ant-test",
        "ENSEMBLE_AI_CHAT_MODEL", "claude-stand-in",
        "ENSEMBLE_AI_MAX_TOKENS", "512"));
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

  @Test
  void tokensArriveInOrderWithTheReportedUsage() {
    List<String> tokens = List.of("Here", " is", " `code`", ":\n", "```py\nprint(1)\n```", " ✓");
    provider.enqueue(AnthropicWire.answer(tokens, 25, 6));
    ChatCall call = project.chat(server, project.editorToken(), new JsonObject().put("message", "Show me"));
    Event thread = call.next();
    List<Event> rest = call.rest();
    assertEquals(tokens, rest.stream().filter(e -> e.name().equals("token")).map(e -> e.data().getString("text")).toList());
    Event done = rest.get(rest.size() - 1);
    assertEquals("done", done.name());
    assertEquals(25, done.data().getJsonObject("usage").getInteger("promptTokens"));
    assertEquals(6, done.data().getJsonObject("usage").getInteger("completionTokens"));

    Exchange sent = provider.nextExchange();
    assertEquals("/v1/messages", sent.path());
    assertEquals("sk-ant-test", sent.headers().get("x-api-key"));
    assertTrue(sent.headers().contains("anthropic-version"));
    assertEquals("claude-stand-in", sent.body().getString("model"));
    assertEquals(512, sent.body().getInteger("max_tokens"));
    assertTrue(sent.body().getBoolean("stream"));

    JsonArray messages = project.viewer().get(project.path("/ai/threads/" + thread.data().getString("threadId")))
        .json().getJsonArray("messages");
    assertEquals(String.join("", tokens), messages.getJsonObject(1).getString("content"));
    assertEquals("complete", messages.getJsonObject(1).getString("status"));
  }

  @Test
  void anErrorEventMidStreamKeepsThePartialAnswer() {
    provider.enqueue(AnthropicWire.tokensThenErrorEvent(List.of("Half", " done"), "overloaded_error", "Overloaded"));
    ChatCall call = project.chat(server, project.editorToken(), new JsonObject().put("message", "Go"));
    String threadId = call.next().data().getString("threadId");
    List<Event> rest = call.rest();
    Event error = rest.get(rest.size() - 1);
    assertEquals("error", error.name());
    assertEquals("ai_provider_unavailable", error.data().getString("code"));
    assertTrue(error.data().getString("message").contains("Overloaded"));
    JsonObject answer = lastMessage(threadId);
    assertEquals("partial", answer.getString("status"));
    assertEquals("Half done", answer.getString("content"));
  }

  @Test
  void aStreamEndingWithoutMessageStopIsADroppedStream() {
    provider.enqueue(AnthropicWire.tokensThenEnd(List.of("Cut", " off")));
    ChatCall call = project.chat(server, project.editorToken(), new JsonObject().put("message", "Go"));
    String threadId = call.next().data().getString("threadId");
    List<Event> rest = call.rest();
    assertEquals("ai_stream_dropped", rest.get(rest.size() - 1).data().getString("code"));
    assertEquals("partial", lastMessage(threadId).getString("status"));
  }

  @Test
  void rateLimitAndAuthenticationErrorsAreClear() {
    provider.enqueue(AnthropicWire.error(429, "rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit",
        Map.of("retry-after", "12")));
    ChatCall limited = project.chat(server, project.editorToken(), new JsonObject().put("message", "Go"));
    limited.next();
    Event error = limited.rest().get(0);
    assertEquals("ai_provider_rate_limited", error.data().getString("code"));
    assertEquals(12, error.data().getLong("retryAfter"));

    provider.enqueue(AnthropicWire.error(401, "authentication_error", "invalid x-api-key", Map.of()));
    ChatCall refused = project.chat(server, project.editorToken(), new JsonObject().put("message", "Go"));
    refused.next();
    Event auth = refused.rest().get(0);
    assertEquals("ai_provider_auth", auth.data().getString("code"));
    assertTrue(auth.data().getString("message").contains("invalid x-api-key"));
  }

  @Test
  void stoppingReachesTheProvider() throws Exception {
    provider.enqueue(AnthropicWire.tokensThenHang(List.of("Still", " going")));
    ChatCall call = project.chat(server, project.editorToken(), new JsonObject().put("message", "Go"));
    String threadId = call.next().data().getString("threadId");
    call.next();
    call.next();
    Exchange upstream = provider.nextExchange();
    assertEquals(200, project.editor().post(project.path("/ai/threads/" + threadId + "/stop"), null).status());
    upstream.cutOff().get(10, TimeUnit.SECONDS);
    assertEquals("partial", call.rest().get(0).data().getString("status"));
  }

  private JsonObject lastMessage(String threadId) {
    JsonArray messages = project.viewer().get(project.path("/ai/threads/" + threadId)).json().getJsonArray("messages");
    return messages.getJsonObject(messages.size() - 1);
  }
}
