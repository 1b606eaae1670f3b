package dev.ensemble.ai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ensemble.ai.support.AiProject;
import dev.ensemble.ai.support.ChatCall;
import dev.ensemble.ai.support.ChatCall.Event;
import dev.ensemble.ai.support.OpenAiWire;
import dev.ensemble.ai.support.ProviderStandIn;
import dev.ensemble.ai.support.ProviderStandIn.Exchange;
import dev.ensemble.support.TestServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Shared chat against a local OpenAI-compatible server (the way Ollama, vLLM or llama.cpp are
 * configured: a base URL and no key), played by a stand-in speaking the chat-completions
 * streaming protocol.
 */
class OpenAiCompatibleChatTest {
  private static ProviderStandIn provider;
  private static TestServer server;
  private static AiProject project;

  @BeforeAll
  static void start() {
    provider = ProviderStandIn.start();
    server = TestServer.start(Map.of(
        "ENSEMBLE_AI_PROVIDER", "openai-compatible",
        "ENSEMBLE_AI_BASE_URL", provider.baseUrl(),
        "ENSEMBLE_AI_CHAT_MODEL", "stand-in-coder",
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

  private static List<String> tokens(int n) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      // newlines, quotes, code fences and non-ASCII must all survive the trip
      out.add(switch (i % 5) {
        case 0 -> "word" + i + " ";
        case 1 -> "\n```java\n";
        case 2 -> "\"quoted\" ";
        case 3 -> "héllo→" + i;
        default -> "  ";
      });
    }
    return out;
  }

  private static JsonObject ask(String message) {
    return new JsonObject().put("message", message);
  }

  @Test
  void tokensReachTheCallerInOrderAndTheAnswerIsStored() {
    List<String> tokens = tokens(60);
    provider.enqueue(OpenAiWire.answer(tokens, 42, 60));
    ChatCall call = project.chat(server, project.editorToken(), ask("Explain this")
        .put("context", new JsonObject().put("path", "src/Main.java").put("selection", "int x = 1;")
            .put("openPaths", new JsonArray().add("src/Main.java").add("README.md"))));
    assertEquals(200, call.status());
    assertTrue(call.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
    Event thread = call.next();
    assertEquals("thread", thread.name());
    List<Event> rest = call.rest();
    Event done = rest.get(rest.size() - 1);
    assertEquals("done", done.name(), "last event: " + done);
    List<String> received = rest.subList(0, rest.size() - 1).stream()
        .peek(e -> assertEquals("token", e.name()))
        .map(e -> e.data().getString("text"))
        .toList();
    assertEquals(tokens, received);
    assertEquals(42, done.data().getJsonObject("usage").getInteger("promptTokens"));
    assertEquals(60, done.data().getJsonObject("usage").getInteger("completionTokens"));
    assertEquals("complete", done.data().getString("status"));

    Exchange sent = provider.nextExchange();
    assertEquals("/v1/chat/completions", sent.path());
    assertEquals("stand-in-coder", sent.body().getString("model"));
    assertTrue(sent.body().getBoolean("stream"));
    assertTrue(sent.body().getJsonObject("stream_options").getBoolean("include_usage"));
    assertNull(sent.headers().get("Authorization"), "a local server gets no key");
    String lastUser = lastMessage(sent.body(), "user");
    assertTrue(lastUser.contains("src/Main.java") && lastUser.contains("int x = 1;") && lastUser.contains("README.md"),
        "the editor context goes with the question: " + lastUser);

    String threadId = thread.data().getString("threadId");
    JsonObject stored = project.viewer().get(project.path("/ai/threads/" + threadId)).json();
    JsonArray messages = stored.getJsonArray("messages");
    assertEquals(2, messages.size());
    assertEquals("Explain this", messages.getJsonObject(0).getString("content"));
    assertEquals("src/Main.java", messages.getJsonObject(0).getJsonObject("context").getString("path"));
    JsonObject answer = messages.getJsonObject(1);
    assertEquals(String.join("", tokens), answer.getString("content"));
    assertEquals("complete", answer.getString("status"));
    assertEquals(thread.data().getString("messageId"), answer.getString("id"));
    assertEquals(60, answer.getJsonObject("usage").getInteger("completionTokens"));
  }

  @Test
  void aFollowUpSendsTheThreadSoFarAndMayChooseItsModel() {
    provider.enqueue(OpenAiWire.answer(List.of("Four."), 5, 2));
    ChatCall first = project.chat(server, project.editorToken(), ask("What is 2+2?"));
    String threadId = first.next().data().getString("threadId");
    first.rest();
    provider.nextExchange();

    provider.enqueue(OpenAiWire.answer(List.of("Eight."), 9, 2));
    ChatCall second = project.chat(server, project.ownerToken(),
        ask("And doubled?").put("threadId", threadId).put("model", "bigger-model"));
    assertEquals(threadId, second.next().data().getString("threadId"));
    second.rest();
    Exchange sent = provider.nextExchange();
    assertEquals("bigger-model", sent.body().getString("model"));
    List<String> conversation = sent.body().getJsonArray("messages").stream()
        .map(m -> ((JsonObject) m).getString("role") + ":" + ((JsonObject) m).getValue("content"))
        .toList();
    assertEquals("user:What is 2+2?", conversation.get(1));
    assertEquals("assistant:Four.", conversation.get(2));
    assertTrue(conversation.get(3).startsWith("user:") && conversation.get(3).endsWith("And doubled?"));

    JsonArray threads = project.viewer().get(project.path("/ai/threads")).array();
    assertTrue(threads.stream().anyMatch(t -> ((JsonObject) t).getString("id").equals(threadId)
        && ((JsonObject) t).getString("title").equals("What is 2+2?")
        && ((JsonObject) t).getLong("messageCount") == 4));
  }

  @Test
  void closingTheConnectionCancelsTheUpstreamRequestAndKeepsThePartialAnswer() throws Exception {
    provider.enqueue(OpenAiWire.tokensThenHang(List.of("Hello", ", ", "world")));
    ChatCall call = project.chat(server, project.editorToken(), ask("Say hello slowly"));
    String threadId = call.next().data().getString("threadId");
    assertEquals("Hello", call.next().data().getString("text"));
    assertEquals(", ", call.next().data().getString("text"));
    assertEquals("world", call.next().data().getString("text"));
    Exchange upstream = provider.nextExchange();
    assertFalse(upstream.cutOff().isDone());
    call.close();
    upstream.cutOff().get(10, TimeUnit.SECONDS);

    JsonObject answer = awaitAnswer(threadId, "partial");
    assertEquals("Hello, world", answer.getString("content"));
    assertEquals("ai_caller_disconnected", answer.getJsonObject("error").getString("code"));
  }

  @Test
  void anyParticipantCanStopAnAnswerAndTheProviderSeesTheRequestClosed() throws Exception {
    provider.enqueue(OpenAiWire.tokensThenHang(List.of("Partial ", "answer")));
    ChatCall call = project.chat(server, project.editorToken(), ask("Write an essay"));
    String threadId = call.next().data().getString("threadId");
    call.next();
    call.next();
    Exchange upstream = provider.nextExchange();

    assertEquals(403, project.viewer().post(project.path("/ai/threads/" + threadId + "/stop"), null).status());
    var stopped = project.owner().post(project.path("/ai/threads/" + threadId + "/stop"), null);
    assertEquals(200, stopped.status(), stopped.toString());
    assertTrue(stopped.json().getBoolean("stopped"));
    upstream.cutOff().get(10, TimeUnit.SECONDS);

    List<Event> rest = call.rest();
    Event done = rest.get(rest.size() - 1);
    assertEquals("done", done.name());
    assertEquals("partial", done.data().getString("status"));
    assertTrue(done.data().getString("stoppedBy").startsWith("own"));
    JsonObject answer = awaitAnswer(threadId, "partial");
    assertEquals("Partial answer", answer.getString("content"));
    assertEquals("ai_stopped", answer.getJsonObject("error").getString("code"));

    var again = project.owner().post(project.path("/ai/threads/" + threadId + "/stop"), null);
    assertFalse(again.json().getBoolean("stopped"), "nothing left to stop");
  }

  @Test
  void providerRateLimitIsReportedWithItsRetryAfterAndStoredInTheThread() {
    provider.enqueue(OpenAiWire.error(429, "requests", "rate_limit_exceeded",
        "Rate limit reached for requests per minute. Please try again in 7s.", Map.of("retry-after", "7")));
    Event error = singleError(ask("Hi"));
    assertEquals("ai_provider_rate_limited", error.data().getString("code"));
    assertEquals(7, error.data().getLong("retryAfter"));
    assertTrue(error.data().getString("message").contains("Rate limit reached"), error.toString());
    JsonObject answer = awaitAnswer(error.data().getString("threadId"), "error");
    assertEquals("ai_provider_rate_limited", answer.getJsonObject("error").getString("code"));
  }

  @Test
  void providerServerErrorsAndRefusedKeysAreClearMessages() {
    provider.enqueue(OpenAiWire.error(503, "server_error", null, "The server is overloaded", Map.of()));
    Event unavailable = singleError(ask("Hi"));
    assertEquals("ai_provider_unavailable", unavailable.data().getString("code"));
    assertTrue(unavailable.data().getString("message").contains("503"));

    provider.enqueue(OpenAiWire.error(401, "invalid_request_error", "invalid_api_key",
        "Incorrect API key provided: sk-wrong.", Map.of()));
    Event auth = singleError(ask("Hi"));
    assertEquals("ai_provider_auth", auth.data().getString("code"));
    assertTrue(auth.data().getString("message").contains("Incorrect API key"), auth.toString());
  }

  @Test
  void anUnknownModelIsNamedInTheError() {
    provider.enqueue(OpenAiWire.error(404, "invalid_request_error", "model_not_found",
        "The model `no-such-model` does not exist or you do not have access to it.", Map.of()));
    Event error = singleError(ask("Hi").put("model", "no-such-model"));
    assertEquals("ai_model_not_found", error.data().getString("code"));
    assertTrue(error.data().getString("message").contains("no-such-model"), error.toString());
  }

  @Test
  void aDroppedStreamKeepsTheTextSoFarMarkedPartial() {
    provider.enqueue(OpenAiWire.tokensThenDrop(List.of("The ", "first ", "half")));
    ChatCall call = project.chat(server, project.editorToken(), ask("Tell me everything"));
    String threadId = call.next().data().getString("threadId");
    List<Event> rest = call.rest();
    assertEquals(List.of("The ", "first ", "half"), rest.stream().filter(e -> e.name().equals("token"))
        .map(e -> e.data().getString("text")).toList());
    Event error = rest.get(rest.size() - 1);
    assertEquals("error", error.name());
    assertEquals("ai_stream_dropped", error.data().getString("code"));
    JsonObject answer = awaitAnswer(threadId, "partial");
    assertEquals("The first half", answer.getString("content"));
  }

  @Test
  void usageIsBookedPerUserAndModel() {
    provider.enqueue(OpenAiWire.answer(List.of("ok"), 11, 3));
    ChatCall call = project.chat(server, project.editorToken(), ask("Count me").put("model", "ledger-model"));
    call.rest();
    JsonObject usage = project.viewer().get(project.path("/ai/usage")).json();
    JsonObject row = usage.getJsonArray("byUserAndModel").stream().map(o -> (JsonObject) o)
        .filter(o -> o.getString("model").equals("ledger-model")).findFirst().orElseThrow();
    assertEquals(11, row.getLong("promptTokens"));
    assertEquals(3, row.getLong("completionTokens"));
    assertTrue(usage.getLong("usedTokens") >= 14);
  }

  @Test
  void viewersReadThreadsButCannotChatAndOutsidersSeeNothing() {
    ChatCall viewer = project.chat(server, project.viewerToken(), ask("May I?"));
    assertEquals(403, viewer.status());
    assertEquals("forbidden", viewer.error().getString("code"));
    ChatCall outsider = project.chat(server, project.outsiderToken(), ask("May I?"));
    assertEquals(404, outsider.status());
    assertEquals(200, project.viewer().get(project.path("/ai/threads")).status());
    assertEquals(404, project.outsider().get(project.path("/ai/threads")).status());
  }

  @Test
  void aBadBodyIsRefusedBeforeAnythingStreams() {
    ChatCall empty = project.chat(server, project.editorToken(), new JsonObject().put("message", ""));
    assertEquals(400, empty.status());
    assertEquals("message", empty.error().getString("field"));
    ChatCall unknownThread = project.chat(server, project.editorToken(),
        ask("Hi").put("threadId", "00000000-0000-0000-0000-000000000000"));
    assertEquals(404, unknownThread.status());
  }

  private Event singleError(JsonObject body) {
    ChatCall call = project.chat(server, project.editorToken(), body);
    assertEquals(200, call.status());
    Event thread = call.next();
    assertEquals("thread", thread.name());
    List<Event> rest = call.rest();
    assertEquals(1, rest.size(), "only the error: " + rest);
    assertEquals("error", rest.get(0).name());
    provider.nextExchange();
    return rest.get(0);
  }

  /** The thread's answer once it reached the status (the store is written just before the last event). */
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

  private static String lastMessage(JsonObject request, String role) {
    return request.getJsonArray("messages").stream().map(o -> (JsonObject) o)
        .filter(m -> role.equals(m.getString("role")))
        .map(m -> String.valueOf(m.getValue("content")))
        .reduce((a, b) -> b).orElseThrow();
  }

  @SuppressWarnings("unused")
  private static String names(List<Event> events) {
    return events.stream().map(Event::name).collect(Collectors.joining(","));
  }
}
