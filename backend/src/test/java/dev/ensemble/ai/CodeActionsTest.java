package dev.ensemble.ai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ensemble.ai.support.AiProject;
import dev.ensemble.ai.support.ChatCall;
import dev.ensemble.ai.support.ChatCall.Event;
import dev.ensemble.ai.support.OpenAiWire;
import dev.ensemble.ai.support.ProviderStandIn;
import dev.ensemble.support.ApiClient;
import dev.ensemble.support.TestServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Code actions against a stand-in speaking OpenAI's streaming protocol: each action's request
 * carries the file, selection, language and context; proposals apply as live edits and refuse to
 * replace what a collaborator changed meanwhile; fix reads a failed run's output from the sandbox.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CodeActionsTest {
  private static final String DATES = """
      from datetime import date


      def parse_date(text):
          \"\"\"Reads YYYY-MM-DD.\"\"\"
          year, month, day = text.split("-")
          return date(int(year), int(month), int(day))
      """;

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
        "ENSEMBLE_RUN_WALL_SECONDS", "10"));
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
  void explainSendsTheSelectionTheWholeFileAndItsLanguage() {
    AiProject p = AiProject.create(server);
    write(p, "src/dates.py", DATES);
    provider.enqueue(OpenAiWire.answer(List.of("It splits ", "the text."), 50, 4));
    ChatCall call = act(p, p.editorToken(), new JsonObject()
        .put("action", "explain").put("path", "src/dates.py").put("selection", "year, month, day = text.split(\"-\")"));
    assertEquals(200, call.status(), call.status() == 200 ? "" : call.error().encode());
    Event thread = call.next();
    assertEquals("thread", thread.name());
    JsonArray sent = thread.data().getJsonArray("context");
    assertEquals(new JsonObject().put("kind", "selection").put("path", "src/dates.py").put("lines", new JsonArray().add(6).add(6)),
        sent.getJsonObject(0));
    assertEquals(new JsonObject().put("kind", "file").put("path", "src/dates.py").put("lines", new JsonArray().add(1).add(7)),
        sent.getJsonObject(1));
    List<Event> rest = call.rest();
    assertEquals("done", rest.get(rest.size() - 1).name());
    assertFalse(rest.get(rest.size() - 1).data().containsKey("proposals"), "explaining proposes nothing");

    String request = lastMessage(provider.nextExchange().body(), "user");
    assertTrue(request.contains("def parse_date(text):") && request.contains("return date(int(year)"), request);
    assertTrue(request.contains("year, month, day = text.split(\"-\")"), request);
    assertTrue(request.contains("```python") && request.contains("Explain what the selected python code"), request);

    JsonArray messages = p.viewer().get(p.path("/ai/threads/" + thread.data().getString("threadId"))).json()
        .getJsonArray("messages");
    JsonObject question = messages.getJsonObject(0);
    assertEquals("Explain the selected code in src/dates.py", question.getString("content"));
    assertEquals("explain", question.getJsonObject("context").getString("action"));
    assertEquals(sent, messages.getJsonObject(1).getJsonObject("context").getJsonArray("sent"));
  }

  @Test
  void aTestsProposalAppliesAsALiveEditThatCreatesTheTestFile() {
    AiProject p = AiProject.create(server);
    write(p, "src/dates.py", DATES);
    String tests = "from src.dates import parse_date\n\n\ndef test_reads_the_day():\n    assert parse_date(\"2024-01-02\").day == 2\n";
    provider.enqueue(OpenAiWire.answer(List.of(
        "Tests for `parse_date`:\n\n", "```python path=tests/test_dates.py\n", tests, "```\n"), 80, 40));
    ChatCall call = act(p, p.editorToken(), new JsonObject().put("action", "tests").put("path", "src/dates.py"));
    String threadId = call.next().data().getString("threadId");
    List<Event> rest = call.rest();
    Event done = rest.get(rest.size() - 1);
    assertEquals("done", done.name(), done.toString());
    JsonArray proposals = done.data().getJsonArray("proposals");
    assertEquals(1, proposals.size(), done.toString());
    JsonObject proposal = proposals.getJsonObject(0);
    assertEquals("tests/test_dates.py", proposal.getString("path"));
    assertTrue(proposal.getBoolean("creates"));

    JsonObject body = provider.nextExchange().body();
    assertTrue(lastMessage(body, "system").contains("path=<the file's path in the project>"), "the file format is asked for");
    String request = lastMessage(body, "user");
    assertTrue(request.contains("def parse_date(text):") && request.contains("Put them in tests/test_dates.py, a new file"),
        request);

    String id = proposal.getString("id");
    JsonObject stored = p.viewer().get(p.path("/ai/proposals/" + id)).json();
    assertEquals(tests, stored.getString("content"));
    assertEquals(null, stored.getValue("baseText"));
    JsonObject answer = p.viewer().get(p.path("/ai/threads/" + threadId)).json().getJsonArray("messages").getJsonObject(1);
    assertEquals(proposals, answer.getJsonObject("context").getJsonArray("proposals"));

    ApiClient.Response byViewer = p.viewer().post(p.path("/ai/proposals/" + id + "/apply"), new JsonObject());
    assertEquals(403, byViewer.status(), byViewer.toString());
    assertEquals(404, p.outsider().post(p.path("/ai/proposals/" + id + "/apply"), new JsonObject()).status());

    ApiClient.Response applied = p.editor().post(p.path("/ai/proposals/" + id + "/apply"), new JsonObject());
    assertEquals(200, applied.status(), applied.toString());
    assertTrue(applied.json().getBoolean("created"));
    assertTrue(applied.json().getString("appliedAt") != null);
    assertEquals(tests, p.viewer().get(p.path("/files/tests/test_dates.py")).body());
    JsonArray files = p.viewer().get(p.path("/files")).array();
    assertTrue(files.stream().anyMatch(f -> "tests/test_dates.py".equals(((JsonObject) f).getString("path"))), files.encode());
  }

  @Test
  void applyRefusesWhenTheFileChangedSinceTheProposalUnlessForced() {
    AiProject p = AiProject.create(server);
    write(p, "src/dates.py", DATES);
    String refactored = DATES.replace("parse_date", "parse_iso_date");
    provider.enqueue(OpenAiWire.answer(List.of(
        "Renamed.\n\n````python path=src/dates.py\n", refactored, "````\n"), 80, 40));
    ChatCall call = act(p, p.editorToken(), new JsonObject()
        .put("action", "refactor").put("path", "src/dates.py").put("instruction", "rename parse_date to parse_iso_date"));
    call.next();
    List<Event> rest = call.rest();
    JsonObject proposal = rest.get(rest.size() - 1).data().getJsonArray("proposals").getJsonObject(0);
    assertFalse(proposal.getBoolean("creates"));
    String request = lastMessage(provider.nextExchange().body(), "user");
    assertTrue(request.contains("rename parse_date to parse_iso_date"), request);

    // a collaborator edits the file before the proposal is applied
    String edited = DATES + "\n\ndef today():\n    return date.today()\n";
    write(p, "src/dates.py", edited);
    String apply = p.path("/ai/proposals/" + proposal.getString("id") + "/apply");
    ApiClient.Response refused = p.editor().post(apply, new JsonObject());
    assertEquals(409, refused.status(), refused.toString());
    assertEquals("ai_proposal_stale", refused.errorCode());
    assertEquals(edited, p.viewer().get(p.path("/files/src/dates.py")).body(), "nothing was written");

    ApiClient.Response forced = p.editor().post(apply, new JsonObject().put("force", true));
    assertEquals(200, forced.status(), forced.toString());
    assertFalse(forced.json().getBoolean("created"));
    assertEquals(refactored, p.viewer().get(p.path("/files/src/dates.py")).body());
  }

  @Test
  void aProposalForAnUnchangedFileAppliesWithoutForce() {
    AiProject p = AiProject.create(server);
    write(p, "src/dates.py", DATES);
    String documented = DATES.replace("def parse_date(text):\n", "def parse_date(text):\n    # text: an ISO date\n");
    provider.enqueue(OpenAiWire.answer(List.of("```python path=src/dates.py\n", documented, "```\n"), 80, 40));
    ChatCall call = act(p, p.ownerToken(), new JsonObject().put("action", "docs").put("path", "src/dates.py"));
    call.next();
    List<Event> rest = call.rest();
    String id = rest.get(rest.size() - 1).data().getJsonArray("proposals").getJsonObject(0).getString("id");
    provider.nextExchange();
    ApiClient.Response applied = p.editor().post(p.path("/ai/proposals/" + id + "/apply"), new JsonObject());
    assertEquals(200, applied.status(), applied.toString());
    assertEquals(documented, p.viewer().get(p.path("/files/src/dates.py")).body());
    ApiClient.Response again = p.editor().post(p.path("/ai/proposals/" + id + "/apply"), new JsonObject());
    assertEquals(409, again.status(), "the file is no longer the text the proposal replaced: " + again);
  }

  @Test
  void fixSendsTheOutputOfTheLatestFailedRun() throws Exception {
    requireSandbox();
    AiProject p = AiProject.create(server);
    write(p, "main.py", "from src.dates import parse_date\nprint(parse_date(\"2024-13-01\"))\n");
    write(p, "src/__init__.py", "");
    write(p, "src/dates.py", DATES);
    ApiClient.Response started = p.editor().post(p.path("/runs"), new JsonObject().put("command", "python3 main.py"));
    assertEquals(201, started.status(), started.toString());
    String runId = started.json().getString("id");
    JsonObject run = awaitEnd(p, runId);
    assertEquals("failed", run.getString("status"), run.encode());

    provider.enqueue(OpenAiWire.answer(List.of("Check the month first."), 90, 5));
    ChatCall call = act(p, p.editorToken(), new JsonObject().put("action", "fix").put("path", "src/dates.py"));
    assertEquals(200, call.status(), call.status() == 200 ? "" : call.error().encode());
    JsonArray sent = call.next().data().getJsonArray("context");
    assertTrue(sent.stream().anyMatch(o -> new JsonObject().put("kind", "run").put("runId", runId).equals(o)), sent.encode());
    call.rest();
    String request = lastMessage(provider.nextExchange().body(), "user");
    assertTrue(request.contains("ValueError: month must be in 1..12"), request);
    assertTrue(request.contains("python3 main.py") && request.contains("def parse_date(text):"), request);
  }

  @Test
  void fixWithoutAFailedRunAndBadRequestsAreRefusedBeforeAnythingStreams() {
    AiProject p = AiProject.create(server);
    write(p, "src/dates.py", DATES);
    ChatCall noRun = act(p, p.editorToken(), new JsonObject().put("action", "fix").put("path", "src/dates.py"));
    assertEquals(409, noRun.status());
    assertEquals("ai_no_failed_run", noRun.error().getString("code"));

    ChatCall unknown = act(p, p.editorToken(), new JsonObject().put("action", "translate").put("path", "src/dates.py"));
    assertEquals(400, unknown.status());
    assertEquals(400, act(p, p.editorToken(), new JsonObject().put("action", "explain")).status());
    ChatCall missing = act(p, p.editorToken(), new JsonObject().put("action", "tests").put("path", "src/nothing.py"));
    assertEquals(404, missing.status());
    ChatCall byViewer = act(p, p.viewerToken(), new JsonObject().put("action", "explain").put("path", "src/dates.py"));
    assertEquals(403, byViewer.status());
    assertEquals(404, p.viewer().get(p.path("/ai/proposals/" + java.util.UUID.randomUUID())).status());
    JsonArray threads = p.viewer().get(p.path("/ai/threads")).array();
    assertTrue(threads.isEmpty(), "a refused action leaves no thread behind: " + threads.encode());
  }

  // ---- helpers --------------------------------------------------------------------------------

  private static ChatCall act(AiProject p, String token, JsonObject body) {
    return ChatCall.post(server.baseUrl(), token, p.path("/ai/actions"), body);
  }

  private static void write(AiProject p, String path, String text) {
    ApiClient.Response r = p.editor().sendBytes("PUT", p.path("/files/" + path), text.getBytes(StandardCharsets.UTF_8));
    assertTrue(r.status() == 200 || r.status() == 201, r.toString());
  }

  private static String lastMessage(JsonObject request, String role) {
    return request.getJsonArray("messages").stream().map(o -> (JsonObject) o)
        .filter(m -> role.equals(m.getString("role")))
        .map(m -> String.valueOf(m.getValue("content")))
        .reduce((a, b) -> b).orElseThrow();
  }

  private static JsonObject awaitEnd(AiProject p, String runId) throws InterruptedException {
    Set<String> ended = Set.of("succeeded", "failed", "cancelled", "timed_out", "killed");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      JsonObject run = p.viewer().get("/api/runs/" + runId).json();
      if (ended.contains(run.getString("status"))) {
        return run;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("run " + runId + " did not end");
  }

  /** Runs need bubblewrap; without it this test is skipped, unless ENSEMBLE_REQUIRE_SANDBOX=true. */
  private static void requireSandbox() {
    String sandbox = server.client().get("/ready").json().getJsonObject("checks").getString("sandbox", "");
    if (!sandbox.startsWith("bubblewrap")) {
      if ("true".equalsIgnoreCase(System.getenv("ENSEMBLE_REQUIRE_SANDBOX"))) {
        throw new AssertionError("ENSEMBLE_REQUIRE_SANDBOX=true but runs have no sandbox here: " + sandbox);
      }
      Assumptions.abort("no sandbox for runs on this host: " + sandbox);
    }
  }
}
