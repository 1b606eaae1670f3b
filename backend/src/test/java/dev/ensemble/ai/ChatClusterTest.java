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
import dev.ensemble.support.TestServer;
import dev.ensemble.support.TwoNodes;
import io.vertx.core.json.JsonObject;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Answers across two nodes sharing PostgreSQL and a real Redis: the model is asked on node A, and
 * participants connected to node B see the answer stream, stop it, and end with the same text as
 * the store even when bus messages are lost.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ChatClusterTest {
  private static ProviderStandIn provider;
  private static TwoNodes nodes;
  private static TestServer nodeA;
  private static TestServer nodeB;

  @BeforeAll
  static void start() throws Exception {
    provider = ProviderStandIn.start();
    nodes = TwoNodes.start("the two-node chat test", Map.of(
        "ENSEMBLE_AI_PROVIDER", "openai-compatible",
        "ENSEMBLE_AI_BASE_URL", provider.baseUrl(),
        "ENSEMBLE_AI_CHAT_MODEL", "stand-in-coder",
        "ENSEMBLE_AI_REQUESTS_PER_MINUTE", "0",
        "ENSEMBLE_AI_RELAY_STORE_MS", "50",
        "ENSEMBLE_AI_RELAY_QUIET_SECONDS", "1"));
    nodeA = nodes.a();
    nodeB = nodes.b();
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

  @BeforeEach
  void clean() {
    provider.reset();
  }

  @Test
  void aParticipantOnTheOtherNodeSeesTheAnswerStreamAndItsEnd() throws Exception {
    AiProject p = AiProject.create(nodeA);
    List<String> tokens = new ArrayList<>();
    for (int i = 0; i < 80; i++) {
      tokens.add(switch (i % 4) {
        case 0 -> "word" + i + " ";
        case 1 -> "\n```java\n";
        case 2 -> "héllo→😀 ";
        default -> "\"q\" ";
      });
    }
    provider.enqueue(OpenAiWire.answer(tokens, 12, 80));
    try (LiveClient viewerOnB = LiveClient.connect(nodeB, p.id(), p.viewerToken())) {
      Thread.sleep(300); // node B subscribes to the project's answers as its first participant arrives
      ChatCall call = p.chat(nodeA, p.editorToken(), new JsonObject().put("message", "Explain"));
      List<Event> onA = call.rest();
      String messageId = onA.get(0).data().getString("messageId");
      List<JsonObject> onB = untilEnd(viewerOnB, messageId);
      assertEquals("thread", onB.get(0).getString("event"));
      assertEquals(onA.get(0).data().getString("askedBy"), onB.get(0).getString("askedBy"));
      assertEquals(String.join("", tokens), text(onB), "node B's participant read the answer token by token");
      JsonObject done = onB.get(onB.size() - 1);
      assertEquals("done", done.getString("event"));
      assertEquals("complete", done.getString("status"));
      assertEquals(80, done.getJsonObject("usage").getInteger("completionTokens"));
      assertEquals(String.join("", tokens), stored(p, onA).getString("content"));
    }
  }

  @Test
  void aStopSentToTheOtherNodeStopsTheAnswerWhereTheModelIsAsked() throws Exception {
    AiProject p = AiProject.create(nodeA);
    provider.enqueue(OpenAiWire.tokensThenHang(List.of("Partial ", "answer")));
    try (LiveClient viewerOnB = LiveClient.connect(nodeB, p.id(), p.viewerToken())) {
      Thread.sleep(300);
      ChatCall call = p.chat(nodeA, p.editorToken(), new JsonObject().put("message", "Write an essay"));
      JsonObject thread = call.next().data();
      String threadId = thread.getString("threadId");
      String messageId = thread.getString("messageId");
      ProviderStandIn.Exchange upstream = provider.nextExchange();
      StringBuilder seenOnB = new StringBuilder();
      List<JsonObject> onB = new ArrayList<>();
      while (!seenOnB.toString().equals("Partial answer")) {
        JsonObject m = viewerOnB.next(x -> messageId.equals(x.getString("messageId")));
        onB.add(m);
        if ("token".equals(m.getString("event"))) {
          seenOnB.append(m.getString("text"));
        }
      }

      ApiClient ownerOnB = nodeB.client().withBearer(p.ownerToken());
      ApiClient.Response stopped = ownerOnB.post(p.path("/ai/threads/" + threadId + "/stop"), null);
      assertEquals(200, stopped.status(), stopped.toString());
      assertTrue(stopped.json().getBoolean("stopped"), "node A stopped it: " + stopped);
      upstream.cutOff().get(10, TimeUnit.SECONDS);

      List<Event> rest = call.rest();
      Event done = rest.get(rest.size() - 1);
      assertEquals("done", done.name());
      assertEquals("partial", done.data().getString("status"));
      assertTrue(done.data().getString("stoppedBy").startsWith("own"));
      onB.addAll(untilEnd(viewerOnB, messageId));
      JsonObject doneOnB = onB.get(onB.size() - 1);
      assertEquals("partial", doneOnB.getString("status"));
      assertEquals(done.data().getString("stoppedBy"), doneOnB.getString("stoppedBy"));
      assertEquals("Partial answer", text(onB));
      JsonObject answer = ownerOnB.get(p.path("/ai/threads/" + threadId)).json().getJsonArray("messages").getJsonObject(1);
      assertEquals("Partial answer", answer.getString("content"));
      assertEquals("ai_stopped", answer.getJsonObject("error").getString("code"));
      assertFalse(ownerOnB.post(p.path("/ai/threads/" + threadId + "/stop"), null).json().getBoolean("stopped"),
          "nothing left to stop");
    }
  }

  @Test
  void anAgentRunIsWatchedAndStoppedFromTheOtherNode() throws Exception {
    AiProject p = AiProject.create(nodeA);
    provider.enqueue(OpenAiWire.toolCalls("I will delete it.", List.of(new OpenAiWire.ToolCall(
        "call_d", "delete_file", new JsonObject().put("path", "x").encode()))));
    try (LiveClient viewerOnB = LiveClient.connect(nodeB, p.id(), p.viewerToken())) {
      Thread.sleep(300);
      ChatCall run = p.agent(nodeA, p.editorToken(), new JsonObject().put("message", "Delete x"));
      JsonObject thread = run.next().data();
      String threadId = thread.getString("threadId");
      String messageId = thread.getString("messageId");
      JsonObject pending = viewerOnB.next(m -> messageId.equals(m.getString("messageId"))
          && "step".equals(m.getString("event")) && "pending".equals(m.getJsonObject("step").getString("status")));
      assertEquals("delete_file", pending.getJsonObject("step").getString("tool"), "node B sees the step wait");

      ApiClient editorOnB = nodeB.client().withBearer(p.editorToken());
      ApiClient.Response stopped = editorOnB.post(p.path("/ai/threads/" + threadId + "/agent/stop"), null);
      assertEquals(200, stopped.status(), stopped.toString());
      assertTrue(stopped.json().getBoolean("stopped"), "node A stopped the run: " + stopped);
      List<Event> rest = run.rest();
      assertEquals("done", rest.get(rest.size() - 1).name());
      List<JsonObject> onB = untilEnd(viewerOnB, messageId);
      assertTrue(onB.stream().anyMatch(m -> "step".equals(m.getString("event"))
          && "cancelled".equals(m.getJsonObject("step").getString("status"))), onB.toString());
      assertEquals("partial", onB.get(onB.size() - 1).getString("status"));
      assertFalse(editorOnB.post(p.path("/ai/threads/" + threadId + "/agent/stop"), null).json().getBoolean("stopped"));
    }
  }

  @Test
  void aStepApprovedOnTheOtherNodeRunsWhereTheAgentRunsAndTheRunCompletes() throws Exception {
    AiProject p = AiProject.create(nodeA);
    provider.enqueue(OpenAiWire.toolCalls("I will write it.", List.of(new OpenAiWire.ToolCall(
        "call_w", "write_file", new JsonObject().put("path", "notes.md").put("content", "from the agent\n").encode()))));
    provider.enqueue(OpenAiWire.answer(List.of("Wrote ", "notes.md."), 30, 4));
    try (LiveClient viewerOnB = LiveClient.connect(nodeB, p.id(), p.viewerToken())) {
      Thread.sleep(300);
      ChatCall run = p.agent(nodeA, p.editorToken(), new JsonObject().put("message", "Write notes"));
      JsonObject thread = run.next().data();
      String threadId = thread.getString("threadId");
      String messageId = thread.getString("messageId");
      JsonObject pending = pendingStep(viewerOnB, messageId, "write_file");
      String stepPath = "/ai/threads/" + threadId + "/steps/" + pending.getString("id");

      ApiClient viewerApiOnB = nodeB.client().withBearer(p.viewerToken());
      assertEquals(403, viewerApiOnB.post(p.path(stepPath + "/approve"), null).status(), "node B still checks roles");
      ApiClient ownerOnB = nodeB.client().withBearer(p.ownerToken());
      ApiClient.Response approved = ownerOnB.post(p.path(stepPath + "/approve"),
          new JsonObject().put("reason", "go ahead → ok"));
      assertEquals(200, approved.status(), approved.toString());
      assertEquals("approved", approved.json().getString("decision"));
      assertEquals("running", approved.json().getString("status"));
      assertTrue(approved.json().getString("decidedByName").startsWith("own"), approved.toString());
      assertEquals("go ahead → ok", approved.json().getString("reason"));
      assertEquals(pending.getJsonObject("arguments"), approved.json().getJsonObject("arguments"));
      assertEquals(409, ownerOnB.post(p.path(stepPath + "/reject"), null).status(), "a step is decided once, from any node");

      List<Event> rest = run.rest();
      Event done = rest.get(rest.size() - 1);
      assertEquals("done", done.name(), rest.toString());
      assertEquals("complete", done.data().getString("status"));
      assertTrue(rest.stream().anyMatch(e -> "step".equals(e.name())
          && "done".equals(e.data().getJsonObject("step").getString("status"))
          && "approved".equals(e.data().getJsonObject("step").getString("decision"))), "node A ran it: " + rest);
      List<JsonObject> onB = untilEnd(viewerOnB, messageId);
      assertTrue(onB.stream().anyMatch(m -> "step".equals(m.getString("event"))
          && "done".equals(m.getJsonObject("step").getString("status"))), onB.toString());
      assertEquals("complete", onB.get(onB.size() - 1).getString("status"));
      assertEquals("from the agent\n", ownerOnB.get(p.path("/files/notes.md")).body());
      JsonObject stored = ownerOnB.get(p.path("/ai/threads/" + threadId + "/steps")).array().getJsonObject(1);
      assertEquals("approved", stored.getString("decision"));
      assertEquals(approved.json().getString("decidedBy"), stored.getString("decidedBy"), "the decider is recorded");
      assertEquals("Wrote notes.md.", stored(p, threadId).getString("content"));
    }
  }

  @Test
  void aStepRejectedOnTheOtherNodeIsNotCarriedOut() throws Exception {
    AiProject p = AiProject.create(nodeA);
    provider.enqueue(OpenAiWire.toolCalls("", List.of(new OpenAiWire.ToolCall(
        "call_d", "delete_file", new JsonObject().put("path", "keep.md").encode()))));
    provider.enqueue(OpenAiWire.answer(List.of("Left it."), 30, 2));
    try (LiveClient viewerOnB = LiveClient.connect(nodeB, p.id(), p.viewerToken())) {
      Thread.sleep(300);
      ChatCall run = p.agent(nodeA, p.editorToken(), new JsonObject().put("message", "Delete keep.md"));
      JsonObject thread = run.next().data();
      String threadId = thread.getString("threadId");
      String messageId = thread.getString("messageId");
      JsonObject pending = pendingStep(viewerOnB, messageId, "delete_file");

      ApiClient editorOnB = nodeB.client().withBearer(p.editorToken());
      ApiClient.Response rejected = editorOnB.post(
          p.path("/ai/threads/" + threadId + "/steps/" + pending.getString("id") + "/reject"),
          new JsonObject().put("reason", "we need it"));
      assertEquals(200, rejected.status(), rejected.toString());
      assertEquals("rejected", rejected.json().getString("decision"));
      assertEquals("rejected", rejected.json().getString("status"));
      assertTrue(rejected.json().getString("decidedByName").startsWith("edi"));

      List<Event> rest = run.rest();
      assertEquals("complete", rest.get(rest.size() - 1).data().getString("status"), rest.toString());
      provider.nextExchange();
      List<String> told = toolResults(provider.nextExchange());
      assertTrue(told.stream().anyMatch(r -> r.contains("rejected") && r.contains("we need it")), told.toString());
      List<JsonObject> onB = untilEnd(viewerOnB, messageId);
      assertTrue(onB.stream().anyMatch(m -> "step".equals(m.getString("event"))
          && "rejected".equals(m.getJsonObject("step").getString("status"))), onB.toString());
      JsonObject stored = editorOnB.get(p.path("/ai/threads/" + threadId + "/steps")).array().getJsonObject(0);
      assertEquals("rejected", stored.getString("status"));
      assertEquals("we need it", stored.getString("reason"));
    }
  }

  @Test
  void decidingAStepThatDoesNotWaitAnswersAlikeOnBothNodes() throws Exception {
    AiProject p = AiProject.create(nodeA);
    provider.enqueue(OpenAiWire.toolCalls("", List.of(
        new OpenAiWire.ToolCall("call_1", "list_files", new JsonObject().encode()),
        new OpenAiWire.ToolCall("call_2", "delete_file", new JsonObject().put("path", "x").encode()))));
    try (LiveClient viewerOnB = LiveClient.connect(nodeB, p.id(), p.viewerToken())) {
      Thread.sleep(300);
      ChatCall run = p.agent(nodeA, p.editorToken(), new JsonObject().put("message", "Look, then delete x"));
      JsonObject thread = run.next().data();
      String threadId = thread.getString("threadId");
      String messageId = thread.getString("messageId");
      pendingStep(viewerOnB, messageId, "delete_file");
      JsonObject listed = null;
      for (Event e = run.next(); !"pending".equals(e.data().getJsonObject("step", new JsonObject()).getString("status"));
          e = run.next()) {
        if ("step".equals(e.name()) && "list_files".equals(e.data().getJsonObject("step").getString("tool"))) {
          listed = e.data().getJsonObject("step");
        }
      }
      String steps = "/ai/threads/" + threadId + "/steps/";
      for (TestServer node : List.of(nodeA, nodeB)) {
        ApiClient editor = node.client().withBearer(p.editorToken());
        ApiClient.Response done = editor.post(p.path(steps + listed.getString("id") + "/approve"), null);
        assertEquals(409, done.status(), done.toString());
        assertEquals("ai_step_not_pending", done.json().getJsonObject("error").getString("code"));
        ApiClient.Response unknown = editor.post(p.path(steps + UUID.randomUUID() + "/reject"), null);
        assertEquals(404, unknown.status(), unknown.toString());
        assertEquals("not_found", unknown.json().getJsonObject("error").getString("code"));
        ApiClient.Response outsider = node.client().withBearer(p.outsiderToken())
            .post(p.path(steps + listed.getString("id") + "/approve"), null);
        assertEquals(404, outsider.status(), "not a member: " + outsider);
      }
      ApiClient editorOnB = nodeB.client().withBearer(p.editorToken());
      assertTrue(editorOnB.post(p.path("/ai/threads/" + threadId + "/agent/stop"), null).json().getBoolean("stopped"));
      run.rest();
      String pendingId = editorSteps(p, threadId).stream()
          .filter(s -> "delete_file".equals(s.getString("tool"))).findFirst().orElseThrow().getString("id");
      for (TestServer node : List.of(nodeA, nodeB)) {
        ApiClient.Response cancelled = node.client().withBearer(p.editorToken())
            .post(p.path(steps + pendingId + "/approve"), null);
        assertEquals(409, cancelled.status(), "once the run stopped: " + cancelled);
      }
    }
  }

  /** The first time the agent answer's step for {@code tool} waits for approval, as node B tells it. */
  private static JsonObject pendingStep(LiveClient client, String messageId, String tool) throws InterruptedException {
    JsonObject m = client.next(x -> messageId.equals(x.getString("messageId")) && "step".equals(x.getString("event"))
        && "pending".equals(x.getJsonObject("step").getString("status")));
    assertEquals(tool, m.getJsonObject("step").getString("tool"));
    return m.getJsonObject("step");
  }

  /** The tool-role messages of a request to the model, as "tool_call_id: content". */
  private static List<String> toolResults(ProviderStandIn.Exchange sent) {
    return sent.body().getJsonArray("messages").stream().map(JsonObject.class::cast)
        .filter(m -> "tool".equals(m.getString("role")))
        .map(m -> m.getString("tool_call_id") + ": " + m.getString("content"))
        .toList();
  }

  private static List<JsonObject> editorSteps(AiProject p, String threadId) {
    return nodeB.client().withBearer(p.editorToken()).get(p.path("/ai/threads/" + threadId + "/steps")).array()
        .stream().map(JsonObject.class::cast).toList();
  }

  @Test
  void aNodeWhoseFirstParticipantArrivesMidAnswerCatchesUpFromTheStore() throws Exception {
    AiProject p = AiProject.create(nodeA);
    provider.enqueue(OpenAiWire.stampedAnswer(120, 15));
    ChatCall call = p.chat(nodeA, p.editorToken(), new JsonObject().put("message", "Count"));
    JsonObject thread = call.next().data();
    String messageId = thread.getString("messageId");
    for (int i = 0; i < 30; i++) {
      assertEquals("token", call.next().name());
    }
    // Node B had nobody in the project: it hears the answer from its middle on, a gap by number.
    try (LiveClient lateOnB = LiveClient.connect(nodeB, p.id(), p.viewerToken())) {
      List<JsonObject> onB = untilEnd(lateOnB, messageId);
      List<Event> onA = call.rest();
      assertEquals("thread", onB.get(0).getString("event"), "the start is told from the store");
      String stored = stored(p, thread.getString("threadId")).getString("content");
      assertEquals(stored, text(onB), "the whole text, nothing twice");
      assertEquals("complete", onB.get(onB.size() - 1).getString("status"));
    }
  }

  @Test
  void messagesLostWhileTheBusReconnectsAreReadFromTheStore() throws Exception {
    AiProject p = AiProject.create(nodeA);
    provider.enqueue(OpenAiWire.stampedAnswer(120, 15));
    try (LiveClient viewerOnB = LiveClient.connect(nodeB, p.id(), p.viewerToken())) {
      Thread.sleep(300);
      ChatCall call = p.chat(nodeA, p.editorToken(), new JsonObject().put("message", "Count"));
      JsonObject thread = call.next().data();
      String messageId = thread.getString("messageId");
      List<JsonObject> onB = new ArrayList<>();
      while (onB.stream().filter(m -> "token".equals(m.getString("event"))).count() < 15) {
        onB.add(viewerOnB.next(m -> messageId.equals(m.getString("messageId"))));
      }
      // Redis drops every subscriber: what node A publishes until node B has subscribed again is lost.
      redis("CLIENT KILL TYPE pubsub");
      onB.addAll(untilEnd(viewerOnB, messageId));
      List<Event> onA = call.rest();
      assertEquals(text(onA.stream().filter(e -> e.name().equals("token")).map(e -> e.data()).toList()),
          text(onB), "node B's participant read what node A's asker read");
      assertEquals(stored(p, thread.getString("threadId")).getString("content"), text(onB));
      assertEquals("complete", onB.get(onB.size() - 1).getString("status"));
    }
  }

  private static JsonObject stored(AiProject p, List<Event> onA) {
    return stored(p, onA.get(0).data().getString("threadId"));
  }

  private static JsonObject stored(AiProject p, String threadId) {
    return nodeB.client().withBearer(p.viewerToken()).get(p.path("/ai/threads/" + threadId)).json()
        .getJsonArray("messages").getJsonObject(1);
  }

  private static void redis(String command) throws Exception {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", 6379), 1000);
      s.setSoTimeout(2000);
      OutputStream out = s.getOutputStream();
      out.write((command + "\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      assertTrue(in.read() > 0, "Redis answered " + command);
    }
  }
}
