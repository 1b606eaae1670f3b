package dev.ensemble.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ensemble.cluster.LocalBus;
import dev.ensemble.sync.protocol.DocumentId;
import dev.ensemble.sync.protocol.WireMessage;
import dev.ensemble.sync.protocol.WireMessage.Sync;
import dev.ensemble.sync.store.DocumentStore;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.automerge.Document;
import org.automerge.ObjectId;
import org.automerge.ObjectType;
import org.automerge.SyncState;
import org.automerge.Transaction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A change is durable before any peer hears of heads that include it; increments are folded into a
 * snapshot from which the document loads again. Runs a real Automerge peer against a document
 * session over a store whose writes the test holds back.
 */
class SyncDurabilityTest {
  private Vertx vertx;
  private GatedStore store;
  private DocRegistry registry;
  private final UUID project = UUID.randomUUID();
  private final DocumentId id = DocumentId.random();

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    store = new GatedStore();
    registry = new DocRegistry(vertx, store, new LocalBus(), SyncSettings.defaults().withCompactionMinBytes(0));
  }

  @AfterEach
  void tearDown() throws Exception {
    registry.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void nobodyHearsOfAChangeBeforeItIsStored() throws Exception {
    DocSession session = registry.findOrCreate(id, project).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    FakePeer writer = new FakePeer("writer", true);
    FakePeer watcher = new FakePeer("watcher", true);
    Document client = textDocument("hello");
    SyncState clientState = new SyncState();

    // The watcher attaches with an empty document and is answered at once (no change involved).
    Document watcherDoc = new Document();
    SyncState watcherState = new SyncState();
    session.receive(watcher, sync(watcher, watcherDoc.generateSyncMessage(watcherState).orElseThrow()), () -> {});
    watcherDoc.receiveSyncMessage(watcherState, data(watcher.next()));

    // Handshake: the writer advertises heads, the server answers with its (empty) state.
    session.receive(writer, sync(writer, client.generateSyncMessage(clientState).orElseThrow()), () -> {});
    client.receiveSyncMessage(clientState, data(writer.next()));
    store.hold();
    // Now the writer sends its change; the server applies it and starts storing it.
    session.receive(writer, sync(writer, client.generateSyncMessage(clientState).orElseThrow()), () -> {});
    store.awaitAppendStarted();
    assertNull(writer.messages.poll(300, TimeUnit.MILLISECONDS), "no answer while the change is not durable");
    assertNull(watcher.messages.poll(10, TimeUnit.MILLISECONDS), "no relay while the change is not durable");

    store.release();
    client.receiveSyncMessage(clientState, data(writer.next()));
    watcherDoc.receiveSyncMessage(watcherState, data(watcher.next()));
    // The watcher asks for what it misses and gets it.
    for (int i = 0; i < 5; i++) {
      Optional<byte[]> ask = watcherDoc.generateSyncMessage(watcherState);
      if (ask.isEmpty()) {
        break;
      }
      session.receive(watcher, sync(watcher, ask.get()), () -> {});
      WireMessage reply = watcher.messages.poll(2, TimeUnit.SECONDS);
      if (reply == null) {
        break;
      }
      watcherDoc.receiveSyncMessage(watcherState, data(reply));
    }
    assertEquals("hello", text(watcherDoc));

    Document reloaded = store.reload(id);
    assertEquals("hello", text(reloaded), "the stored increments rebuild the document");
  }

  @Test
  void incrementsAreFoldedIntoASnapshotThatLoads() throws Exception {
    DocSession session = registry.findOrCreate(id, project).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    FakePeer writer = new FakePeer("writer", true);
    Document client = textDocument("one");
    SyncState clientState = new SyncState();
    for (int round = 0; round < 6; round++) {
      if (round == 3) {
        try (Transaction tx = client.startTransaction()) {
          tx.spliceText(textId(client), 3, 0, " two");
          tx.commit();
        }
      }
      Optional<byte[]> m = client.generateSyncMessage(clientState);
      if (m.isEmpty()) {
        continue;
      }
      session.receive(writer, sync(writer, m.get()), () -> {});
      WireMessage reply = writer.messages.poll(2, TimeUnit.SECONDS);
      if (reply != null) {
        client.receiveSyncMessage(clientState, data(reply));
      }
    }
    long deadline = System.currentTimeMillis() + 5000;
    while (store.snapshot(id) == null && System.currentTimeMillis() < deadline) {
      Thread.sleep(10);
    }
    assertNotNull(store.snapshot(id), "compacted into a snapshot");
    assertEquals("one two", text(store.reload(id)));
  }

  @Test
  void aViewersChangesAreRefusedAndNotStored() throws Exception {
    DocSession session = registry.findOrCreate(id, project).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    FakePeer viewer = new FakePeer("viewer", false);
    Document client = textDocument("sneaky");
    SyncState clientState = new SyncState();
    session.receive(viewer, sync(viewer, client.generateSyncMessage(clientState).orElseThrow()), () -> {});
    client.receiveSyncMessage(clientState, data(viewer.next()));
    session.receive(viewer, sync(viewer, client.generateSyncMessage(clientState).orElseThrow()), () -> {});
    WireMessage answer = viewer.next();
    assertTrue(answer instanceof WireMessage.Error e && e.message().contains("read-only"), answer.toString());
    assertEquals(0, store.appends.get(id) == null ? 0 : store.appends.get(id).size(), "nothing stored");
  }

  /**
   * Two nodes on one store: node B misses the notices of node A's changes while A folds them into
   * a snapshot; B's next catch-up starts behind that snapshot, reads it, and ends with every change.
   */
  @Test
  void aNodeBehindACompactionCatchesUpFromTheSnapshot() throws Exception {
    LocalBus shared = new LocalBus();
    LossyBus busA = new LossyBus(shared, "node-a");
    LossyBus busB = new LossyBus(shared, "node-b");
    DocRegistry nodeA = new DocRegistry(vertx, store, busA, SyncSettings.defaults().withCompactionMinBytes(0));
    DocRegistry nodeB = new DocRegistry(vertx, store, busB, SyncSettings.defaults().withCompactionMinBytes(0));
    try {
      DocSession a = await(nodeA.findOrCreate(id, project));
      DocSession b = await(nodeB.find(id)).orElseThrow();
      await(a.change(tx -> {
        tx.set(ObjectId.ROOT, "seen", "by both");
        return true;
      }));
      assertTrue(eventually(() -> "by both".equals(await(b.read(d -> string(d, "seen"))))), "B follows A");

      busB.deaf = true; // B misses what follows
      for (int i = 0; i < 10; i++) {
        int n = i;
        await(a.change(tx -> {
          tx.set(ObjectId.ROOT, "k" + n, n);
          return true;
        }));
      }
      assertTrue(eventually(() -> store.snapshotSeqs.getOrDefault(id, 0L) >= 2),
          "A folded increments B has not read into a snapshot");
      busB.deaf = false;
      await(a.change(tx -> {
        tx.set(ObjectId.ROOT, "last", "change");
        return true;
      }));

      assertTrue(eventually(() -> "change".equals(await(b.read(d -> string(d, "last"))))), "B hears of the last change");
      for (int i = 0; i < 10; i++) {
        int n = i;
        assertEquals(Optional.of((long) n), await(b.read(d -> d.get(ObjectId.ROOT, "k" + n)
            .map(v -> ((org.automerge.AmValue.Int) v).getValue()))), "B holds A's change k" + n);
      }
    } finally {
      await(nodeA.close());
      await(nodeB.close());
    }
  }

  // ---- helpers -------------------------------------------------------------------------------

  /** A node's view of a shared in-process bus, with its own id; deaf, it hears nothing. */
  private static final class LossyBus implements dev.ensemble.cluster.Bus {
    private final LocalBus shared;
    private final String nodeId;
    volatile boolean deaf;

    LossyBus(LocalBus shared, String nodeId) {
      this.shared = shared;
      this.nodeId = nodeId;
    }

    @Override
    public String nodeId() {
      return nodeId;
    }

    @Override
    public Future<Void> publish(String topic, byte[] payload) {
      return shared.publish(topic, payload);
    }

    @Override
    public Future<Subscription> subscribe(String topic, java.util.function.Consumer<byte[]> handler) {
      return shared.subscribe(topic, payload -> {
        if (!deaf) {
          handler.accept(payload);
        }
      });
    }
  }

  private interface Check {
    boolean holds() throws Exception;
  }

  private static boolean eventually(Check check) throws Exception {
    long deadline = System.currentTimeMillis() + 10_000;
    while (System.currentTimeMillis() < deadline) {
      if (check.holds()) {
        return true;
      }
      Thread.sleep(20);
    }
    return false;
  }

  private static String string(Document doc, String key) {
    return doc.get(ObjectId.ROOT, key).map(v -> ((org.automerge.AmValue.Str) v).getValue()).orElse("");
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static Document textDocument(String text) {
    Document doc = new Document();
    try (Transaction tx = doc.startTransaction()) {
      ObjectId t = tx.set(ObjectId.ROOT, "content", ObjectType.TEXT);
      tx.spliceText(t, 0, 0, text);
      tx.commit();
    }
    return doc;
  }

  private static ObjectId textId(Document doc) {
    return ((org.automerge.AmValue.Text) doc.get(ObjectId.ROOT, "content").orElseThrow()).getId();
  }

  private static String text(Document doc) {
    return doc.get(ObjectId.ROOT, "content").isEmpty() ? "" : doc.text(textId(doc)).orElse("");
  }

  private Sync sync(FakePeer from, byte[] data) {
    return new Sync(from.peerId(), registry.serverPeerId(), id, data);
  }

  private static byte[] data(WireMessage m) {
    if (m instanceof Sync s) {
      return s.data();
    }
    throw new AssertionError("expected a sync message, got " + m);
  }

  private static final class FakePeer implements Peer {
    final BlockingQueue<WireMessage> messages = new LinkedBlockingQueue<>();
    private final String id;
    private final boolean write;

    FakePeer(String id, boolean write) {
      this.id = id;
      this.write = write;
    }

    WireMessage next() throws InterruptedException {
      WireMessage m = messages.poll(5, TimeUnit.SECONDS);
      assertNotNull(m, id + " expected a message");
      return m;
    }

    @Override
    public String peerId() {
      return id;
    }

    @Override
    public boolean mayWrite() {
      return write;
    }

    @Override
    public void send(WireMessage message) {
      messages.add(message);
    }

    @Override
    public void fail(String reason) {
      messages.add(new WireMessage.Error("server", id, "FAILED " + reason));
    }

    @Override
    public void processed() {}
  }

  /** An in-memory store whose appends the test can hold back. */
  private static final class GatedStore implements DocumentStore {
    final Map<DocumentId, UUID> owners = new ConcurrentHashMap<>();
    final Map<DocumentId, List<Increment>> appends = new ConcurrentHashMap<>();
    final Map<DocumentId, byte[]> snapshots = new ConcurrentHashMap<>();
    final Map<DocumentId, Long> snapshotSeqs = new ConcurrentHashMap<>();
    private volatile Promise<Void> gate;
    private final java.util.concurrent.Semaphore started = new java.util.concurrent.Semaphore(0);

    void hold() {
      gate = Promise.promise();
    }

    void release() {
      Promise<Void> g = gate;
      gate = null;
      g.complete();
    }

    void awaitAppendStarted() throws InterruptedException {
      assertTrue(started.tryAcquire(5, TimeUnit.SECONDS), "append started");
    }

    byte[] snapshot(DocumentId id) {
      return snapshots.get(id);
    }

    synchronized Document reload(DocumentId id) {
      Document doc = snapshots.containsKey(id) ? Document.load(snapshots.get(id)) : new Document();
      for (Increment inc : appends.getOrDefault(id, List.of())) {
        doc.applyEncodedChanges(inc.changes());
      }
      return doc;
    }

    @Override
    public synchronized Future<Optional<Stored>> load(DocumentId id) {
      if (!owners.containsKey(id)) {
        return Future.succeededFuture(Optional.empty());
      }
      List<Increment> incs = new ArrayList<>(appends.getOrDefault(id, List.of()));
      return Future.succeededFuture(Optional.of(new Stored(owners.get(id), Optional.ofNullable(snapshots.get(id)), 0, incs)));
    }

    @Override
    public synchronized Future<UUID> create(DocumentId id, UUID projectId) {
      return Future.succeededFuture(owners.computeIfAbsent(id, k -> projectId));
    }

    @Override
    public Future<Long> append(DocumentId id, byte[] changes) {
      started.release();
      Promise<Void> g = gate;
      Future<Void> wait = g == null ? Future.succeededFuture() : g.future();
      return wait.map(v -> {
        synchronized (this) {
          List<Increment> list = appends.computeIfAbsent(id, k -> new ArrayList<>());
          long seq = (list.isEmpty() ? snapshotSeqs.getOrDefault(id, 0L) : list.get(list.size() - 1).seq()) + 1;
          list.add(new Increment(seq, changes));
          return seq;
        }
      });
    }

    @Override
    public synchronized Future<List<Increment>> changesAfter(DocumentId id, long seq) {
      List<Increment> out = new ArrayList<>();
      long snapshotSeq = snapshotSeqs.getOrDefault(id, 0L);
      if (seq < snapshotSeq) {
        out.add(new Increment(snapshotSeq, snapshots.get(id)));
      }
      appends.getOrDefault(id, List.of()).stream().filter(i -> i.seq() > seq).forEach(out::add);
      return Future.succeededFuture(out);
    }

    @Override
    public synchronized Future<Void> compact(DocumentId id, byte[] snapshot, long throughSeq) {
      if (snapshotSeqs.getOrDefault(id, 0L) >= throughSeq) {
        return Future.succeededFuture();
      }
      snapshotSeqs.put(id, throughSeq);
      snapshots.put(id, snapshot);
      appends.computeIfPresent(id, (k, list) -> new ArrayList<>(list.stream().filter(i -> i.seq() > throughSeq).toList()));
      return Future.succeededFuture();
    }

    @Override
    public Future<ProjectVersion> projectVersion(UUID projectId) {
      return lastSeqs(projectId).map(ProjectVersion::of);
    }

    @Override
    public synchronized Future<Map<DocumentId, Long>> lastSeqs(UUID projectId) {
      Map<DocumentId, Long> out = new java.util.HashMap<>();
      owners.forEach((id, owner) -> {
        if (owner.equals(projectId)) {
          List<Increment> list = appends.getOrDefault(id, List.of());
          out.put(id, list.isEmpty() ? snapshotSeqs.getOrDefault(id, 0L) : list.get(list.size() - 1).seq());
        }
      });
      return Future.succeededFuture(out);
    }
  }
}
