package dev.ensemble.ai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ensemble.ai.support.AiProject;
import dev.ensemble.ai.support.ChatCall;
import dev.ensemble.ai.support.ChatCall.Event;
import dev.ensemble.ai.support.GeminiWire;
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

/** Shared chat against a stand-in speaking Gemini's streamGenerateContent server-sent events. */
class GeminiChatTest {
  private static ProviderStandIn provider;
  private static TestServer server;
  private static AiProject project;

  @BeforeAll
  static void start() {
    provider = ProviderStandIn.start();
    server = TestServer.start(Map.of(
        "ENSEMBLE_AI_PROVIDER", "gemini",
        "ENSEMBLE_AI_BASE_URL", GeminiWire.baseUrl(provider),
        "ENSEMBLE_AI_API_KEY", "AIza-test-key",
        "ENSEMBLE_AI_CHAT_MODEL", "gemini-stand-in",
        "ENSEMBLE_AI_MAX_TOKENS", "640",
        "ENSEMBLE_AI_REQUESTS_PER_MINUTE", "0"));
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

  private static JsonObject ask(String message) {
    return new JsonObject().put("message", message);
  }

  @Test
  void tokensArriveInOrderWithTheReportedUsage() {
    List<String> tokens = List.of("Use", " a `Map`", ":\n```java\nvar m = new HashMap<>();\n```", " — done ✓");
    provider.enqueue(GeminiWire.answer(tokens, 31, 17));
    ChatCall call = project.chat(server, project.editorToken(), ask("How do I count words?"));
    Event thread = call.next();
    assertEquals("gemini-stand-in", thread.data().getString("model"));
    List<Event> rest = call.rest();
    assertEquals(tokens, rest.stream().filter(e -> e.name().equals("token")).map(e -> e.data().getString("text")).toList());
    Event done = rest.get(rest.size() - 1);
    assertEquals("done", done.name(), rest.toString());
    assertEquals("complete", done.data().getString("status"));
    JsonObject usage = done.data().getJsonObject("usage");
    assertEquals(31, usage.getInteger("promptTokens"));
    assertEquals(17, usage.getInteger("completionTokens"));
    assertFalse(usage.getBoolean("estimated"));

    Exchange sent = provider.nextExchange();
    assertEquals("/v1beta/models/gemini-stand-in:streamGenerateContent", sent.path());
    assertEquals("alt=sse", sent.query());
    assertEquals("AIza-test-key", sent.headers().get("x-goog-api-key"));
    assertFalse(sent.query().contains("key="), "the key travels in a header, never in the URL");
    assertEquals(640, sent.body().getJsonObject("generationConfig").getInteger("maxOutputTokens"));
    String system = sent.body().getJsonObject("systemInstruction").getJsonArray("parts").getJsonObject(0).getString("text");
    assertTrue(system.contains("Ensemble"), system);
    JsonArray contents = sent.body().getJsonArray("contents");
    JsonObject question = contents.getJsonObject(contents.size() - 1);
    assertEquals("user", question.getString("role"));
    assertTrue(question.getJsonArray("parts").getJsonObject(0).getString("text").endsWith("How do I count words?"));

    JsonObject answer = awaitAnswer(thread.data().getString("threadId"), "complete");
    assertEquals(String.join("", tokens), answer.getString("content"));
    assertEquals(31, answer.getJsonObject("usage").getLong("promptTokens"));
  }

  @Test
  void aFollowUpSendsEarlierAnswersInTheModelRole() {
    provider.enqueue(GeminiWire.answer(List.of("Four."), 5, 2));
    ChatCall first = project.chat(server, project.editorToken(), ask("What is 2+2?"));
    String threadId = first.next().data().getString("threadId");
    first.rest();
    provider.nextExchange();

    provider.enqueue(GeminiWire.answer(List.of("Eight."), 9, 2));
    ChatCall second = project.chat(server, project.editorToken(), ask("And doubled?").put("threadId", threadId));
    second.rest();
    JsonArray contents = provider.nextExchange().body().getJsonArray("contents");
    assertEquals(List.of("user", "model", "user"),
        contents.stream().map(c -> ((JsonObject) c).getString("role")).toList());
    assertEquals("Four.", contents.getJsonObject(1).getJsonArray("parts").getJsonObject(0).getString("text"));
  }

  @Test
  void aWrongKeyIsAnAuthenticationErrorWhetherGoogleSays400Or403() {
    provider.enqueue(GeminiWire.invalidKey());
    Event invalid = singleError(ask("Hi"));
    assertEquals("ai_provider_auth", invalid.data().getString("code"));
    assertTrue(invalid.data().getString("message").contains("API key not valid"), invalid.toString());

    provider.enqueue(GeminiWire.error(403, "PERMISSION_DENIED",
        "Method doesn't allow unregistered callers (callers without established identity).", new JsonArray()));
    Event denied = singleError(ask("Hi"));
    assertEquals("ai_provider_auth", denied.data().getString("code"));
    assertTrue(denied.data().getString("message").contains("unregistered callers"), denied.toString());
  }

  @Test
  void quotaExhaustionCarriesGooglesRetryDelay() {
    provider.enqueue(GeminiWire.quotaExceeded("17.2s"));
    Event error = singleError(ask("Hi"));
    assertEquals("ai_provider_rate_limited", error.data().getString("code"));
    assertEquals(18, error.data().getLong("retryAfter"));
    assertTrue(error.data().getString("message").contains("exceeded your current quota"), error.toString());
    assertEquals("ai_provider_rate_limited",
        awaitAnswer(error.data().getString("threadId"), "error").getJsonObject("error").getString("code"));
  }

  @Test
  void serverErrorsAreReportedAsUnavailable() {
    provider.enqueue(GeminiWire.error(503, "UNAVAILABLE", "The model is overloaded. Please try again later.", new JsonArray()));
    Event overloaded = singleError(ask("Hi"));
    assertEquals("ai_provider_unavailable", overloaded.data().getString("code"));
    assertTrue(overloaded.data().getString("message").contains("overloaded"), overloaded.toString());

    provider.enqueue(GeminiWire.error(500, "INTERNAL", "An internal error has occurred.", new JsonArray()));
    assertEquals("ai_provider_unavailable", singleError(ask("Hi")).data().getString("code"));
  }

  @Test
  void anUnknownModelIsNamedInTheError() {
    provider.enqueue(GeminiWire.error(404, "NOT_FOUND",
        "models/gemini-nope is not found for API version v1beta, or is not supported for generateContent.", new JsonArray()));
    Event error = singleError(ask("Hi").put("model", "gemini-nope"));
    assertEquals("ai_model_not_found", error.data().getString("code"));
    assertTrue(error.data().getString("message").contains("gemini-nope"), error.toString());
  }

  @Test
  void aStreamEndingWithoutAFinishReasonIsADroppedStream() {
    provider.enqueue(GeminiWire.tokensThenEnd(List.of("Cut", " off")));
    ChatCall call = project.chat(server, project.editorToken(), ask("Go"));
    String threadId = call.next().data().getString("threadId");
    List<Event> rest = call.rest();
    Event error = rest.get(rest.size() - 1);
    assertEquals("error", error.name(), rest.toString());
    assertEquals("ai_stream_dropped", error.data().getString("code"));
    assertEquals("Cut off", awaitAnswer(threadId, "partial").getString("content"));
  }

  @Test
  void aBrokenConnectionKeepsTheTextSoFar() {
    provider.enqueue(GeminiWire.tokensThenDrop(List.of("The ", "first ", "half")));
    ChatCall call = project.chat(server, project.editorToken(), ask("Tell me everything"));
    String threadId = call.next().data().getString("threadId");
    List<Event> rest = call.rest();
    assertEquals(List.of("The ", "first ", "half"),
        rest.stream().filter(e -> e.name().equals("token")).map(e -> e.data().getString("text")).toList());
    assertEquals("ai_stream_dropped", rest.get(rest.size() - 1).data().getString("code"));
    assertEquals("The first half", awaitAnswer(threadId, "partial").getString("content"));
  }

  @Test
  void closingTheConnectionCancelsTheRequestToGemini() throws Exception {
    provider.enqueue(GeminiWire.tokensThenHang(List.of("Still", " going")));
    ChatCall call = project.chat(server, project.editorToken(), ask("Go on"));
    String threadId = call.next().data().getString("threadId");
    assertEquals("Still", call.next().data().getString("text"));
    assertEquals(" going", call.next().data().getString("text"));
    Exchange upstream = provider.nextExchange();
    assertFalse(upstream.cutOff().isDone());
    call.close();
    upstream.cutOff().get(10, TimeUnit.SECONDS);
    JsonObject answer = awaitAnswer(threadId, "partial");
    assertEquals("Still going", answer.getString("content"));
    assertEquals("ai_caller_disconnected", answer.getJsonObject("error").getString("code"));
  }

  @Test
  void stoppingReachesGemini() throws Exception {
    provider.enqueue(GeminiWire.tokensThenHang(List.of("Half")));
    ChatCall call = project.chat(server, project.editorToken(), ask("Go"));
    String threadId = call.next().data().getString("threadId");
    call.next();
    Exchange upstream = provider.nextExchange();
    assertEquals(200, project.owner().post(project.path("/ai/threads/" + threadId + "/stop"), null).status());
    upstream.cutOff().get(10, TimeUnit.SECONDS);
    Event done = call.rest().get(0);
    assertEquals("done", done.name());
    assertEquals("partial", done.data().getString("status"));
  }

  private Event singleError(JsonObject body) {
    ChatCall call = project.chat(server, project.editorToken(), body);
    assertEquals(200, call.status());
    assertEquals("thread", call.next().name());
    List<Event> rest = call.rest();
    assertEquals(1, rest.size(), "only the error: " + rest);
    assertEquals("error", rest.get(0).name());
    provider.nextExchange();
    return rest.get(0);
  }

  private JsonObject awaitAnswer(String threadId, String status) {
    long deadline = System.currentTimeMillis() + 10_000;
    JsonObject last = null;
    while (System.currentTimeMillis() < deadline) {
      JsonArray messages = project.viewer().get(project.path("/ai/threads/" + threadId)).json().getJsonArray("messages");
      last = messages.getJsonObject(messages.size() - 1);
      if (last.getString("status").equals(status)) {
        return last;
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    throw new AssertionError("answer never became " + status + ": " + last);
  }
}
