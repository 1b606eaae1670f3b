package dev.ensemble.sync;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ensemble.config.DatabaseUrl;
import dev.ensemble.support.TestDatabase;
import dev.ensemble.sync.protocol.DocumentId;
import dev.ensemble.sync.store.DocumentStore;
import dev.ensemble.sync.store.DocumentStore.Increment;
import dev.ensemble.sync.store.PgDocumentStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The PostgreSQL document store: ownership, gapless sequence numbers, compaction, loading. */
class SyncDocumentStoreTest {
  private static Vertx vertx;
  private static Pool pool;
  private static DocumentStore store;
  private static UUID projectA;
  private static UUID projectB;
  private static DatabaseUrl db;

  @BeforeAll
  static void setUp() throws Exception {
    db = TestDatabase.fresh();
    Flyway.configure().dataSource(db.jdbcUrl(), db.user(), db.password()).locations("classpath:db/migration").load().migrate();
    try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password())) {
      ResultSet u = c.createStatement().executeQuery(
          "INSERT INTO users (username, display_name) VALUES ('owner', 'Owner') RETURNING id");
      u.next();
      String user = u.getString(1);
      projectA = project(c, user);
      projectB = project(c, user);
    }
    vertx = Vertx.vertx();
    pool = PgBuilder.pool()
        .connectingTo(new PgConnectOptions().setHost(db.host()).setPort(db.port()).setDatabase(db.database())
            .setUser(db.user()).setPassword(db.password()))
        .using(vertx)
        .build();
    store = new PgDocumentStore(pool);
  }

  @AfterAll
  static void tearDown() throws Exception {
    await(pool.close());
    await(vertx.close());
  }

  @Test
  void theFirstProjectToCreateADocumentOwnsIt() throws Exception {
    DocumentId id = DocumentId.random();
    assertEquals(projectA, await(store.create(id, projectA)));
    assertEquals(projectA, await(store.create(id, projectB)), "a second create does not take it over");
    assertEquals(projectA, await(store.load(id)).orElseThrow().projectId());
    assertTrue(await(store.load(DocumentId.random())).isEmpty());
  }

  /**
   * Another node creates the same document at the same moment: its insert is not committed yet
   * when ours starts, so ours waits on it and then finds its row only in a later snapshot.
   */
  @Test
  void aCreateRacingAnotherNodesCreateAnswersTheWinner() throws Exception {
    DocumentId id = DocumentId.random();
    Future<UUID> ours;
    try (Connection other = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password())) {
      other.setAutoCommit(false);
      other.createStatement().executeUpdate(
          "INSERT INTO documents (id, project_id) VALUES ('" + id.uuid() + "', '" + projectB + "')");
      ours = store.create(id, projectA);
      Thread.sleep(300); // ours is now waiting on the other's uncommitted row
      assertTrue(!ours.isComplete(), "the create should wait for the other transaction");
      other.commit();
    }
    assertEquals(projectB, await(ours), "the node that committed first owns the document");
  }

  @Test
  void incrementsAreNumberedWithoutGapsAndFoldedIntoSnapshots() throws Exception {
    DocumentId id = DocumentId.random();
    await(store.create(id, projectA));
    assertEquals(1L, await(store.append(id, new byte[] {1})));
    assertEquals(2L, await(store.append(id, new byte[] {2})));
    assertEquals(3L, await(store.append(id, new byte[] {3})));
    DocumentStore.Stored all = await(store.load(id)).orElseThrow();
    assertEquals(List.of(1L, 2L, 3L), all.increments().stream().map(Increment::seq).toList());
    assertEquals(3, all.lastSeq());
    assertTrue(all.snapshot().isEmpty());

    await(store.compact(id, new byte[] {9, 9}, 2));
    DocumentStore.Stored compacted = await(store.load(id)).orElseThrow();
    assertArrayEquals(new byte[] {9, 9}, compacted.snapshot().orElseThrow());
    assertEquals(2, compacted.snapshotSeq());
    assertEquals(List.of(3L), compacted.increments().stream().map(Increment::seq).toList());
    assertEquals(3, compacted.lastSeq());
    assertEquals(List.of(3L), await(store.changesAfter(id, 2)).stream().map(Increment::seq).toList());
    List<Increment> behind = await(store.changesAfter(id, 1));
    assertEquals(List.of(2L, 3L), behind.stream().map(Increment::seq).toList(),
        "a reader behind the snapshot gets the snapshot first, then what follows it");
    assertArrayEquals(new byte[] {9, 9}, behind.get(0).changes());

    await(store.compact(id, new byte[] {1}, 1));
    assertArrayEquals(new byte[] {9, 9}, await(store.load(id)).orElseThrow().snapshot().orElseThrow(),
        "an older snapshot never replaces a newer one");
    assertEquals(4L, await(store.append(id, new byte[] {4})), "numbering continues after compaction");
  }

  private static UUID project(Connection c, String user) throws Exception {
    ResultSet p = c.createStatement().executeQuery(
        "INSERT INTO projects (name, created_by) VALUES ('p', '" + user + "') RETURNING id");
    p.next();
    return UUID.fromString(p.getString(1));
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}
