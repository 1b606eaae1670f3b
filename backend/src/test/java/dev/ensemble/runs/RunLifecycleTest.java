package dev.ensemble.runs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Cancelling, queueing and refusing to run unsandboxed. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RunLifecycleTest {

  @Test
  void cancelKillsTheWholeProcessTree() throws Exception {
    RunSandbox sandbox = Sandboxes.sandbox();
    try (RunSupervisor supervisor = new RunSupervisor(sandbox, Sandboxes.limits(), new RunQueue(2, 2, 2, 10))) {
      Path ws = Sandboxes.workspace(sandbox);
      Run run = supervisor.submit(RunRequest.of(UUID.randomUUID(), UUID.randomUUID(),
          "(sleep 1000.41 &) ; sh -c 'sleep 1000.42' & echo started; wait", ws));
      Sandboxes.Viewer v = new Sandboxes.Viewer();
      run.log().subscribe(0, v);
      RunOutputTest.waitUntil(() -> v.all().contains("started"));
      assertTrue(Sandboxes.processesMatching("sleep 1000.42").size() >= 1);
      assertTrue(supervisor.cancel(run.id()));
      RunResult r = v.await();
      assertEquals(RunStatus.CANCELLED, r.status());
      assertTrue(Sandboxes.processesMatching("1000.4").isEmpty());
      assertEquals(RunStatus.CANCELLED, run.status());
    }
  }

  @Test
  void runsBeyondTheProjectCapWaitInAVisibleQueue() throws Exception {
    RunSandbox sandbox = Sandboxes.sandbox();
    try (RunSupervisor supervisor = new RunSupervisor(sandbox, Sandboxes.limits(), new RunQueue(5, 1, 5, 10))) {
      Path ws = Sandboxes.workspace(sandbox);
      UUID project = UUID.randomUUID();
      UUID user = UUID.randomUUID();
      Run first = supervisor.submit(new RunRequest(UUID.randomUUID(), project, user,
          "while [ ! -e go ]; do sleep 0.05; done", ws, Map.of(), false));
      Run second = supervisor.submit(new RunRequest(UUID.randomUUID(), project, user, "echo second", ws, Map.of(), false));
      Run third = supervisor.submit(new RunRequest(UUID.randomUUID(), project, user, "echo third", ws, Map.of(), false));
      Run cancelled = supervisor.submit(new RunRequest(UUID.randomUUID(), project, user, "echo never", ws, Map.of(), false));
      Run otherProject = supervisor.submit(RunRequest.of(UUID.randomUUID(), user, "echo other", ws));
      assertEquals(RunStatus.SUCCEEDED, otherProject.finished().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS).status());
      assertEquals(RunStatus.QUEUED, second.status());
      assertEquals(Optional.of(1), supervisor.queuePosition(second.id()));
      assertEquals(Optional.of(2), supervisor.queuePosition(third.id()));
      assertTrue(supervisor.cancel(cancelled.id()));
      assertEquals(RunStatus.CANCELLED, cancelled.status());
      java.nio.file.Files.writeString(ws.resolve("go"), "");
      for (Run r : new Run[] {first, second, third}) {
        assertEquals(RunStatus.SUCCEEDED, r.finished().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS).status());
      }
      assertTrue(second.result().orElseThrow().startedAt().compareTo(first.result().orElseThrow().startedAt()) > 0);
      assertTrue(supervisor.waiting().isEmpty());
    }
  }

  @Test
  void fullQueueRefusesNewRuns() {
    RunQueue queue = new RunQueue(1, 1, 1, 1);
    UUID user = UUID.randomUUID();
    assertTrue(queue.offer(new RunQueue.Entry(UUID.randomUUID(), user, UUID.randomUUID())));
    assertEquals(false, queue.offer(new RunQueue.Entry(UUID.randomUUID(), user, UUID.randomUUID())));
    assertThrows(RunQueue.QueueFullException.class,
        () -> queue.offer(new RunQueue.Entry(UUID.randomUUID(), user, UUID.randomUUID())));
  }

  @Test
  void hostWithoutIsolationRefusesRunsUnlessUnsafeIsSet() {
    SandboxSupport bare = new SandboxSupport(Optional.empty(), false, false, java.util.Set.of(),
        Sandboxes.support().prlimit(), Sandboxes.support().setpriv(), Sandboxes.support().root());
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> RunSandbox.create(bare, 61000, false));
    assertTrue(e.getMessage().contains("ENSEMBLE_RUN_UNSAFE_UNSANDBOXED"));
    RunSandbox unsafe = RunSandbox.create(bare, 61000, true);
    assertTrue(unsafe.description().startsWith("UNSAFE"));
  }

  @Test
  void thisHostIsolatesWithBubblewrap() {
    assertEquals("bubblewrap+rlimits", Sandboxes.support().description(), Sandboxes.support().toString());
  }

  @Test
  void limitsAreReadFromSettings() {
    RunLimits l = RunLimits.fromEnv(Map.of("ENSEMBLE_RUN_WALL_SECONDS", "7", "ENSEMBLE_RUN_OUTPUT_BYTES", "2048"));
    assertEquals(7, l.wallTime().toSeconds());
    assertEquals(2048, l.outputBytes());
    assertEquals(RunLimits.defaults().memoryBytes(), l.memoryBytes());
    assertThrows(dev.ensemble.config.ConfigException.class,
        () -> RunLimits.fromEnv(Map.of("ENSEMBLE_RUN_MAX_PROCESSES", "lots")));
  }
}
