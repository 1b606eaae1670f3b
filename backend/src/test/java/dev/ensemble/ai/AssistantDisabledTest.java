package dev.ensemble.ai;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ensemble.ai.support.AiProject;
import dev.ensemble.ai.support.ChatCall;
import dev.ensemble.support.TestServer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/** Without ENSEMBLE_AI_* the server starts as before and the assistant says it is not configured. */
class AssistantDisabledTest {
  @Test
  void chatAnswersNotConfiguredAndThreadsStillList() {
    try (TestServer server = TestServer.start()) {
      AiProject project = AiProject.create(server);
      ChatCall call = project.chat(server, project.editorToken(), new JsonObject().put("message", "Hello?"));
      assertEquals(503, call.status());
      assertEquals("ai_not_configured", call.error().getString("code"));
      assertEquals(0, project.viewer().get(project.path("/ai/threads")).array().size());
      ChatCall agent = project.agent(server, project.editorToken(), new JsonObject().put("message", "Fix it"));
      assertEquals(503, agent.status());
      assertEquals("ai_not_configured", agent.error().getString("code"));
    }
  }
}
