package dev.ensemble.ai.agent;

import static dev.ensemble.ai.agent.AgentTest.call;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ensemble.ai.support.AiProject;
import dev.ensemble.ai.support.AnthropicWire;
import dev.ensemble.ai.support.ChatCall.Event;
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

/** A tool-use round trip in Anthropic's messages streaming protocol. */
class AnthropicAgentTest {
  private static ProviderStandIn provider;
  private static TestServer server;

  @BeforeAll
  static void start() {
    provider = ProviderStandIn.start();
    server = TestServer.start(Map.of(
        "ENSEMBLE_AI_PROVIDER", "anthropic",
        "ENSEMBLE_AI_BASE_URL", provider.baseUrl(),
        "ENSEMBLE_AI_API_KEY", "sk-ant-standin",
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
  void toolUseBlocksAreCarriedOutAndAnsweredWithToolResultBlocks() {
    AiProject p = AiProject.create(server);
    AgentTest.write(p, "README.md", "# Demo\n");
    provider.enqueue(AnthropicWire.toolUse("I will read the readme.",
        List.of(call("toolu_01", "read_file", new JsonObject().put("path", "README.md")))));
    provider.enqueue(AnthropicWire.answer(List.of("It is a demo."), 40, 5));
    List<Event> events = p.agent(server, p.editorToken(), new JsonObject().put("message", "What is this?")).rest();
    Event done = events.get(events.size() - 1);
    assertEquals("done", done.name(), events.toString());
    assertEquals("complete", done.data().getString("status"));

    Exchange first = provider.nextExchange();
    assertEquals("/v1/messages", first.path());
    assertEquals("read_file", first.body().getJsonArray("tools").stream()
        .map(t -> ((JsonObject) t).getString("name")).filter("read_file"::equals).findFirst().orElseThrow());
    JsonArray messages = provider.nextExchange().body().getJsonArray("messages");
    JsonObject assistant = messages.getJsonObject(messages.size() - 2);
    assertEquals("assistant", assistant.getString("role"));
    JsonObject toolUse = assistant.getJsonArray("content").stream().map(JsonObject.class::cast)
        .filter(b -> "tool_use".equals(b.getString("type"))).findFirst().orElseThrow();
    assertEquals("toolu_01", toolUse.getString("id"));
    assertEquals("README.md", toolUse.getJsonObject("input").getString("path"));
    JsonObject user = messages.getJsonObject(messages.size() - 1);
    assertEquals("user", user.getString("role"));
    JsonObject result = user.getJsonArray("content").getJsonObject(0);
    assertEquals("tool_result", result.getString("type"));
    assertEquals("toolu_01", result.getString("tool_use_id"));
    assertTrue(result.getValue("content").toString().contains("# Demo"), result.encode());
  }
}
