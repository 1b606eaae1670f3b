package dev.ensemble.ai;

import static dev.ensemble.ai.support.AnswerEvents.text;
import static dev.ensemble.ai.support.AnswerEvents.untilEnd;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ensemble.ai.support.AiProject;
import dev.ensemble.ai.support.ChatCall;
import dev.ensemble.ai.support.ChatCall.Event;
import dev.ensemble.ai.support.OpenAiWire;
import dev.ensemble.ai.support.ProviderStandIn;
import dev.ensemble.support.ApiClient;
import dev.ensemble.support.LiveClient;
import dev.ensemble.support.NodeProcess;
import dev.ensemble.support.TestServer;
import dev.ensemble.support.TwoNodes;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * An answer whose node dies mid-answer: the node asking the model runs in a JVM of its own and is
 * killed with SIGKILL while the model is still writing. Participants on a surviving node see the
 * answer end as interrupted, with the text stored so far, within a bound set by
 * ENSEMBLE_AI_ORPHAN_SECONDS, and the thread takes the next question. Real PostgreSQL and Redis,
 * the model a local stand-in speaking OpenAI's streaming protocol.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ChatNodeLossTest {
  private static final int ORPHAN_SECONDS = 4;
  private static ProviderStandIn provider;
  private static TwoNodes nodes;

  @BeforeAll
  static void start() throws Exception {
    provider = ProviderStandIn.start();
    nodes = TwoNodes.start("the chat node-loss test", Map.of(
        "ENSEMBLE_AI_PROVIDER", "openai-compatible",
        "ENSEMBLE_AI_BASE_URL", provider.baseUrl(),
        "ENSEMBLE_AI_CHAT_MODEL", "stand-in-coder",
        "ENSEMBLE_AI_REQUESTS_PER_MINUTE", "0",
        "ENSEMBLE_AI_RELAY_STORE_MS", "50",
        // longer than the bound below: the end must come from the repair, not from a follower's poll
        "ENSEMBLE_AI_RELAY_QUIET_SECONDS", "60",
        "ENSEMBLE_AI_ORPHAN_SECONDS", Integer.toString(ORPHAN_SECONDS)));
  }

  @AfterAll
  static void stop() {
    if (nodes != null) {
      nodes.close();
    }
    if (provider != null) {
      provider.close();
    }
  }

  @Test
  void whenTheAnsweringNodeIsKilledParticipantsElsewhereSeeTheAnswerInterruptedAndAskAgain() throws Exception {
    TestServer nodeB = nodes.b();
    AiProject p = AiProject.create(nodeB);
    List<String> tokens = new ArrayList<>();
    for (int i = 0; i < 400; i++) {
      tokens.add("w" + i + " ");
    }
    // The model writes slowly and never finishes on its own (the signal is never raised).
    provider.enqueue(OpenAiWire.answerHeldUntil("never", tokens, List.of(), 40));
    try (NodeProcess doomed = nodes.startProcessNode();
        LiveClient viewerOnB = LiveClient.connect(nodeB, p.id(), p.viewerToken())) {
      Thread.sleep(300); // node B subscribes to the project's answers as its first participant arrives
      ChatCall call = ChatCall.start("http://127.0.0.1:" + doomed.port(), p.editorToken(), p.id(),
          new JsonObject().put("message", "Count slowly"));
      JsonObject thread = call.next().data();
      String threadId = thread.getString("threadId");
      String messageId = thread.getString("messageId");
      List<JsonObject> onB = new ArrayList<>();
      while (!text(onB).contains("w20 ")) {
        onB.add(viewerOnB.next(m -> messageId.equals(m.getString("messageId"))));
      }
      Thread.sleep(300); // the answering node stores the text so far every 50 ms

      // The node dies: no end published, the answer left "streaming" in the store.
      doomed.kill();
      long killedAt = System.nanoTime();
      call.close();
      onB.addAll(untilEnd(viewerOnB, messageId));
      long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);

      JsonObject end = onB.get(onB.size() - 1);
      assertEquals("error", end.getString("event"), end.encode());
      assertEquals("ai_answer_interrupted", end.getString("code"), end.encode());
      // The lease, a quarter of it until a node next looks, and slack for a busy machine.
      long boundMs = ORPHAN_SECONDS * 1000L + ORPHAN_SECONDS * 1000L / 4 + 5000;
      assertTrue(tookMs <= boundMs, "B's participant heard of the end " + tookMs + " ms after the kill (bound "
          + boundMs + " ms)");

      ApiClient editorOnB = nodeB.client().withBearer(p.editorToken());
      JsonObject stored = editorOnB.get(p.path("/ai/threads/" + threadId)).json().getJsonArray("messages")
          .getJsonObject(1);
      assertEquals("partial", stored.getString("status"), stored.encode());
      assertEquals("ai_answer_interrupted", stored.getJsonObject("error").getString("code"));
      String kept = stored.getString("content");
      assertTrue(kept.startsWith("w0 w1 w2 ") && kept.contains("w20 "), "the text so far is kept: " + kept);
      assertTrue(text(onB).startsWith(kept), "B's participant read at least the stored text: " + text(onB));
      assertFalse(editorOnB.post(p.path("/ai/threads/" + threadId + "/stop"), null).json().getBoolean("stopped"),
          "nothing is being written in the thread any more");

      // The thread takes the next question, answered by the surviving node.
      provider.enqueue(OpenAiWire.answer(List.of("Back ", "again."), 20, 2));
      ChatCall next = p.chat(nodeB, p.editorToken(), new JsonObject().put("threadId", threadId).put("message", "Go on"));
      assertEquals(200, next.status(), next.status() == 200 ? "" : next.error().encode());
      List<Event> answer = next.rest();
      Event done = answer.get(answer.size() - 1);
      assertEquals("done", done.name(), answer.toString());
      assertEquals("complete", done.data().getString("status"));
      String nextId = answer.get(0).data().getString("messageId");
      List<JsonObject> nextOnB = untilEnd(viewerOnB, nextId);
      assertEquals("Back again.", text(nextOnB));
      assertEquals("complete", nextOnB.get(nextOnB.size() - 1).getString("status"));
    }
  }

}
