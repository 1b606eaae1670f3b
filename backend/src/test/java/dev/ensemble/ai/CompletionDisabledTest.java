package dev.ensemble.ai;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ensemble.ai.support.AiProject;
import dev.ensemble.ai.support.CompleteCall;
import dev.ensemble.support.ApiClient;
import dev.ensemble.support.TestServer;
import org.junit.jupiter.api.Test;

/** Without ENSEMBLE_AI_PROVIDER inline completion says it is not configured. */
class CompletionDisabledTest {
  @Test
  void completeAnswersNotConfigured() {
    try (TestServer server = TestServer.start()) {
      AiProject project = AiProject.create(server);
      ApiClient.Response r = project.editor().post(project.path("/ai/complete"), CompleteCall.body("a.py", "x = ", ""));
      assertEquals(503, r.status(), r.toString());
      assertEquals("ai_not_configured", r.errorCode());
    }
  }
}
