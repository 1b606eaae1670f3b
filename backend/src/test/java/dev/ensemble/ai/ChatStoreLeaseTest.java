package dev.ensemble.ai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ensemble.support.MigratedDatabase;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Answers whose node went away, as the store ends them on real PostgreSQL: only when their node
 * stopped confirming it is alive, never a live node's or the ending node's own, once however many
 * nodes try at the same moment.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ChatStoreLeaseTest {
  private static final Duration AFTER = Duration.ofSeconds(30);
  static MigratedDatabase database;
  static Pool pool;
  static UUID userId;
  static UUID projectId;

  @BeforeAll
  static void open() throws Exception {
    database = MigratedDatabase.open(4);
    pool = database.pool();
    userId = database.user("ada");
    projectId = database.project(userId);
  }

  @AfterAll
  static void close() throws Exception {
    database.close();
  }

  @Test
  void anAnswerOfANodeThatStoppedConfirmingEndsInterruptedWithItsStoredText() throws Exception {
    ChatStore gone = new ChatStore(pool, "gone-" + UUID.randomUUID());
    ChatStore survivor = new ChatStore(pool, "survivor-" + UUID.randomUUID());
    await(gone.renewLease());
    UUID thread = thread(gone);
    UUID withText = answer(gone, thread);
    await(gone.streamed(withText, 7, 0, "half an ans"));
    UUID empty = answer(gone, thread);
    UUID step = step(thread, withText, "pending");
    age("ai_messages", "created_at", withText, empty);
    age("ai_nodes", "heartbeat_at");

    List<ChatStore.Interrupted> ended = await(survivor.endOrphans(AFTER));

    assertEquals(2, ended.stream().filter(a -> a.threadId().equals(thread) && a.projectId().equals(projectId)).count());
    ChatStore.ChatMessage partial = await(survivor.answer(withText)).orElseThrow().message();
    assertEquals(MessageStatus.PARTIAL, partial.status());
    assertEquals("half an ans", partial.content());
    assertEquals(Optional.of("ai_answer_interrupted"), partial.errorCode());
    assertTrue(partial.finishedAt().isPresent());
    assertEquals(MessageStatus.ERROR, await(survivor.answer(empty)).orElseThrow().message().status());
    assertEquals("cancelled", value("SELECT status FROM ai_agent_steps WHERE id = $1", step));
    await(gone.streamed(withText, 8, 0, "half an answer, too late"));
    assertEquals("half an ans", await(survivor.answer(withText)).orElseThrow().message().content(),
        "a late store of the dead node changes nothing");
    assertEquals(List.of(), await(survivor.endOrphans(AFTER)), "ended once");
  }

  @Test
  void aLiveNodesAnswersAndTheNodesOwnAreNeverEnded() throws Exception {
    ChatStore live = new ChatStore(pool, "live-" + UUID.randomUUID());
    ChatStore other = new ChatStore(pool, "other-" + UUID.randomUUID());
    UUID thread = thread(live);
    UUID answer = answer(live, thread);
    age("ai_messages", "created_at", answer);
    await(live.renewLease());

    assertTrue(await(other.endOrphans(AFTER)).stream().noneMatch(a -> a.messageId().equals(answer)),
        "its node confirmed it within the period");
    age("ai_nodes", "heartbeat_at");
    assertTrue(await(live.endOrphans(Duration.ZERO)).stream().noneMatch(a -> a.messageId().equals(answer)),
        "a node never ends its own answers");
    assertEquals(MessageStatus.STREAMING, await(live.answer(answer)).orElseThrow().message().status());
    await(live.renewLease());
  }

  @Test
  void nodesEndingOrphansAtTheSameMomentEndEachAnswerOnce() throws Exception {
    ChatStore gone = new ChatStore(pool, "gone-" + UUID.randomUUID());
    UUID thread = thread(gone);
    List<UUID> answers = List.of(answer(gone, thread), answer(gone, thread), answer(gone, thread));
    age("ai_messages", "created_at", answers.toArray(new UUID[0]));
    List<ChatStore> nodes = List.of(new ChatStore(pool, "n1"), new ChatStore(pool, "n2"), new ChatStore(pool, "n3"));

    List<List<ChatStore.Interrupted>> all = await(Future.all(nodes.stream().map(n -> n.endOrphans(AFTER)).toList()))
        .list();

    List<UUID> ended = all.stream().flatMap(List::stream).map(ChatStore.Interrupted::messageId)
        .filter(answers::contains).sorted().toList();
    assertEquals(answers.stream().sorted().toList(), ended, "each answer ended by exactly one node");
  }

  private static UUID thread(ChatStore store) throws Exception {
    return await(store.createThread(projectId, userId, "t")).id();
  }

  private static UUID answer(ChatStore store, UUID thread) throws Exception {
    return await(store.ask(thread, userId, "q", Optional.empty(), Optional.empty(), "m")).answerId();
  }

  private static UUID step(UUID thread, UUID answer, String status) throws Exception {
    UUID id = UUID.randomUUID();
    await(pool.preparedQuery("INSERT INTO ai_agent_steps (id, thread_id, message_id, seq, kind, tool, status)"
            + " VALUES ($1, $2, $3, 1, 'tool', 'delete_file', $4)")
        .execute(Tuple.of(id, thread, answer, status)));
    return id;
  }

  /** Moves a time back past the orphan period: of the given rows, or of every row. */
  private static void age(String table, String column, UUID... ids) throws Exception {
    String sql = "UPDATE " + table + " SET " + column + " = " + column + " - interval '1 hour'";
    if (ids.length == 0) {
      await(pool.query(sql).execute());
    } else {
      await(pool.preparedQuery(sql + " WHERE id = ANY($1)").execute(Tuple.tuple().addArrayOfUUID(ids)));
    }
  }

  private static String value(String sql, UUID id) throws Exception {
    Row r = await(pool.preparedQuery(sql).execute(Tuple.of(id))).iterator().next();
    return r.getString(0);
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
  }
}
