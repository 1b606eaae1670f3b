package dev.ensemble.ai.agent;

import static dev.ensemble.ai.agent.AgentTest.call;
import static dev.ensemble.ai.agent.AgentTest.step;
import static dev.ensemble.ai.agent.AgentTest.toolResults;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ensemble.ai.support.AiProject;
import dev.ensemble.ai.support.ChatCall;
import dev.ensemble.ai.support.ChatCall.Event;
import dev.ensemble.ai.support.OpenAiWire;
import dev.ensemble.ai.support.ProviderStandIn;
import dev.ensemble.support.TestServer;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The agent's limits on a server with a small step limit and a short approval timeout, and a run
 * tool that executes in the real sandbox.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class AgentLimitsTest {
  private static ProviderStandIn provider;
  private static TestServer server;

  @BeforeAll
  static void start() {
    provider = ProviderStandIn.start();
    server = TestServer.start(Map.of(
        "ENSEMBLE_AI_PROVIDER", "openai-compatible",
        "ENSEMBLE_AI_BASE_URL", provider.baseUrl(),
        "ENSEMBLE_AI_CHAT_MODEL", "stand-in-coder",
        "ENSEMBLE_AI_REQUESTS_PER_MINUTE", "0",
        "ENSEMBLE_AI_AGENT_MAX_STEPS", "3",
        "ENSEMBLE_AI_AGENT_APPROVAL_TIMEOUT_SECONDS", "1"));
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
  void theStepLimitStopsAModelThatKeepsCallingTools() {
    AiProject p = AiProject.create(server);
    for (int i = 1; i <= 4; i++) {
      provider.enqueue(OpenAiWire.toolCalls("", List.of(call("call_" + i, "list_files", new JsonObject()))));
    }
    ChatCall run = p.agent(server, p.editorToken(), new JsonObject().put("message", "Loop forever"));
    List<Event> events = run.rest();
    Event last = events.get(events.size() - 1);
    assertEquals("error", last.name(), events.toString());
    assertEquals("ai_agent_step_limit", last.data().getString("code"));
    assertTrue(last.data().getString("message").contains("ENSEMBLE_AI_AGENT_MAX_STEPS"));
    assertEquals(3, events.stream().filter(step("list_files", "done")).count(), "three calls ran");
    for (int i = 0; i < 4; i++) {
      provider.nextExchange();
    }
    assertThrows(AssertionError.class, provider::nextExchange, "no fifth request to the model");
  }

  @Test
  void aStepNobodyApprovesInTimeEndsTheRun() {
    AiProject p = AiProject.create(server);
    provider.enqueue(OpenAiWire.toolCalls("", List.of(call("call_1", "delete_file", new JsonObject().put("path", "a")))));
    ChatCall run = p.agent(server, p.editorToken(), new JsonObject().put("message", "Delete a"));
    List<Event> events = run.rest();
    Event last = events.get(events.size() - 1);
    assertEquals("ai_agent_approval_timeout", last.data().getString("code"), events.toString());
    assertTrue(events.stream().anyMatch(step("delete_file", "expired")));
  }

  @Test
  void aRunToolExecutesInTheSandboxAndItsOutputGoesBackToTheModel() {
    String isolation = server.client().get("/ready").json().getJsonObject("checks").getString("sandbox");
    if ("unavailable".equals(isolation)) {
      String why = "no sandbox on this host; install bubblewrap to run this test";
      if ("true".equalsIgnoreCase(System.getenv("ENSEMBLE_REQUIRE_SANDBOX"))) {
        throw new AssertionError("ENSEMBLE_REQUIRE_SANDBOX=true but " + why);
      }
      org.junit.jupiter.api.Assumptions.abort(why);
    }
    AiProject p = AiProject.create(server);
    AgentTest.write(p, "greeting.txt", "hello from the project\n");
    p.owner().send("PUT", p.path("/ai/agent/settings"), new JsonObject().put("autoApply", true).encode(), "application/json");
    provider.enqueue(OpenAiWire.toolCalls("Running it.", List.of(call("call_run", "run_command",
        new JsonObject().put("command", "cat greeting.txt; echo sum=$((6*7)); echo oops >&2; exit 3")))));
    provider.enqueue(OpenAiWire.answer(List.of("It printed the greeting."), 20, 5));
    ChatCall run = p.agent(server, p.editorToken(), new JsonObject().put("message", "Run it"));
    List<Event> events = run.rest();
    assertEquals("done", events.get(events.size() - 1).name(), events.toString());
    provider.nextExchange();
    String result = toolResults(provider.nextExchange()).get(0);
    assertTrue(result.startsWith("call_run: run "), result);
    assertTrue(result.contains("failed, exit code 3"), result);
    assertTrue(result.contains("hello from the project") && result.contains("sum=42") && result.contains("oops"), result);
    String runId = result.substring("call_run: run ".length(), "call_run: run ".length() + 36);
    JsonObject recorded = p.viewer().get("/api/runs/" + runId).json();
    assertEquals("failed", recorded.getString("status"), "the run is an ordinary run of the project");
  }
}
