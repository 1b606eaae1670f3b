package dev.ensemble.git;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ensemble.support.MigratedDatabase;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Git jobs across nodes, on real PostgreSQL: a job whose node still confirms it is never failed by
 * another node, and one whose node went silent is failed as interrupted by exactly one of the nodes
 * that look for such jobs at the same moment.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class GitJobStoreTest {
  private static final Duration ORPHAN_AFTER = Duration.ofSeconds(60);

  static MigratedDatabase database;
  static Pool pool;
  static UUID userId;

  @BeforeAll
  static void open() throws Exception {
    database = MigratedDatabase.open(8);
    pool = database.pool();
    userId = database.user("ada");
  }

  @AfterAll
  static void close() throws Exception {
    database.close();
  }

  @Test
  void aJobWhoseNodeStillConfirmsItIsNeverFailedByAnotherNode() throws Exception {
    GitJobStore nodeA = new GitJobStore(pool, "node-a");
    GitJobStore nodeB = new GitJobStore(pool, "node-b");
    GitJobStore.Job job = await(nodeA.create(userId, UUID.randomUUID(), "import"));
    await(nodeA.progress(job.id(), GitJobStore.State.RUNNING, "receiving", 10, 100));
    // its progress was last recorded long ago, but its node confirmed it a moment ago
    age(job.id(), Duration.ofMinutes(10));
    await(nodeA.heartbeat(List.of(job.id())));

    // node B starts (it looks for orphans at once), then looks again as it does periodically
    assertEquals(List.of(), await(nodeB.failOrphans(ORPHAN_AFTER, List.of())));
    assertEquals(List.of(), await(nodeB.failOrphans(ORPHAN_AFTER, List.of())));

    GitJobStore.Job now = await(nodeA.find(job.id(), userId)).orElseThrow();
    assertEquals(GitJobStore.State.RUNNING, now.state());
    assertEquals(Optional.of("node-a"), now.nodeId());
    await(nodeA.succeed(job.id(), 100, 100, 0, new io.vertx.core.json.JsonArray()));
    assertEquals(GitJobStore.State.SUCCEEDED, await(nodeA.find(job.id(), userId)).orElseThrow().state(),
        "the job's own node ends it");
  }

  @Test
  void aJobWhoseNodeWentSilentIsFailedOnceWhenTwoNodesLookAtTheSameMoment() throws Exception {
    GitJobStore gone = new GitJobStore(pool, "node-gone");
    GitJobStore.Job job = await(gone.create(userId, UUID.randomUUID(), "import"));
    await(gone.progress(job.id(), GitJobStore.State.RUNNING, "receiving", 10, 100));
    age(job.id(), Duration.ofSeconds(61));

    int rounds = 10;
    List<UUID> ended = new ArrayList<>();
    List<GitJobStore> nodes = List.of(new GitJobStore(pool, "node-a"), new GitJobStore(pool, "node-b"));
    for (int round = 0; round < rounds; round++) {
      List<Future<List<GitJobStore.Job>>> both = nodes.stream()
          .map(n -> n.failOrphans(ORPHAN_AFTER, List.of())).toList();
      await(Future.all(both));
      both.forEach(f -> f.result().forEach(j -> ended.add(j.id())));
    }
    assertEquals(List.of(job.id()), ended, "failed by exactly one node, once");

    GitJobStore.Job now = await(gone.find(job.id(), userId)).orElseThrow();
    assertEquals(GitJobStore.State.FAILED, now.state());
    assertEquals(Optional.of("interrupted"), now.errorCode());
    // the node coming back to life cannot undo it
    await(gone.succeed(job.id(), 100, 100, 0, new io.vertx.core.json.JsonArray()));
    assertEquals(GitJobStore.State.FAILED, await(gone.find(job.id(), userId)).orElseThrow().state());
  }

  @Test
  void aNodeNeverFailsTheJobsItHoldsItself() throws Exception {
    GitJobStore nodeA = new GitJobStore(pool, "node-a");
    GitJobStore.Job job = await(nodeA.create(userId, UUID.randomUUID(), "import"));
    age(job.id(), Duration.ofMinutes(5));
    assertEquals(List.of(), await(nodeA.failOrphans(ORPHAN_AFTER, List.of(job.id()))));
    assertTrue(await(nodeA.find(job.id(), userId)).orElseThrow().state() == GitJobStore.State.QUEUED);
    await(nodeA.finish(job.id(), GitJobStore.State.CANCELLED, Optional.empty(), Optional.empty()));
  }

  /** Makes the job look as if its node last showed a sign of life {@code ago}. */
  private static void age(UUID jobId, Duration ago) throws Exception {
    await(pool.preparedQuery("UPDATE git_jobs SET heartbeat_at = now() - make_interval(secs => $2),"
            + " updated_at = now() - make_interval(secs => $2) WHERE id = $1")
        .execute(Tuple.of(jobId, (double) ago.toSeconds())));
  }

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }
}
