package dev.ensemble.runs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ensemble.support.MigratedDatabase;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Runs and their whole output are stored as they happen, on real PostgreSQL. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RunStoreTest {
  static MigratedDatabase database;
  static Pool pool;
  static RunStore store;
  static UUID userId;
  static UUID projectId;

  @BeforeAll
  static void open() throws Exception {
    database = MigratedDatabase.open(4);
    pool = database.pool();
    store = new RunStore(pool);
    userId = database.user("ada");
    projectId = database.project(userId);
  }

  @AfterAll
  static void close() throws Exception {
    database.close();
  }

  @Test
  void finishedRunAndItsWholeOutputAreStoredBeyondTheMemoryBacklog() throws Exception {
    RunSandbox sandbox = Sandboxes.sandbox();
    RunRecorder recorder = new RunRecorder(store);
    try (RunSupervisor supervisor =
        new RunSupervisor(sandbox, Sandboxes.limits(), new RunQueue(2, 2, 2, 10), 4096, recorder, true)) {
      Path ws = Sandboxes.workspace(sandbox);
      Run run = supervisor.submit(new RunRequest(UUID.randomUUID(), projectId, userId,
          "for i in $(seq 1 3000); do echo line $i; done; echo oops >&2; exit 2", ws, java.util.Map.of(), false));
      Sandboxes.Viewer live = new Sandboxes.Viewer();
      run.log().subscribe(0, live);
      RunResult result = live.await();
      await(recorder.stored(run.id()));

      RunStore.StoredRun stored = await(store.find(run.id())).orElseThrow();
      assertEquals(RunStatus.FAILED, stored.status());
      assertEquals(2, stored.exitCode().orElseThrow());
      assertEquals(result.outputBytes(), stored.outputBytes());
      assertEquals(result.durationMs(), stored.durationMs().orElseThrow());
      assertTrue(stored.startedAt().isPresent() && stored.finishedAt().isPresent());
      assertEquals(List.of(run.id()), await(store.forProject(projectId, 10)).stream().map(RunStore.StoredRun::id).toList());

      // A viewer arriving now finds only the tail in memory and reads the rest from the store.
      Sandboxes.Viewer late = new Sandboxes.Viewer();
      RunLog.Subscription sub = run.log().subscribe(0, late);
      assertTrue(sub.replayedFrom() > 1, "backlog should have been trimmed to 4 KiB");
      List<RunChunk> whole = new ArrayList<>(await(store.chunksAfter(run.id(), 0, 100_000)));
      assertEquals(RunOutputTest.describe(live.chunks()), RunOutputTest.describe(whole));
      // Read a page at a time, bounded by bytes: every page but the last reaches the bound with its
      // last chunk and not before; together they are the whole output (how many chunks the output
      // came in depends on the reader's timing; the small chunks below fix the pages exactly).
      List<RunChunk> paged = new ArrayList<>();
      for (List<RunChunk> page = await(store.chunksAfter(run.id(), 0, 100_000, 1000)); !page.isEmpty();
          page = await(store.chunksAfter(run.id(), paged.get(paged.size() - 1).seq(), 100_000, 1000))) {
        int bytes = page.stream().mapToInt(c -> c.data().length).sum();
        int beforeLast = bytes - page.get(page.size() - 1).data().length;
        assertTrue(beforeLast < 1000, "a page went on past the byte bound: " + bytes);
        paged.addAll(page);
        if (paged.size() < whole.size()) {
          assertTrue(bytes >= 1000, "a page short of the bound although more output was stored: " + bytes);
        }
      }
      assertEquals(RunOutputTest.describe(whole), RunOutputTest.describe(paged));
      List<RunChunk> gap = await(store.chunksAfter(run.id(), 0, (int) (sub.replayedFrom() - 1)));
      gap.addAll(late.chunks());
      assertEquals(RunOutputTest.describe(live.chunks()), RunOutputTest.describe(gap));

      // Many small chunks: a page of 1000 bytes holds exactly the ten of 100 bytes that reach it.
      long end = whole.get(whole.size() - 1).seq();
      List<RunChunk> small = new ArrayList<>();
      for (int i = 1; i <= 25; i++) {
        small.add(new RunChunk(end + i, RunChunk.Stream.STDOUT, new byte[100]));
      }
      await(store.append(run.id(), small));
      assertEquals(List.of(end + 1, end + 10),
          firstAndLast(await(store.chunksAfter(run.id(), end, 100_000, 1000))));
      assertEquals(List.of(end + 11, end + 20),
          firstAndLast(await(store.chunksAfter(run.id(), end + 10, 100_000, 1000))));
      assertEquals(List.of(end + 21, end + 25),
          firstAndLast(await(store.chunksAfter(run.id(), end + 20, 100_000, 1000))));
      assertEquals(List.of(end + 21, end + 22),
          firstAndLast(await(store.chunksAfter(run.id(), end + 20, 2, 1000))), "the row limit still holds");
    }
  }

  @Test
  void runCancelledWhileQueuedIsStoredAsCancelled() throws Exception {
    RunSandbox sandbox = Sandboxes.sandbox();
    RunRecorder recorder = new RunRecorder(store);
    try (RunSupervisor supervisor =
        new RunSupervisor(sandbox, Sandboxes.limits(), new RunQueue(1, 1, 1, 10), 4096, recorder, true)) {
      Path ws = Sandboxes.workspace(sandbox);
      Run blocker = supervisor.submit(new RunRequest(UUID.randomUUID(), projectId, userId, "sleep 1000.51", ws,
          java.util.Map.of(), false));
      Run waiting = supervisor.submit(new RunRequest(UUID.randomUUID(), projectId, userId, "echo never", ws,
          java.util.Map.of(), false));
      assertTrue(supervisor.cancel(waiting.id()));
      await(recorder.stored(waiting.id()));
      assertEquals(RunStatus.CANCELLED, await(store.find(waiting.id())).orElseThrow().status());
      assertTrue(supervisor.cancel(blocker.id()));
      await(recorder.stored(blocker.id()));
      assertEquals(RunStatus.CANCELLED, await(store.find(blocker.id())).orElseThrow().status());
      // Asking again after the fact answers at once, and the recorder keeps no one waiting.
      assertTrue(recorder.stored(waiting.id()).isComplete());
      assertEquals(0, recorder.waiting());
    }
  }

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  private static List<Long> firstAndLast(List<RunChunk> page) {
    return List.of(page.get(0).seq(), page.get(page.size() - 1).seq());
  }
}
