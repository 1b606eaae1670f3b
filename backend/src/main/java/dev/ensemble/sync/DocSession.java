package dev.ensemble.sync;

import dev.ensemble.sync.protocol.DocumentId;
import dev.ensemble.sync.protocol.WireMessage;
import dev.ensemble.sync.protocol.WireMessage.DocUnavailable;
import dev.ensemble.sync.protocol.WireMessage.Ephemeral;
import dev.ensemble.sync.protocol.WireMessage.Request;
import dev.ensemble.sync.protocol.WireMessage.Sync;
import dev.ensemble.sync.store.DocumentStore;
import dev.ensemble.sync.store.DocumentStore.Increment;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import org.automerge.ChangeHash;
import org.automerge.Document;
import org.automerge.PatchLog;
import org.automerge.SyncState;
import org.automerge.Transaction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One loaded document and the peers syncing it. Everything that touches the Automerge
 * {@link Document} or a {@link SyncState} runs on the session's {@link OrderedExecutor}.
 *
 * <p>Durability: messages are taken from the inbox in batches; when a batch changed the heads, the
 * new changes are appended to the store and only after that commit does any peer get a sync
 * message (which would advertise the new heads). Messages that arrive meanwhile wait in the inbox
 * and form the next batch: a group commit per document.
 */
final class DocSession {
  private static final Logger log = LoggerFactory.getLogger(DocSession.class);

  /** How the session reaches the rest of the node. */
  interface Host {
    String serverPeerId();

    DocumentStore store();

    SyncSettings settings();

    /** Publishes a change notice to other nodes. */
    void announce(DocSession session, long seq);

    /** Relays presence to other nodes. */
    void announce(DocSession session, Ephemeral message);

    /** Runs the task (on any thread) after the delay. */
    void schedule(long delayMs, Runnable task);

    /** The session has closed; forget it. */
    void closed(DocSession session);

    /** The session has no peer now (or was just used without one): a candidate for eviction. */
    void idle(DocSession session);

    /** A peer attached: the session is in use. */
    void inUse(DocSession session);
  }

  private record Inbound(Peer peer, WireMessage message) {}

  /** Most inbound messages handled in one batch (see {@link #takeFairly}). */
  private static final int MAX_BATCH = 64;

  /**
   * A change made on this node (files API, tools): applied in the next batch, answered once
   * durable. With {@code at}, the transaction sees the document as it was at those heads and its
   * change is concurrent with everything made since, so Automerge merges the two.
   */
  private record LocalEdit<T>(Function<Transaction, T> edit, Optional<ChangeHash[]> at, Promise<T> done) {
    /** Applies the edit in its own transaction; returns how to answer once the batch is durable. */
    Runnable apply(Document doc) {
      PatchLog log = at.isPresent() ? new PatchLog() : null;
      try {
        Transaction tx;
        try {
          tx = at.isPresent() ? doc.startTransactionAt(log, at.get()) : doc.startTransaction();
        } catch (RuntimeException e) { // heads this document does not have
          return () -> done.tryFail(e);
        }
        T result;
        try {
          result = edit.apply(tx);
        } catch (RuntimeException e) {
          tx.rollback();
          return () -> done.tryFail(e);
        }
        tx.commit();
        return () -> done.tryComplete(result);
      } finally {
        if (log != null) {
          log.free();
        }
      }
    }
  }

  /** The session closed (evicted) before the work ran: find the document again and retry. */
  static final class SessionClosed extends RuntimeException {
    SessionClosed() {
      super("document session closed", null, false, false);
    }
  }

  private final DocumentId id;
  private final UUID projectId;
  private final Host host;
  private final OrderedExecutor exec;
  private final Document doc;

  // Only touched on exec.
  private final Map<Peer, PeerSync> states = new HashMap<>();
  private final List<Inbound> inbox = new ArrayList<>();
  private boolean drainScheduled;
  private final List<LocalEdit<?>> edits = new ArrayList<>();
  private long lastSeq;
  /** The seq of our own latest increment, which may lie beyond lastSeq until a catch-up closes the gap. */
  private long ownSeq;
  private long snapshotBytes;
  private long incrementBytes;
  private boolean persisting;
  private boolean catchingUp;
  /** Another node announced increments while a catch-up was reading: read again after it. */
  private boolean catchUpAgain;
  private boolean compacting;
  private boolean closed;
  private boolean pushScheduled;
  private long idleGeneration;

  /** Read from transport threads for presence relay. */
  private final Set<Peer> peers = ConcurrentHashMap.newKeySet();

  DocSession(
      DocumentId id, UUID projectId, Document doc, long lastSeq, long snapshotBytes, long incrementBytes,
      Host host, OrderedExecutor exec) {
    this.id = id;
    this.projectId = projectId;
    this.doc = doc;
    this.lastSeq = lastSeq;
    this.snapshotBytes = snapshotBytes;
    this.incrementBytes = incrementBytes;
    this.host = host;
    this.exec = exec;
  }

  DocumentId id() {
    return id;
  }

  UUID projectId() {
    return projectId;
  }

  /** Queues a {@code request} or {@code sync} of the peer. False when the session has closed. */
  void receive(Peer peer, WireMessage message, Runnable ifClosed) {
    exec.execute(
        () -> {
          if (closed) {
            ifClosed.run();
            return;
          }
          inbox.add(new Inbound(peer, message));
          drainSoon();
        });
  }

  /**
   * Starts syncing a peer that was told this document was unavailable, as if it had asked again:
   * it is sent the document's heads now, or with the first durable change when there is none yet,
   * and every change from then on. Runs {@code ifClosed} when the session has closed.
   */
  void offer(Peer peer, Runnable ifClosed) {
    exec.execute(() -> {
      if (closed) {
        ifClosed.run();
        return;
      }
      if (states.containsKey(peer)) {
        return; // it asked again meanwhile and is syncing already
      }
      attach(peer);
      // While a batch is being stored the heads run ahead of the store; its completion pushes to
      // every peer, this one included.
      if (!persisting && doc.getHeads().length > 0) {
        sendSync(peer);
      }
    });
  }

  /** Relays presence to the other peers of this document, never back to its sender. */
  void relay(Peer from, Ephemeral message) {
    for (Peer p : peers) {
      if (p != from && !p.peerId().equals(message.senderId())) {
        p.send(message.to(p.peerId()));
      }
    }
    if (from != null) {
      host.announce(this, message);
    }
  }

  /** Presence that another node relayed. */
  void relayFromCluster(Ephemeral message) {
    relay(null, message);
  }

  /** Another node appended increments up to seq: fetch what we miss. */
  void changedElsewhere(long seq) {
    exec.execute(
        () -> {
          if (!closed && seq > lastSeq) {
            catchUp();
          }
        });
  }

  /** Forgets the peer (its connection closed). */
  void detach(Peer peer) {
    exec.execute(
        () -> {
          PeerSync sync = states.remove(peer);
          peers.remove(peer);
          if (sync != null) {
            sync.free();
          }
          inbox.removeIf(in -> in.peer() == peer);
          evictLaterIfUnused();
        });
  }

  /** With no peer, the document leaves memory after the idle time unless someone comes meanwhile. */
  private void evictLaterIfUnused() {
    if (states.isEmpty() && !closed) {
      long generation = ++idleGeneration;
      later(host.settings().idleEviction().toMillis(), () -> evictIfIdle(generation));
      host.idle(this);
    }
  }

  /**
   * Leaves memory now if it still has no peer and nothing in flight (the node holds more idle
   * documents than its budget); otherwise the idle timer stays in charge.
   */
  void evictNowIfIdle() {
    exec.execute(() -> {
      if (closed || !states.isEmpty() || persisting || compacting || !inbox.isEmpty() || !edits.isEmpty()) {
        return;
      }
      close();
    });
  }

  /** Runs the reader on the document's thread (tests and tools read through this). */
  void inspect(java.util.function.Consumer<Document> reader) {
    exec.execute(() -> reader.accept(doc));
  }

  /** Reads the document on its thread; fails with {@link SessionClosed} when the session has closed. */
  <T> Future<T> read(Function<Document, T> reader) {
    Promise<T> done = Promise.promise();
    exec.execute(() -> {
      if (closed) {
        done.fail(new SessionClosed());
        return;
      }
      try {
        done.complete(reader.apply(doc));
      } catch (RuntimeException e) {
        done.fail(e);
      }
      evictLaterIfUnused();
    });
    return done.future();
  }

  /**
   * As {@link #read}, stamped with the stored version the reader saw: the seq of the last stored
   * increment the document holds in order, and whether it held nothing else (false while a batch
   * of its own changes is being stored, or one was stored beyond a gap that a catch-up has not
   * filled yet).
   */
  <T> Future<Documents.Stamped<T>> readStamped(Function<Document, T> reader) {
    Promise<Documents.Stamped<T>> done = Promise.promise();
    exec.execute(() -> {
      if (closed) {
        done.fail(new SessionClosed());
        return;
      }
      try {
        done.complete(new Documents.Stamped<>(reader.apply(doc), lastSeq, !persisting && ownSeq <= lastSeq));
      } catch (RuntimeException e) {
        done.fail(e);
      }
      evictLaterIfUnused();
    });
    return done.future();
  }

  /**
   * Changes the document in one transaction, as a peer's change would be: in the next batch,
   * stored, then synced to every peer and announced to other nodes. Completes once durable (or
   * at once when it changed nothing); fails with {@link SessionClosed} when the session has closed.
   */
  <T> Future<T> change(Function<Transaction, T> edit) {
    return change(edit, Optional.empty());
  }

  /**
   * As {@link #change(Function)}, but with {@code at} the edit is made against the document as
   * it was at those heads (which must be in its history) and merged with what came after.
   */
  <T> Future<T> change(Function<Transaction, T> edit, Optional<ChangeHash[]> at) {
    Promise<T> done = Promise.promise();
    exec.execute(() -> {
      if (closed) {
        done.fail(new SessionClosed());
        return;
      }
      edits.add(new LocalEdit<>(edit, at, done));
      drain();
      evictLaterIfUnused();
    });
    return done.future();
  }

  // ---- the document thread -------------------------------------------------------------------

  /**
   * Drains once the messages already queued on the executor have joined the inbox, so that a batch
   * sees every peer's waiting messages and can take them fairly.
   */
  private void drainSoon() {
    if (!drainScheduled) {
      drainScheduled = true;
      exec.execute(() -> {
        drainScheduled = false;
        drain();
      });
    }
  }

  /**
   * Up to {@link #MAX_BATCH} messages from the inbox, one from each peer in turn (each peer's own
   * order kept): a peer with hundreds of messages queued delays another peer's by one batch at
   * most, not by all of its own.
   */
  private List<Inbound> takeFairly() {
    if (inbox.size() <= MAX_BATCH) {
      List<Inbound> all = new ArrayList<>(inbox);
      inbox.clear();
      return all;
    }
    Map<Peer, ArrayDeque<Inbound>> byPeer = new LinkedHashMap<>();
    for (Inbound in : inbox) {
      byPeer.computeIfAbsent(in.peer(), p -> new ArrayDeque<>()).add(in);
    }
    List<Inbound> batch = new ArrayList<>(MAX_BATCH);
    while (batch.size() < MAX_BATCH) {
      for (ArrayDeque<Inbound> queue : byPeer.values()) {
        if (!queue.isEmpty() && batch.size() < MAX_BATCH) {
          batch.add(queue.poll());
        }
      }
    }
    inbox.clear();
    byPeer.values().forEach(inbox::addAll);
    return batch;
  }

  private void drain() {
    if (persisting || closed || (inbox.isEmpty() && edits.isEmpty())) {
      return;
    }
    List<Inbound> batch = takeFairly();
    List<LocalEdit<?>> local = new ArrayList<>(edits);
    edits.clear();
    ChangeHash[] before = doc.getHeads();
    Set<Peer> answer = new LinkedHashSet<>();
    for (Inbound in : batch) {
      try {
        handle(in.peer(), in.message(), answer);
      } finally {
        in.peer().processed();
      }
    }
    List<Runnable> replies = new ArrayList<>(local.size());
    for (LocalEdit<?> edit : local) {
      replies.add(edit.apply(doc));
    }
    ChangeHash[] after = doc.getHeads();
    if (sameHeads(before, after)) {
      answer.forEach(this::sendSync);
      replies.forEach(Runnable::run);
      if (!inbox.isEmpty()) {
        drainSoon();
      }
      return;
    }
    byte[] changes = doc.encodeChangesSince(before);
    persisting = true;
    host.store()
        .append(id, changes)
        .onComplete(
            ar ->
                exec.execute(
                    () -> {
                      persisting = false;
                      if (closed) {
                        local.forEach(e -> e.done().tryFail(new SessionClosed()));
                        return;
                      }
                      if (ar.failed()) {
                        local.forEach(e -> e.done().tryFail(ar.cause()));
                        fail("storing changes failed: " + ar.cause().getMessage());
                        return;
                      }
                      long seq = ar.result();
                      ownSeq = seq;
                      incrementBytes += changes.length;
                      if (seq == lastSeq + 1) {
                        lastSeq = seq;
                      } else {
                        catchUp(); // another node appended in between
                      }
                      // Durable now: tell everyone.
                      replies.forEach(Runnable::run);
                      pushToAll();
                      host.announce(this, seq);
                      maybeCompact();
                      drain();
                    }));
  }

  private void handle(Peer peer, WireMessage message, Set<Peer> answer) {
    byte[] data;
    if (message instanceof Sync s) {
      data = s.data();
    } else if (message instanceof Request r) {
      data = r.data();
    } else {
      return;
    }
    Optional<SyncPayload> payload = SyncPayload.read(data);
    if (payload.isEmpty()) {
      peer.fail("not an Automerge sync message for document " + id);
      return;
    }
    PeerSync sync = attach(peer);
    sync.heard();
    if (!peer.mayWrite() && payload.get().changeCount() > 0) {
      // Refused whole: not applied, so never stored or relayed.
      peer.send(new WireMessage.Error(host.serverPeerId(), peer.peerId(),
          "read-only access: changes to document " + id + " were refused"));
      return;
    }
    if (message instanceof Request && doc.getHeads().length == 0) {
      peer.send(new DocUnavailable(host.serverPeerId(), peer.peerId(), id));
      return;
    }
    try {
      doc.receiveSyncMessage(sync.state, data);
    } catch (RuntimeException e) {
      peer.fail("invalid sync message for document " + id + ": " + e.getMessage());
      return;
    }
    answer.add(peer);
  }

  private PeerSync attach(Peer peer) {
    PeerSync sync = states.get(peer);
    if (sync == null) {
      sync = new PeerSync();
      states.put(peer, sync);
      peers.add(peer);
      idleGeneration++;
      host.inUse(this);
    }
    return sync;
  }

  /** The document changed: every peer not owing us a reply gets the news now, the others later. */
  private void pushToAll() {
    push(false);
  }

  /**
   * Sends each peer (or each peer changes were held back for) what it lacks, unless it owes a reply
   * to changes sent before; those are tried again once their reply wait runs out.
   */
  private void push(boolean onlyBehind) {
    long now = System.nanoTime();
    long wait = host.settings().replyWait().toNanos();
    long soonest = Long.MAX_VALUE;
    for (Map.Entry<Peer, PeerSync> e : states.entrySet()) {
      PeerSync sync = e.getValue();
      if (onlyBehind && !sync.behind()) {
        continue;
      }
      if (sync.mayPush(now, wait)) {
        sendSync(e.getKey());
      } else {
        soonest = Math.min(soonest, sync.waitLeft(now, wait));
      }
    }
    if (soonest != Long.MAX_VALUE && !pushScheduled) {
      pushScheduled = true;
      later(Math.max(1, soonest / 1_000_000), () -> {
        pushScheduled = false;
        // While a batch is being stored the heads run ahead of the store; its completion pushes.
        if (!closed && !persisting) {
          push(true);
        }
      });
    }
  }

  private void sendSync(Peer peer) {
    PeerSync sync = states.get(peer);
    if (sync == null) {
      return;
    }
    Optional<byte[]> message;
    try {
      message = doc.generateSyncMessage(sync.state);
    } catch (RuntimeException e) {
      log.error("generating a sync message for {} failed", id, e);
      return;
    }
    if (message.isEmpty()) {
      sync.caughtUp();
      return;
    }
    if (SyncPayload.read(message.get()).map(SyncPayload::changeCount).orElse(0) > 0) {
      sync.sentChanges(System.nanoTime());
    } else {
      sync.caughtUp();
    }
    peer.send(new Sync(host.serverPeerId(), peer.peerId(), id, message.get()));
  }

  /**
   * Applies increments stored after lastSeq (by other nodes); they are durable already. When
   * another node folded some of them into a snapshot meanwhile, the store hands the snapshot
   * first, and Automerge loads it like changes (skipping what the document has).
   */
  private void catchUp() {
    if (closed) {
      return;
    }
    if (catchingUp) {
      // The read in flight may have missed what was just announced; without this, a notice that
      // arrives now would be lost until the document's next change, which may never come.
      catchUpAgain = true;
      return;
    }
    catchingUp = true;
    catchUpAgain = false;
    long from = lastSeq;
    host.store()
        .changesAfter(id, from)
        .onComplete(
            ar ->
                exec.execute(
                    () -> {
                      catchingUp = false;
                      if (closed) {
                        return;
                      }
                      if (catchUpAgain) {
                        exec.execute(this::catchUp); // runs after this task has applied what it read
                      }
                      if (ar.failed()) {
                        log.warn("catching up {} failed", id, ar.cause());
                        return;
                      }
                      ChangeHash[] before = doc.getHeads();
                      for (Increment inc : ar.result()) {
                        if (inc.seq() > lastSeq) {
                          doc.applyEncodedChanges(inc.changes());
                          incrementBytes += inc.changes().length;
                          lastSeq = inc.seq();
                        }
                      }
                      // While our own batch is being stored the heads include changes that are
                      // not durable yet; its completion syncs everyone.
                      if (!persisting && !sameHeads(before, doc.getHeads())) {
                        pushToAll();
                      }
                    }));
  }

  private void maybeCompact() {
    if (compacting || incrementBytes <= Math.max(host.settings().compactionMinBytes(), snapshotBytes)) {
      return;
    }
    byte[] snapshot = doc.save();
    long through = lastSeq;
    long folded = incrementBytes;
    compacting = true;
    host.store()
        .compact(id, snapshot, through)
        .onComplete(
            ar ->
                exec.execute(
                    () -> {
                      compacting = false;
                      if (ar.succeeded()) {
                        snapshotBytes = snapshot.length;
                        incrementBytes -= folded;
                      } else {
                        log.warn("compacting {} failed", id, ar.cause());
                      }
                    }));
  }

  private void evictIfIdle(long generation) {
    if (closed || generation != idleGeneration || !states.isEmpty()) {
      return;
    }
    if (persisting || compacting || !inbox.isEmpty() || !edits.isEmpty()) {
      later(host.settings().idleEviction().toMillis(), () -> evictIfIdle(generation));
      return;
    }
    close();
  }

  /** The in-memory state may hold changes that are not durable: drop it and every peer. */
  private void fail(String reason) {
    log.error("document {} closed: {}", id, reason);
    List<Peer> all = new ArrayList<>(states.keySet());
    close();
    all.forEach(p -> p.fail("document " + id + " is temporarily unavailable"));
  }

  private void close() {
    closed = true;
    states.values().forEach(PeerSync::free);
    states.clear();
    peers.clear();
    inbox.forEach(in -> in.peer().processed());
    inbox.clear();
    edits.forEach(e -> e.done().tryFail(new SessionClosed()));
    edits.clear();
    host.closed(this);
    doc.free();
  }

  /** Closes when nothing is in flight (node shutdown). */
  void shutdown(Runnable done) {
    exec.execute(
        () -> {
          if (closed) {
            done.run();
          } else if (persisting || compacting) {
            later(20, () -> shutdown(done));
          } else {
            close();
            done.run();
          }
        });
  }

  private void later(long delayMs, Runnable task) {
    host.schedule(delayMs, () -> exec.execute(task));
  }

  static boolean sameHeads(ChangeHash[] a, ChangeHash[] b) {
    if (a.length != b.length) {
      return false;
    }
    Set<ChangeHash> set = new java.util.HashSet<>(Arrays.asList(a));
    for (ChangeHash h : b) {
      if (!set.contains(h)) {
        return false;
      }
    }
    return true;
  }
}
