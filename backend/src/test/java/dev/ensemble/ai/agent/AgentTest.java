package dev.ensemble.ai.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ensemble.ai.support.AiProject;
import dev.ensemble.ai.support.ChatCall;
import dev.ensemble.ai.support.ChatCall.Event;
import dev.ensemble.ai.support.OpenAiWire;
import dev.ensemble.ai.support.OpenAiWire.ToolCall;
import dev.ensemble.ai.support.ProviderStandIn;
import dev.ensemble.ai.support.ProviderStandIn.Exchange;
import dev.ensemble.support.ApiClient;
import dev.ensemble.support.LiveClient;
import dev.ensemble.support.TestServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The agent against a local OpenAI-compatible server played by a stand-in that scripts tool-call
 * round trips in the chat-completions streaming protocol: tool calls, approvals, auto-apply, tool
 * errors and stop, seen by the caller and by every participant on the live channel.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class AgentTest {
  private static ProviderStandIn provider;
  private static TestServer server;

  @BeforeAll
  static void start() {
    provider = ProviderStandIn.start();
    server = TestServer.start(Map.of(
        "ENSEMBLE_AI_PROVIDER", "openai-compatible",
        "ENSEMBLE_AI_BASE_URL", provider.baseUrl(),
        "ENSEMBLE_AI_CHAT_MODEL", "stand-in-coder",
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

  @BeforeEach
  void clean() {
    provider.reset();
  }

  static ToolCall call(String id, String tool, JsonObject args) {
    return new ToolCall(id, tool, args.encode());
  }

  static void write(AiProject p, String path, String content) {
    ApiClient.Response r = p.owner().sendBytes("PUT", p.path("/files/" + path), content.getBytes(StandardCharsets.UTF_8));
    assertTrue(r.status() == 200 || r.status() == 201, "writing " + path + ": " + r);
  }

  /** Events until one matches, which is returned; the others are added to {@code seen}. */
  static Event until(ChatCall call, List<Event> seen, Predicate<Event> wanted) {
    while (true) {
      Event e = call.next();
      if (wanted.test(e)) {
        return e;
      }
      seen.add(e);
    }
  }

  static Predicate<Event> step(String tool, String status) {
    return e -> e.name().equals("step") && tool.equals(e.data().getJsonObject("step").getString("tool"))
        && status.equals(e.data().getJsonObject("step").getString("status"));
  }

  /** The tool-role messages of a request, in order, as "tool_call_id: content". */
  static List<String> toolResults(Exchange sent) {
    List<String> out = new ArrayList<>();
    for (Object o : sent.body().getJsonArray("messages")) {
      JsonObject m = (JsonObject) o;
      if ("tool".equals(m.getString("role"))) {
        out.add(m.getString("tool_call_id") + ": " + m.getString("content"));
      }
    }
    return out;
  }

  /** The step events a live client received for one answer, until its end, as "seq tool status". */
  static List<String> liveSteps(LiveClient c, String messageId) throws InterruptedException {
    List<String> out = new ArrayList<>();
    while (true) {
      JsonObject m = c.next(x -> "ai".equals(x.getString("channel")) && messageId.equals(x.getString("messageId")));
      String event = m.getString("event");
      if (event.equals("done") || event.equals("error")) {
        return out;
      }
      if (event.equals("step")) {
        JsonObject s = m.getJsonObject("step");
        out.add(s.getInteger("seq") + " " + s.getString("tool", "thought") + " " + s.getString("status"));
      }
    }
  }

  @Test
  void listsAndReadsThenAnEditWaitsForApprovalAndArrivesInTheFileForEveryone() throws Exception {
    AiProject p = AiProject.create(server);
    write(p, "src/app.py", "def greet():\n    return 'helo'\n");
    provider.enqueue(OpenAiWire.toolCalls("Let me look at the project.", List.of(call("call_1", "list_files", new JsonObject()))));
    provider.enqueue(OpenAiWire.toolCalls("", List.of(call("call_2", "read_file", new JsonObject().put("path", "src/app.py")))));
    provider.enqueue(OpenAiWire.toolCalls("Fixing the typo.", List.of(call("call_3", "edit_file", new JsonObject()
        .put("path", "src/app.py").put("old_text", "'helo'").put("new_text", "'hello'")))));
    provider.enqueue(OpenAiWire.answer(List.of("Fixed ", "the greeting."), 50, 5));

    try (LiveClient ownerLive = LiveClient.connect(server, p.id(), p.ownerToken());
        LiveClient viewerLive = LiveClient.connect(server, p.id(), p.viewerToken())) {
      ChatCall run = p.agent(server, p.editorToken(), new JsonObject().put("message", "Fix the greeting typo"));
      assertEquals(200, run.status());
      Event started = run.next();
      assertEquals("thread", started.name());
      String threadId = started.data().getString("threadId");
      String messageId = started.data().getString("messageId");

      List<Event> before = new ArrayList<>();
      Event pending = until(run, before, step("edit_file", "pending"));
      JsonObject edit = pending.data().getJsonObject("step");
      assertTrue(edit.getBoolean("needsApproval"));
      assertEquals("'hello'", edit.getJsonObject("arguments").getString("new_text"));
      assertTrue(before.stream().anyMatch(e -> e.name().equals("step")
          && "Let me look at the project.".equals(e.data().getJsonObject("step").getString("text"))), "the thought is a step");
      JsonObject listed = before.stream().filter(step("list_files", "done")).findFirst().orElseThrow().data().getJsonObject("step");
      assertTrue(listed.getString("result").contains("src/app.py"), listed.encode());
      assertEquals("'helo'", before.stream().filter(step("read_file", "done")).findFirst().orElseThrow()
          .data().getJsonObject("step").getString("result").lines().filter(l -> l.startsWith("2\t")).findFirst()
          .orElseThrow().substring(2).strip().substring("return ".length()));

      // The model's first request offered the tools; the second carried the first call's result back.
      Exchange first = provider.nextExchange();
      List<String> offered = first.body().getJsonArray("tools").stream()
          .map(t -> ((JsonObject) t).getJsonObject("function").getString("name")).toList();
      assertTrue(offered.containsAll(List.of("list_files", "read_file", "search", "edit_file", "write_file",
          "delete_file", "run_command", "git_status", "git_diff")), offered.toString());
      Exchange second = provider.nextExchange();
      JsonObject assistantTurn = second.body().getJsonArray("messages").stream().map(JsonObject.class::cast)
          .filter(m -> "assistant".equals(m.getString("role"))).reduce((a, b) -> b).orElseThrow();
      assertEquals("call_1", assistantTurn.getJsonArray("tool_calls").getJsonObject(0).getString("id"));
      List<String> results = toolResults(second);
      assertEquals(1, results.size());
      assertTrue(results.get(0).startsWith("call_1: ") && results.get(0).contains("src/app.py"), results.toString());
      provider.nextExchange();

      String stepPath = "/ai/threads/" + threadId + "/steps/" + edit.getString("id");
      ApiClient.Response byViewer = p.viewer().post(p.path(stepPath + "/approve"), null);
      assertEquals(403, byViewer.status(), "a viewer cannot approve: " + byViewer);
      ApiClient.Response approved = p.owner().post(p.path(stepPath + "/approve"), null);
      assertEquals(200, approved.status(), approved.toString());
      assertEquals("approved", approved.json().getString("decision"));
      assertEquals(409, p.owner().post(p.path(stepPath + "/approve"), null).status(), "a step is decided once");

      List<Event> after = new ArrayList<>();
      Event done = until(run, after, e -> e.name().equals("done"));
      assertEquals("complete", done.data().getString("status"));
      JsonObject applied = after.stream().filter(step("edit_file", "done")).findFirst().orElseThrow().data().getJsonObject("step");
      assertEquals("approved", applied.getString("decision"));
      assertTrue(applied.getString("decidedByName").startsWith("own"));

      assertEquals("def greet():\n    return 'hello'\n", p.viewer().get(p.path("/files/src/app.py")).body());
      List<String> fourth = toolResults(provider.nextExchange());
      assertTrue(fourth.get(2).startsWith("call_3: edited src/app.py"), fourth.toString());

      List<String> seenByOwner = liveSteps(ownerLive, messageId);
      assertEquals(seenByOwner, liveSteps(viewerLive, messageId), "every participant sees the same steps");
      assertEquals(List.of("1 thought done", "2 list_files running", "2 list_files done", "3 read_file running",
          "3 read_file done", "4 thought done", "5 edit_file pending", "5 edit_file running", "5 edit_file done"),
          seenByOwner);

      // A late joiner reads the same history.
      JsonArray stored = p.viewer().get(p.path("/ai/threads/" + threadId + "/steps")).array();
      assertEquals(5, stored.size());
      assertEquals("approved", stored.getJsonObject(4).getString("decision"));
      JsonArray messages = p.viewer().get(p.path("/ai/threads/" + threadId)).json().getJsonArray("messages");
      assertEquals("Fixed the greeting.", messages.getJsonObject(1).getString("content"));
    }
  }

  @Test
  void aRejectedEditReachesTheModelAsAToolResult() {
    AiProject p = AiProject.create(server);
    provider.enqueue(OpenAiWire.toolCalls("", List.of(call("call_w", "write_file",
        new JsonObject().put("path", "notes.md").put("content", "# Notes\n")))));
    provider.enqueue(OpenAiWire.answer(List.of("Understood, nothing written."), 20, 5));
    ChatCall run = p.agent(server, p.editorToken(), new JsonObject().put("message", "Start a notes file"));
    String threadId = run.next().data().getString("threadId");
    Event pending = until(run, new ArrayList<>(), step("write_file", "pending"));
    String stepId = pending.data().getJsonObject("step").getString("id");

    ApiClient.Response rejected = p.editor().post(p.path("/ai/threads/" + threadId + "/steps/" + stepId + "/reject"),
        new JsonObject().put("reason", "we keep notes in the wiki"));
    assertEquals(200, rejected.status(), rejected.toString());
    List<Event> rest = run.rest();
    assertEquals("done", rest.get(rest.size() - 1).name());
    assertTrue(rest.stream().anyMatch(step("write_file", "rejected")));

    provider.nextExchange();
    List<String> results = toolResults(provider.nextExchange());
    assertEquals(1, results.size());
    assertTrue(results.get(0).startsWith("call_w: The participants rejected this call")
        && results.get(0).contains("we keep notes in the wiki"), results.toString());
    assertEquals(404, p.viewer().get(p.path("/files/notes.md")).status(), "nothing was written");
  }

  @Test
  void withAutoApplyTheOwnerLetsEditsThroughWithoutWaiting() {
    AiProject p = AiProject.create(server);
    JsonObject on = new JsonObject().put("autoApply", true);
    assertEquals(403, p.editor().send("PUT", p.path("/ai/agent/settings"), on.encode(), "application/json").status(),
        "only the owner switches auto-apply");
    ApiClient.Response set = p.owner().send("PUT", p.path("/ai/agent/settings"), on.encode(), "application/json");
    assertEquals(200, set.status(), set.toString());
    assertTrue(p.viewer().get(p.path("/ai/agent/settings")).json().getBoolean("autoApply"));

    provider.enqueue(OpenAiWire.toolCalls("", List.of(call("call_w", "write_file",
        new JsonObject().put("path", "docs/notes.md").put("content", "# Notes\n")))));
    provider.enqueue(OpenAiWire.answer(List.of("Created it."), 20, 5));
    ChatCall run = p.agent(server, p.editorToken(), new JsonObject().put("message", "Start a notes file"));
    List<Event> events = run.rest();
    assertEquals("done", events.get(events.size() - 1).name(), events.toString());
    assertFalse(events.stream().anyMatch(step("write_file", "pending")), "no wait");
    JsonObject written = events.stream().filter(step("write_file", "done")).findFirst().orElseThrow()
        .data().getJsonObject("step");
    assertEquals("auto", written.getString("decision"));
    assertEquals("# Notes\n", p.viewer().get(p.path("/files/docs/notes.md")).body());
  }

  @Test
  void badArgumentsAndUnknownToolsGoBackToTheModelAsErrors() {
    AiProject p = AiProject.create(server);
    provider.enqueue(OpenAiWire.toolCalls("", List.of(
        call("call_a", "read_file", new JsonObject()),
        new ToolCall("call_b", "format_disk", "{}"),
        new ToolCall("call_c", "search", "{\"query\": \"(\", \"regex\": true}"),
        call("call_d", "read_file", new JsonObject().put("path", "missing.txt")))));
    provider.enqueue(OpenAiWire.answer(List.of("Sorry."), 20, 5));
    ChatCall run = p.agent(server, p.editorToken(), new JsonObject().put("message", "Read something"));
    List<Event> events = run.rest();
    assertEquals("done", events.get(events.size() - 1).name(), events.toString());
    provider.nextExchange();
    List<String> results = toolResults(provider.nextExchange());
    assertEquals(4, results.size(), results.toString());
    assertTrue(results.get(0).startsWith("call_a: error: 'path' is required"), results.get(0));
    assertTrue(results.get(1).startsWith("call_b: error: there is no tool 'format_disk'"), results.get(1));
    assertTrue(results.get(2).startsWith("call_c: error: not a valid regular expression"), results.get(2));
    assertTrue(results.get(3).startsWith("call_d: error: there is no file missing.txt"), results.get(3));
  }

  @Test
  void searchFindsMatchingLinesAcrossTextFiles() {
    AiProject p = AiProject.create(server);
    write(p, "a/one.txt", "alpha\nTODO: first\n");
    write(p, "b/two.txt", "TODO second\nbeta\n");
    provider.enqueue(OpenAiWire.toolCalls("", List.of(
        call("call_s", "search", new JsonObject().put("query", "TODO")),
        call("call_r", "search", new JsonObject().put("query", "^beta$").put("regex", true).put("prefix", "b")))));
    provider.enqueue(OpenAiWire.answer(List.of("Two TODOs."), 20, 5));
    p.agent(server, p.editorToken(), new JsonObject().put("message", "Find the TODOs")).rest();
    provider.nextExchange();
    List<String> results = toolResults(provider.nextExchange());
    assertEquals("call_s: a/one.txt:2: TODO: first\nb/two.txt:1: TODO second\n", results.get(0));
    assertEquals("call_r: b/two.txt:2: beta\n", results.get(1));
  }

  @Test
  void stopEndsTheRunAndClosesTheRequestToTheModel() throws Exception {
    AiProject p = AiProject.create(server);
    provider.enqueue(OpenAiWire.toolCalls("", List.of(call("call_1", "list_files", new JsonObject()))));
    provider.enqueue(OpenAiWire.tokensThenHang(List.of("Thinking", " about it")));
    ChatCall run = p.agent(server, p.editorToken(), new JsonObject().put("message", "Take your time"));
    String threadId = run.next().data().getString("threadId");
    provider.nextExchange();
    Exchange hanging = provider.nextExchange();
    until(run, new ArrayList<>(), e -> e.name().equals("token") && " about it".equals(e.data().getString("text")));

    ChatCall chatMeanwhile = p.chat(server, p.ownerToken(), new JsonObject().put("message", "Hi").put("threadId", threadId));
    assertEquals(409, chatMeanwhile.status(), "chat waits for the agent in the same thread");
    assertEquals("ai_answer_in_progress", chatMeanwhile.error().getString("code"));

    String stopPath = p.path("/ai/threads/" + threadId + "/agent/stop");
    assertEquals(403, p.viewer().post(stopPath, null).status());
    ApiClient.Response stopped = p.owner().post(stopPath, null);
    assertEquals(200, stopped.status(), stopped.toString());
    assertTrue(stopped.json().getBoolean("stopped"));
    hanging.cutOff().get(10, TimeUnit.SECONDS);
    List<Event> rest = run.rest();
    Event done = rest.get(rest.size() - 1);
    assertEquals("done", done.name());
    assertEquals("partial", done.data().getString("status"));
    assertTrue(done.data().getString("stoppedBy").startsWith("own"));
    JsonObject answer = p.viewer().get(p.path("/ai/threads/" + threadId)).json().getJsonArray("messages").getJsonObject(1);
    assertEquals("Thinking about it", answer.getString("content"));
    assertEquals("ai_stopped", answer.getJsonObject("error").getString("code"));
    assertFalse(p.owner().post(stopPath, null).json().getBoolean("stopped"), "nothing left to stop");
  }

  @Test
  void stoppingWhileAStepWaitsCancelsTheStep() {
    AiProject p = AiProject.create(server);
    provider.enqueue(OpenAiWire.toolCalls("", List.of(call("call_d", "delete_file", new JsonObject().put("path", "x")))));
    ChatCall run = p.agent(server, p.editorToken(), new JsonObject().put("message", "Delete x"));
    String threadId = run.next().data().getString("threadId");
    String stepId = until(run, new ArrayList<>(), step("delete_file", "pending")).data().getJsonObject("step").getString("id");
    assertTrue(p.editor().post(p.path("/ai/threads/" + threadId + "/agent/stop"), null).json().getBoolean("stopped"));
    List<Event> rest = run.rest();
    assertTrue(rest.stream().anyMatch(step("delete_file", "cancelled")), rest.toString());
    assertEquals(409, p.owner().post(p.path("/ai/threads/" + threadId + "/steps/" + stepId + "/approve"), null).status());
    JsonArray stored = p.viewer().get(p.path("/ai/threads/" + threadId + "/steps")).array();
    assertEquals("cancelled", stored.getJsonObject(0).getString("status"));
  }
}
