package dev.ensemble.runs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ensemble.ai.support.AiProject;
import dev.ensemble.support.ApiClient;
import dev.ensemble.support.LiveClient;
import dev.ensemble.support.TestServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Runs through the API and the live channel, with real sandboxed processes: what collaborators
 * wrote is what runs, every viewer sees the same output in order, and limits and roles hold.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class RunApiTest {
  private static final Set<String> FINAL = Set.of("succeeded", "failed", "cancelled", "timed_out", "killed");
  private static TestServer server;

  @BeforeAll
  static void start() {
    Sandboxes.support(); // skips without a sandbox on this host
    server = TestServer.start(Map.of(
        "ENSEMBLE_RUN_WALL_SECONDS", "2",
        "ENSEMBLE_RUN_KILL_GRACE_SECONDS", "1",
        "ENSEMBLE_RUN_MAX_PER_PROJECT", "4",
        "ENSEMBLE_RUN_MAX_PER_USER", "4"));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void readinessNamesTheIsolationInUse() {
    ApiClient anyone = server.client();
    JsonObject ready = anyone.get("/ready").json();
    assertEquals("bubblewrap+seccomp+rlimits", ready.getJsonObject("checks").getString("sandbox"));
  }

  @Test
  void twoViewersSeeTheSameOutputLiveWithStdoutAndStderrApart() throws Exception {
    AiProject p = AiProject.create(server);
    write(p, "main.py", """
        import sys, time
        for i in range(20):
            print(f"out {i}", flush=True)
            print(f"err {i}", file=sys.stderr, flush=True)
            time.sleep(0.01)
        """);
    try (LiveClient viewer = LiveClient.connect(server, p.id(), p.viewerToken());
        LiveClient owner = LiveClient.connect(server, p.id(), p.ownerToken())) {
      ApiClient.Response created = p.editor().post(p.path("/runs"), new JsonObject().put("command", "python3 main.py"));
      assertEquals(201, created.status(), created.toString());
      String runId = created.json().getString("id");
      assertTrue(Set.of("queued", "running").contains(created.json().getString("status")));
      for (LiveClient c : List.of(viewer, owner)) {
        JsonObject started = c.next(m -> "started".equals(m.getString("event")) && runId.equals(m.getString("runId")));
        assertEquals("python3 main.py", started.getString("command"));
        c.subscribeRun(runId, 0);
      }
      List<JsonObject> seenByViewer = untilEnd(viewer, runId);
      List<JsonObject> seenByOwner = untilEnd(owner, runId);
      assertEquals(segments(seenByViewer), segments(seenByOwner), "identical output, in the same order");
      assertEquals(expected("out", 20), text(seenByViewer, "stdout"));
      assertEquals(expected("err", 20), text(seenByViewer, "stderr"));
      JsonObject status = seenByViewer.get(seenByViewer.size() - 1);
      assertEquals("succeeded", status.getString("status"));
      assertEquals(0, status.getInteger("exitCode"));
      assertSequenceNumbersIncrease(seenByViewer);
    }
  }

  @Test
  void aLateViewerGetsTheRestAfterItsLastSequenceNumber() throws Exception {
    AiProject p = AiProject.create(server);
    write(p, "main.py", """
        import sys
        for i in range(300):
            print(f"line {i}", flush=True)
            if i % 50 == 0:
                print(f"warn {i}", file=sys.stderr, flush=True)
        """);
    String runId = startRun(p, "python3 main.py");
    try (LiveClient first = LiveClient.connect(server, p.id(), p.ownerToken())) {
      first.subscribeRun(runId, 0);
      List<JsonObject> all = untilEnd(first, runId);
      List<JsonObject> output = all.stream().filter(m -> "output".equals(m.getString("event"))).toList();
      assertTrue(output.size() >= 2, "several output messages: " + output.size());
      long resumeAfter = output.get(output.size() / 2).getLong("seq");
      try (LiveClient late = LiveClient.connect(server, p.id(), p.viewerToken())) {
        late.subscribeRun(runId, resumeAfter);
        List<JsonObject> rest = untilEnd(late, runId);
        List<JsonObject> expectedRest = output.stream().filter(m -> m.getLong("seq") > resumeAfter).toList();
        assertEquals(segments(expectedRest), segments(rest.subList(0, rest.size() - 1)));
        assertTrue(rest.stream().filter(m -> "output".equals(m.getString("event")))
            .allMatch(m -> m.getLong("firstSeq") > resumeAfter), "nothing at or before the resume point");
      }
      // The whole log, as text and as a download, is the output in sequence order.
      StringBuilder everything = new StringBuilder();
      output.forEach(m -> everything.append(m.getString("data")));
      ApiClient.Response log = p.viewer().get("/api/runs/" + runId + "/log");
      assertEquals(200, log.status());
      assertTrue(log.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
      assertEquals(everything.toString(), log.body());
      ApiClient.Response download = p.viewer().get("/api/runs/" + runId + "/log?download=1");
      assertEquals(everything.toString(), download.body());
      assertTrue(download.headers().firstValue("Content-Disposition").orElse("").startsWith("attachment"),
          download.headers().toString());
    }
  }

  @Test
  void aSubscriptionOvertakenByTheEndOfItsRunStillGetsTheOutputThenTheEnd() throws Exception {
    AiProject p = AiProject.create(server);
    try (LiveClient viewer = LiveClient.connect(server, p.id(), p.viewerToken())) {
      String runId = startRun(p, "echo one; echo two");
      // The run ends before the viewer subscribes: the end is announced to it first, as to everyone.
      JsonObject announced = viewer.next(m -> runId.equals(m.getString("runId")) && "status".equals(m.getString("event"))
          && FINAL.contains(m.getString("status")));
      assertEquals("succeeded", announced.getString("status"));
      viewer.subscribeRun(runId, 0);
      List<JsonObject> subscription = untilEnd(viewer, runId);
      assertEquals(List.of("stdout:one\ntwo\n"), segments(subscription));
      assertEquals("succeeded", subscription.get(subscription.size() - 1).getString("status"));
    }
  }

  @Test
  void theRunSeesExactlyWhatCollaboratorsWrote() throws Exception {
    AiProject p = AiProject.create(server);
    write(p, "lib/data.txt", "first version\n");
    write(p, "main.py", "print(open('lib/data.txt').read(), end='')\nimport os\nprint(sorted(os.listdir('.')))\n");
    assertEquals("first version\n['lib', 'main.py']\n", outputOf(p, startRun(p, "python3 main.py")));
    write(p, "lib/data.txt", "second version\n");
    write(p, "extra.txt", "x");
    assertEquals(204, p.owner().delete(p.path("/files/extra.txt")).status());
    assertEquals("second version\n['lib', 'main.py']\n", outputOf(p, startRun(p, "python3 main.py")));
  }

  @Test
  void cancelStopsARunningRun() throws Exception {
    AiProject p = AiProject.create(server);
    write(p, "main.py", "import time\nprint('started', flush=True)\ntime.sleep(30)\n");
    String runId = startRun(p, "python3 main.py");
    awaitStatus(p.viewer(), runId, Set.of("running"));
    ApiClient.Response cancel = p.editor().post("/api/runs/" + runId + "/cancel", null);
    assertEquals(200, cancel.status(), cancel.toString());
    assertTrue(cancel.json().getBoolean("cancelled"));
    assertEquals("cancelled", awaitStatus(p.viewer(), runId, FINAL).getString("status"));
  }

  @Test
  void theWallTimeLimitFromTheSettingsEndsARunAsTimedOut() throws Exception {
    AiProject p = AiProject.create(server);
    long start = System.nanoTime();
    String runId = startRun(p, "sleep 30");
    JsonObject run = awaitStatus(p.viewer(), runId, FINAL);
    assertEquals("timed_out", run.getString("status"));
    assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(15), "stopped near the 2 s limit");
    assertTrue(run.getLong("durationMs") >= 1900, run.encode());
  }

  @Test
  void viewersCannotStartOrCancelAndStrangersSeeNothing() throws Exception {
    AiProject p = AiProject.create(server);
    JsonObject command = new JsonObject().put("command", "true");
    ApiClient.Response byViewer = p.viewer().post(p.path("/runs"), command);
    assertEquals(403, byViewer.status());
    assertEquals(404, p.outsider().post(p.path("/runs"), command).status());
    String runId = startRun(p, "echo hi");
    awaitStatus(p.viewer(), runId, FINAL);
    assertEquals(200, p.viewer().get("/api/runs/" + runId).status());
    assertEquals(403, p.viewer().post("/api/runs/" + runId + "/cancel", null).status());
    for (String path : List.of("/api/runs/" + runId, "/api/runs/" + runId + "/log", p.path("/runs"),
        p.path("/run-configurations"))) {
      ApiClient.Response r = p.outsider().get(path);
      assertEquals(404, r.status(), path + ": " + r);
    }
    assertEquals(404, p.outsider().post("/api/runs/" + runId + "/cancel", null).status());
    assertEquals(400, p.editor().post(p.path("/runs"), new JsonObject()).status());
    assertEquals(400, p.editor().post(p.path("/runs"), new JsonObject().put("command", "true").put("configuration", "x")).status());
  }

  @Test
  void historyListsTheProjectsRunsNewestFirst() throws Exception {
    AiProject p = AiProject.create(server);
    String first = startRun(p, "echo one");
    awaitStatus(p.viewer(), first, FINAL);
    String second = startRun(p, "echo two; exit 3");
    JsonObject ended = awaitStatus(p.viewer(), second, FINAL);
    assertEquals("failed", ended.getString("status"));
    assertEquals(3, ended.getInteger("exitCode"));
    JsonArray history = p.viewer().get(p.path("/runs")).array();
    assertEquals(List.of(second, first), history.stream().map(o -> ((JsonObject) o).getString("id")).toList());
    JsonObject newest = history.getJsonObject(0);
    assertEquals("echo two; exit 3", newest.getString("command"));
    assertEquals(p.id(), newest.getString("projectId"));
    assertEquals("two\n".length(), newest.getLong("outputBytes"));
    assertFalse(newest.getBoolean("truncated"));
    assertTrue(newest.getString("startedAt") != null && newest.getLong("durationMs") != null);
  }

  @Test
  void configurationsAreDetectedFromTheFilesAndCanBeSavedAndRun() throws Exception {
    AiProject p = AiProject.create(server);
    write(p, "package.json", "{\"name\": \"x\", \"scripts\": {\"test\": \"node t.js\", \"build\": \"tsc\"}}");
    write(p, "main.py", "import os\nprint(os.environ.get('GREETING'), os.getcwd())\n");
    write(p, "Makefile", "CC := gcc\n.PHONY: all\nall: build\n\tcc x.c\nclean:\n\trm -f x\n%.o: %.c\n\tcc $<\n");
    write(p, "tools/where.py", "import os\nprint(os.getcwd())\n");
    List<String> detected = names(p.viewer().get(p.path("/run-configurations")).array(), true);
    assertEquals(List.of("npm run test", "npm run build", "python3 main.py", "make all", "make clean"), detected);

    JsonObject save = new JsonObject().put("configurations", new JsonArray()
        .add(new JsonObject().put("name", "greet").put("command", "python3 main.py")
            .put("env", new JsonObject().put("GREETING", "hello")))
        .add(new JsonObject().put("name", "where").put("command", "python3 where.py").put("workingDirectory", "tools")));
    assertEquals(403, p.viewer().send("PUT", p.path("/run-configurations"), save.encode(), "application/json").status());
    ApiClient.Response saved = p.editor().send("PUT", p.path("/run-configurations"), save.encode(), "application/json");
    assertEquals(200, saved.status(), saved.toString());
    assertEquals(List.of("greet", "where"), names(saved.array(), false));
    assertEquals(detected, names(saved.array(), true));

    String greet = p.editor().post(p.path("/runs"), new JsonObject().put("configuration", "greet")).json().getString("id");
    assertEquals("hello /workspace\n", outputOf(p, greet));
    String where = p.editor().post(p.path("/runs"), new JsonObject().put("configuration", "where")).json().getString("id");
    assertEquals("/workspace/tools\n", outputOf(p, where));
    ApiClient.Response unknown = p.editor().post(p.path("/runs"), new JsonObject().put("configuration", "nope"));
    assertEquals(400, unknown.status());
    ApiClient.Response escape = p.editor().send("PUT", p.path("/run-configurations"), new JsonObject().put("configurations",
        new JsonArray().add(new JsonObject().put("name", "x").put("command", "ls").put("workingDirectory", "../.."))).encode(),
        "application/json");
    assertEquals(400, escape.status());
  }

  @Test
  void unknownRunsAreReportedOnTheLiveChannelWithoutClosingIt() throws Exception {
    AiProject p = AiProject.create(server);
    AiProject other = AiProject.create(server);
    String foreign = startRun(other, "echo elsewhere");
    try (LiveClient c = LiveClient.connect(server, p.id(), p.ownerToken())) {
      c.send(new JsonObject().put("type", "subscribe-run").put("runId", foreign).put("afterSeq", 0));
      JsonObject error = c.next(m -> "error".equals(m.getString("event")));
      assertEquals("not_found", error.getString("code"));
      c.send(new JsonObject().put("type", "ping"));
      c.next(m -> "pong".equals(m.getString("type")));
    }
  }

  // --- helpers ----------------------------------------------------------------------------------

  @Test
  void onlyTheOwnerLetsRunsUseTheNetworkAndThenTheyReachOtherHostsButNotTheServer() throws Exception {
    Sandboxes.requireNetwork(Sandboxes.sandbox());
    java.net.InetAddress outside = Sandboxes.nonLoopbackAddress();
    AiProject p = AiProject.create(server);
    JsonObject initial = p.viewer().get(p.path("/run-network")).json();
    assertEquals(false, initial.getBoolean("allowNetwork"));
    assertEquals(true, initial.getBoolean("networkAvailable"), initial.encode());

    try (java.net.ServerSocket external = new java.net.ServerSocket(0, 10, outside)) {
      // The server's loopback is reached, if at all, through slirp's gateway 10.0.2.2. On some
      // networks 10.0.2.2 is also a real host that accepts connections, so only an answer from
      // this server (the project's setting, read with the owner's token) counts as reaching it.
      write(p, "probe.py", "import socket, urllib.request, urllib.error\n"
          + "try:\n    socket.create_connection(('" + outside.getHostAddress() + "', " + external.getLocalPort()
          + "), timeout=2); print('CONNECTED', '" + outside.getHostAddress() + "')\n"
          + "except OSError:\n    print('refused', '" + outside.getHostAddress() + "')\n"
          + "req = urllib.request.Request('http://10.0.2.2:" + server.port() + p.path("/run-network")
          + "', headers={'Authorization': 'Bearer " + p.ownerToken() + "'})\n"
          + "try:\n    body = urllib.request.urlopen(req, timeout=3).read().decode('utf-8', 'replace')\n"
          + "    print('REACHED ENSEMBLE' if 'allowNetwork' in body else 'reached another host')\n"
          + "except urllib.error.HTTPError as e:\n    print('HTTP', e.code, 'from another host')\n"
          + "except Exception as e:\n    print('server unreachable', type(e).__name__)\n");
      assertTrue(outputOf(p, startRun(p, "python3 probe.py")).contains("refused " + outside.getHostAddress()),
          "no network until the owner allows it");

      JsonObject allow = new JsonObject().put("allowNetwork", true);
      assertEquals(403, p.editor().send("PUT", p.path("/run-network"), allow.encode(), "application/json").status());
      assertEquals(403, p.viewer().send("PUT", p.path("/run-network"), allow.encode(), "application/json").status());
      assertEquals(404, p.outsider().get(p.path("/run-network")).status());
      assertEquals(400, p.owner().send("PUT", p.path("/run-network"), "{\"allowNetwork\":\"yes\"}", "application/json").status());
      ApiClient.Response allowed = p.owner().send("PUT", p.path("/run-network"), allow.encode(), "application/json");
      assertEquals(200, allowed.status(), allowed.toString());
      assertEquals(true, allowed.json().getBoolean("allowNetwork"));
      assertEquals(true, p.editor().get(p.path("/run-network")).json().getBoolean("allowNetwork"));

      String log = outputOf(p, startRun(p, "python3 probe.py"));
      assertTrue(log.contains("CONNECTED " + outside.getHostAddress()), log);
      assertTrue(!log.contains("REACHED ENSEMBLE") && log.contains("CONNECTED"),
          "the server's own loopback stays out of reach: " + log);

      assertEquals(200, p.owner().send("PUT", p.path("/run-network"), new JsonObject().put("allowNetwork", false).encode(),
          "application/json").status());
      assertTrue(outputOf(p, startRun(p, "python3 probe.py")).contains("refused " + outside.getHostAddress()),
          "switched off again");
    }
  }

  @Test
  void anOperatorCanForbidNetworkForEveryProject() {
    try (TestServer closed = TestServer.start(Map.of("ENSEMBLE_RUN_NETWORK", "never"))) {
      AiProject p = AiProject.create(closed);
      JsonObject setting = p.owner().get(p.path("/run-network")).json();
      assertEquals(false, setting.getBoolean("networkAvailable"));
      assertTrue(setting.getString("reason").contains("ENSEMBLE_RUN_NETWORK"), setting.encode());
      ApiClient.Response refused = p.owner().send("PUT", p.path("/run-network"),
          new JsonObject().put("allowNetwork", true).encode(), "application/json");
      assertEquals(409, refused.status(), refused.toString());
      assertEquals("network_unavailable", refused.errorCode());
    }
  }

  private static void write(AiProject p, String path, String content) {
    ApiClient.Response r = p.owner().sendBytes("PUT", p.path("/files/" + path), content.getBytes(StandardCharsets.UTF_8));
    assertTrue(r.status() == 200 || r.status() == 201, "writing " + path + ": " + r);
  }

  private static String startRun(AiProject p, String command) {
    ApiClient.Response r = p.editor().post(p.path("/runs"), new JsonObject().put("command", command));
    assertEquals(201, r.status(), r.toString());
    return r.json().getString("id");
  }

  /** Waits (polling the API) until the run's status is one of {@code statuses}. */
  private static JsonObject awaitStatus(ApiClient client, String runId, Set<String> statuses) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      JsonObject run = client.get("/api/runs/" + runId).json();
      if (statuses.contains(run.getString("status"))) {
        return run;
      }
      assertTrue(System.nanoTime() < deadline, "run " + runId + " reached " + statuses + "; last: " + run.encode());
      Thread.sleep(50);
    }
  }

  /** The run's whole output once it has ended. */
  private static String outputOf(AiProject p, String runId) throws InterruptedException {
    JsonObject run = awaitStatus(p.viewer(), runId, FINAL);
    String log = p.viewer().get("/api/runs/" + runId + "/log").body();
    assertEquals("succeeded", run.getString("status"), log);
    return log;
  }

  private static List<JsonObject> untilEnd(LiveClient c, String runId) throws InterruptedException {
    return c.runUntil(runId, m -> "status".equals(m.getString("event")) && FINAL.contains(m.getString("status")));
  }

  /** Output as (stream, text) segments, adjacent pieces of one stream joined: independent of batching. */
  private static List<String> segments(List<JsonObject> messages) {
    List<String> out = new ArrayList<>();
    String stream = null;
    StringBuilder text = new StringBuilder();
    for (JsonObject m : messages) {
      if (!"output".equals(m.getString("event"))) {
        continue;
      }
      if (!m.getString("stream").equals(stream) && stream != null) {
        out.add(stream + ":" + text);
        text.setLength(0);
      }
      stream = m.getString("stream");
      text.append(m.getString("data"));
    }
    if (stream != null) {
      out.add(stream + ":" + text);
    }
    return out;
  }

  private static String text(List<JsonObject> messages, String stream) {
    StringBuilder s = new StringBuilder();
    messages.stream().filter(m -> "output".equals(m.getString("event")) && stream.equals(m.getString("stream")))
        .forEach(m -> s.append(m.getString("data")));
    return s.toString();
  }

  private static String expected(String prefix, int n) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < n; i++) {
      s.append(prefix).append(' ').append(i).append('\n');
    }
    return s.toString();
  }

  private static void assertSequenceNumbersIncrease(List<JsonObject> messages) {
    long last = 0;
    for (JsonObject m : messages) {
      if ("output".equals(m.getString("event"))) {
        assertEquals(last + 1, m.getLong("firstSeq"), "no gap before " + m.encode());
        assertTrue(m.getLong("seq") >= m.getLong("firstSeq"));
        last = m.getLong("seq");
      }
    }
  }

  private static List<String> names(JsonArray configurations, boolean detected) {
    return configurations.stream().map(o -> (JsonObject) o)
        .filter(c -> c.getBoolean("detected") == detected)
        .map(c -> c.getString("name"))
        .toList();
  }
}
