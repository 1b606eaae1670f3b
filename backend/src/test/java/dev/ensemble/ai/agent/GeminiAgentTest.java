package dev.ensemble.ai.agent;

import static dev.ensemble.ai.agent.AgentTest.call;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ensemble.ai.support.AiProject;
import dev.ensemble.ai.support.ChatCall.Event;
import dev.ensemble.ai.support.GeminiWire;
import dev.ensemble.ai.support.ProviderStandIn;
import dev.ensemble.ai.support.ProviderStandIn.Exchange;
import dev.ensemble.support.TestServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A function-calling round trip in Gemini's streamGenerateContent protocol. */
class GeminiAgentTest {
  private static ProviderStandIn provider;
  private static TestServer server;

  @BeforeAll
  static void start() {
    provider = ProviderStandIn.start();
    server = TestServer.start(Map.of(
        "ENSEMBLE_AI_PROVIDER", "gemini",
        "ENSEMBLE_AI_BASE_URL", GeminiWire.baseUrl(provider),
        "ENSEMBLE_AI_API_KEY", "AIza-test-key",
        "ENSEMBLE_AI_CHAT_MODEL", "gemini-stand-in",
        "ENSEMBLE_AI_REQUESTS_PER_MINUTE", "0"));
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
  void functionCallsAreCarriedOutAndAnsweredWithFunctionResponses() {
    AiProject p = AiProject.create(server);
    AgentTest.write(p, "README.md", "# Demo\n");
    provider.enqueue(GeminiWire.functionCalls("I will read the readme.",
        List.of(call("unused", "read_file", new JsonObject().put("path", "README.md")))));
    provider.enqueue(GeminiWire.answer(List.of("It is ", "a demo."), 60, 5));
    List<Event> events = p.agent(server, p.editorToken(), new JsonObject().put("message", "What is this?")).rest();
    Event done = events.get(events.size() - 1);
    assertEquals("done", done.name(), events.toString());
    assertEquals("complete", done.data().getString("status"), events.toString());

    Exchange first = provider.nextExchange();
    assertTrue(first.path().contains("gemini-stand-in:streamGenerateContent"), first.path());
    JsonArray declarations = first.body().getJsonArray("tools").stream().map(JsonObject.class::cast)
        .filter(t -> t.containsKey("functionDeclarations")).findFirst().orElseThrow()
        .getJsonArray("functionDeclarations");
    assertTrue(declarations.stream().map(JsonObject.class::cast).anyMatch(d -> "read_file".equals(d.getString("name"))),
        declarations.encode());

    JsonArray contents = provider.nextExchange().body().getJsonArray("contents");
    JsonObject model = contents.getJsonObject(contents.size() - 2);
    assertEquals("model", model.getString("role"), contents.encode());
    JsonObject functionCall = model.getJsonArray("parts").stream().map(JsonObject.class::cast)
        .filter(part -> part.containsKey("functionCall")).findFirst().orElseThrow().getJsonObject("functionCall");
    assertEquals("read_file", functionCall.getString("name"));
    assertEquals("README.md", functionCall.getJsonObject("args").getString("path"));
    JsonObject answer = contents.getJsonObject(contents.size() - 1);
    JsonObject functionResponse = answer.getJsonArray("parts").stream().map(JsonObject.class::cast)
        .filter(part -> part.containsKey("functionResponse")).findFirst().orElseThrow()
        .getJsonObject("functionResponse");
    assertEquals("read_file", functionResponse.getString("name"));
    assertTrue(functionResponse.encode().contains("# Demo"), functionResponse.encode());
  }
}
