package dev.ensemble.runs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Programs in three languages run in the sandbox and every viewer sees the same ordered output. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RunOutputTest {
  static RunSandbox sandbox;
  static RunSupervisor supervisor;

  @BeforeAll
  static void start() {
    sandbox = Sandboxes.sandbox();
    supervisor = new RunSupervisor(sandbox, Sandboxes.limits(), new RunQueue(4, 4, 8, 100));
  }

  @AfterAll
  static void stop() {
    supervisor.close();
  }

  @Test
  void pythonOutputArrivesInOrderWithStreamsApart() throws Exception {
    Path ws = Sandboxes.workspace(sandbox);
    Files.writeString(ws.resolve("main.py"),
        "import sys\nfor i in range(200):\n"
            + "    print('out', i, flush=True)\n    print('err', i, file=sys.stderr, flush=True)\n");
    Sandboxes.Viewer v = Sandboxes.run(supervisor, ws, "python3 main.py");
    RunResult r = v.await();
    assertEquals(RunStatus.SUCCEEDED, r.status(), v.all());
    assertEquals(0, r.exitCode().orElseThrow());
    assertEquals(lines("out", 200), v.text(RunChunk.Stream.STDOUT));
    assertEquals(lines("err", 200), v.text(RunChunk.Stream.STDERR));
    assertSequenceHasNoGaps(v.chunks());
    assertEquals(v.all().length(), r.outputBytes());
  }

  @Test
  void nodeProgramRuns() throws Exception {
    Path ws = Sandboxes.workspace(sandbox);
    Files.writeString(ws.resolve("index.js"),
        "for (let i = 0; i < 50; i++) console.log('out', i);\nconsole.error('done');\n");
    Sandboxes.Viewer v = Sandboxes.run(supervisor, ws, "node index.js");
    assertEquals(RunStatus.SUCCEEDED, v.await().status(), v.all());
    assertEquals(lines("out", 50), v.text(RunChunk.Stream.STDOUT));
    assertEquals("done\n", v.text(RunChunk.Stream.STDERR));
  }

  @Test
  void javaProgramRunsAndItsFailureIsReported() throws Exception {
    Path ws = Sandboxes.workspace(sandbox);
    Files.writeString(ws.resolve("Main.java"),
        "public class Main { public static void main(String[] a) {"
            + " for (int i = 0; i < 20; i++) System.out.println(\"out \" + i);"
            + " System.err.println(\"bye\"); System.exit(3); } }\n");
    Sandboxes.Viewer v = Sandboxes.run(supervisor, ws, "java Main.java");
    RunResult r = v.await();
    assertEquals(RunStatus.FAILED, r.status(), v.all());
    assertEquals(3, r.exitCode().orElseThrow());
    assertEquals(lines("out", 20), v.text(RunChunk.Stream.STDOUT));
    assertTrue(v.text(RunChunk.Stream.STDERR).contains("bye"));
  }

  @Test
  void twoViewersReceiveIdenticalSequences() throws Exception {
    Path ws = Sandboxes.workspace(sandbox);
    Run run = supervisor.submit(request(ws,
        "for i in $(seq 0 299); do echo out $i; echo err $i >&2; done"), Sandboxes.limits());
    Sandboxes.Viewer a = new Sandboxes.Viewer();
    Sandboxes.Viewer b = new Sandboxes.Viewer();
    run.log().subscribe(0, a);
    run.log().subscribe(0, b);
    assertEquals(RunStatus.SUCCEEDED, a.await().status());
    b.await();
    assertEquals(describe(a.chunks()), describe(b.chunks()));
    assertEquals(lines("out", 300), a.text(RunChunk.Stream.STDOUT));
    assertSequenceHasNoGaps(a.chunks());
  }

  @Test
  void lateViewerGetsBacklogFromItsSequenceThenLiveOutput() throws Exception {
    Path ws = Sandboxes.workspace(sandbox);
    // Prints five lines, waits for the file "go", then prints five more.
    Run run = supervisor.submit(request(ws,
        "for i in 1 2 3 4 5; do echo early $i; done; while [ ! -e go ]; do sleep 0.05; done;"
            + " for i in 1 2 3 4 5; do echo late $i; done"), Sandboxes.limits());
    Sandboxes.Viewer early = new Sandboxes.Viewer();
    run.log().subscribe(0, early);
    waitUntil(() -> early.text(RunChunk.Stream.STDOUT).contains("early 5"));
    long resumeAfter = early.chunks().get(0).seq();
    Sandboxes.Viewer late = new Sandboxes.Viewer();
    RunLog.Subscription sub = run.log().subscribe(resumeAfter, late);
    assertEquals(resumeAfter + 1, sub.replayedFrom());
    Files.writeString(ws.resolve("go"), "");
    assertEquals(RunStatus.SUCCEEDED, late.await().status());
    early.await();
    List<RunChunk> all = early.chunks();
    assertEquals(describe(all.subList(1, all.size())), describe(late.chunks()));
    assertTrue(late.all().contains("late 5"));
  }

  @Test
  void twoRunsAtOnceInOneProjectKeepTheirOutputApart() throws Exception {
    Path ws = Sandboxes.workspace(sandbox);
    UUID project = UUID.randomUUID();
    CountDownLatch both = new CountDownLatch(2);
    Run first = supervisor.submit(new RunRequest(UUID.randomUUID(), project, UUID.randomUUID(),
        "touch a; while [ ! -e b ]; do sleep 0.05; done; echo first", ws, java.util.Map.of(), false), Sandboxes.limits());
    Run second = supervisor.submit(new RunRequest(UUID.randomUUID(), project, UUID.randomUUID(),
        "touch b; while [ ! -e a ]; do sleep 0.05; done; echo second", ws, java.util.Map.of(), false), Sandboxes.limits());
    Sandboxes.Viewer v1 = new Sandboxes.Viewer();
    Sandboxes.Viewer v2 = new Sandboxes.Viewer();
    first.log().subscribe(0, v1);
    second.log().subscribe(0, v2);
    assertEquals(RunStatus.SUCCEEDED, v1.await().status());
    assertEquals(RunStatus.SUCCEEDED, v2.await().status());
    assertEquals("first\n", v1.all());
    assertEquals("second\n", v2.all());
  }

  static RunRequest request(Path ws, String command) {
    return RunRequest.of(UUID.randomUUID(), UUID.randomUUID(), command, ws);
  }

  static String lines(String prefix, int n) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < n; i++) {
      s.append(prefix).append(' ').append(i).append('\n');
    }
    return s.toString();
  }

  static List<String> describe(List<RunChunk> chunks) {
    return chunks.stream().map(c -> c.seq() + " " + c.stream().wire() + " " + c.text()).toList();
  }

  static void assertSequenceHasNoGaps(List<RunChunk> chunks) {
    for (int i = 0; i < chunks.size(); i++) {
      assertEquals(i + 1, chunks.get(i).seq());
    }
  }

  static void waitUntil(java.util.function.BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met in 30 s");
      }
      Thread.sleep(20);
    }
  }
}
