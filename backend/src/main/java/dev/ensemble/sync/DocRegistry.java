package dev.ensemble.sync;

import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import dev.ensemble.cluster.Bus;
import dev.ensemble.sync.protocol.DocumentId;
import dev.ensemble.sync.protocol.ProtocolException;
import dev.ensemble.sync.protocol.WireCodec;
import dev.ensemble.sync.protocol.WireMessage;
import dev.ensemble.sync.protocol.WireMessage.Ephemeral;
import dev.ensemble.sync.store.DocumentStore;
import dev.ensemble.sync.store.DocumentStore.Increment;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import org.automerge.Document;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The documents loaded on this node: each loads once however many peers ask at the same moment,
 * runs on its own ordered executor over a shared pool, and is dropped when idle.
 */
final class DocRegistry implements DocSession.Host {
  private static final Logger log = LoggerFactory.getLogger(DocRegistry.class);
  private static final CBORMapper CBOR = new CBORMapper();

  /** What nodes tell each other about a document: new increments, or presence to relay. */
  record DocEvent(String node, long seq, byte[] presence) {
    /** New increments (not presence). */
    boolean isChange() {
      return presence == null || presence.length == 0;
    }
  }

  private final Vertx vertx;
  private final DocumentStore store;
  private final Bus bus;
  private final SyncSettings settings;
  private final String serverPeerId;
  private final ExecutorService pool;
  private final Map<DocumentId, Future<Optional<DocSession>>> sessions = new ConcurrentHashMap<>();
  private final Map<DocumentId, Bus.Subscription> subscriptions = new ConcurrentHashMap<>();
  private final List<java.util.function.Consumer<DocumentId>> changeListeners =
      new java.util.concurrent.CopyOnWriteArrayList<>();
  private final AwaitedDocuments awaited;
  /** Loaded sessions without a peer, least recently used first (guarded by itself). */
  private final LinkedHashMap<DocumentId, DocSession> idle = new LinkedHashMap<>(64, 0.75f, true);

  DocRegistry(Vertx vertx, DocumentStore store, Bus bus, SyncSettings settings) {
    this.vertx = vertx;
    this.store = store;
    this.bus = bus;
    this.settings = settings;
    this.serverPeerId = "ensemble-" + bus.nodeId();
    AtomicInteger n = new AtomicInteger();
    ThreadFactory threads = r -> {
      Thread t = new Thread(r, "ensemble-doc-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
    this.pool = Executors.newFixedThreadPool(settings.documentThreads(), threads);
    this.awaited = new AwaitedDocuments(bus, this::find);
    // Notices may have been lost: every loaded document reads what other nodes stored meanwhile,
    // and every awaited one is looked for again.
    bus.onGap(() -> {
      sessions.values().stream()
          .filter(Future::succeeded)
          .flatMap(f -> f.result().stream())
          .forEach(s -> s.changedElsewhere(Long.MAX_VALUE));
      awaited.lookAgainForAll();
    });
  }

  /** Documents in memory on this node (loaded or loading). */
  int loadedCount() {
    return sessions.size();
  }

  /** Of those, the ones no peer syncs. */
  int idleCount() {
    synchronized (idle) {
      return idle.size();
    }
  }

  /** The loaded session of a document, if it is in memory now. */
  Optional<DocSession> loaded(DocumentId id) {
    Future<Optional<DocSession>> f = sessions.get(id);
    return f != null && f.succeeded() ? f.result() : Optional.empty();
  }

  /** The document's session, loading it once; empty when the store does not have it. */
  Future<Optional<DocSession>> find(DocumentId id) {
    Future<Optional<DocSession>>[] started = new Future[1];
    Future<Optional<DocSession>> f = sessions.computeIfAbsent(id, k -> started[0] = load(k));
    if (started[0] != null) {
      // Absence is not remembered: another connection or node may create the document next.
      f.onComplete(ar -> {
        if (ar.failed() || ar.result().isEmpty()) {
          sessions.remove(id, f);
        } else {
          awaited.loaded(ar.result().get());
        }
      });
    }
    return f;
  }

  /**
   * Remembers that the waiter was told the document is unavailable; it is told once the document
   * is loaded on this node or another node stores it.
   */
  void await(DocumentId id, AwaitedDocuments.Waiter waiter) {
    awaited.await(id, waiter);
  }

  /** The waiter no longer waits for the document. */
  void stopAwaiting(DocumentId id, AwaitedDocuments.Waiter waiter) {
    awaited.stopAwaiting(id, waiter);
  }

  /** The document's session, creating the document in the project when it does not exist. */
  Future<DocSession> findOrCreate(DocumentId id, UUID projectId) {
    Future<Optional<DocSession>> first = find(id);
    return first
        .compose(
            found -> {
              if (found.isPresent()) {
                return Future.succeededFuture(found);
              }
              return store.create(id, projectId).compose(owner -> {
                sessions.remove(id, first);
                return find(id);
              });
            })
        .compose(s -> s.map(Future::succeededFuture)
            .orElseGet(() -> Future.failedFuture(new IllegalStateException("document " + id + " vanished"))));
  }

  private Future<Optional<DocSession>> load(DocumentId id) {
    // Subscribe before reading the store so that no increment falls between the two.
    return bus.subscribe(topic(id), payload -> onEvent(id, payload))
        .compose(
            sub ->
                store
                    .load(id)
                    .compose(
                        stored -> {
                          if (stored.isEmpty()) {
                            sub.cancel();
                            return Future.succeededFuture(Optional.<DocSession>empty());
                          }
                          subscriptions.put(id, sub);
                          return build(id, stored.get()).map(Optional::of);
                        }));
  }

  /** Automerge load runs on a document thread, never on an event loop. */
  private Future<DocSession> build(DocumentId id, DocumentStore.Stored stored) {
    Promise<DocSession> promise = Promise.promise();
    pool.execute(
        () -> {
          try {
            Document doc = stored.snapshot().map(Document::load).orElseGet(Document::new);
            for (Increment inc : stored.increments()) {
              doc.applyEncodedChanges(inc.changes());
            }
            long snapshotBytes = stored.snapshot().map(b -> (long) b.length).orElse(0L);
            promise.complete(new DocSession(
                id, stored.projectId(), doc, stored.lastSeq(), snapshotBytes, stored.incrementBytes(), this,
                new OrderedExecutor(pool)));
          } catch (RuntimeException e) {
            promise.fail(e);
          }
        });
    return promise.future();
  }

  /** A bus message about the document; empty (and logged) when unreadable. */
  static Optional<DocEvent> readEvent(DocumentId id, byte[] payload) {
    try {
      return Optional.of(CBOR.readValue(payload, DocEvent.class));
    } catch (IOException e) {
      log.warn("unreadable bus event for {}", id);
      return Optional.empty();
    }
  }

  private void onEvent(DocumentId id, byte[] payload) {
    Optional<DocEvent> read = readEvent(id, payload);
    if (read.isEmpty() || read.get().node().equals(bus.nodeId())) {
      return;
    }
    DocEvent event = read.get();
    Optional<DocSession> session = loaded(id);
    if (session.isEmpty()) {
      return;
    }
    if (!event.isChange()) {
      try {
        WireMessage m = WireCodec.decode(event.presence());
        if (m instanceof Ephemeral e) {
          session.get().relayFromCluster(e);
        }
      } catch (ProtocolException e) {
        log.warn("unreadable presence on the bus for {}", id);
      }
    } else {
      session.get().changedElsewhere(event.seq());
      changed(id);
    }
  }

  /** Tells {@code listener} the id of every document whose stored content changes (here or on another node). */
  void onChange(java.util.function.Consumer<DocumentId> listener) {
    changeListeners.add(listener);
  }

  private void changed(DocumentId id) {
    for (var l : changeListeners) {
      try {
        l.accept(id);
      } catch (RuntimeException e) {
        log.warn("document change listener failed for {}: {}", id, e.toString());
      }
    }
  }

  private void publish(DocumentId id, DocEvent event) {
    try {
      bus.publish(topic(id), CBOR.writeValueAsBytes(event))
          .onFailure(e -> log.warn("bus publish for {} failed: {}", id, e.toString()));
    } catch (IOException e) {
      log.warn("bus event for {} not encodable", id, e);
    }
  }

  static String topic(DocumentId id) {
    return "doc:" + id.uuid();
  }

  /** Closes every session once its in-flight writes are stored, then stops the threads. */
  Future<Void> close() {
    List<Future<Void>> closing = sessions.values().stream()
        .filter(Future::succeeded)
        .map(Future::result)
        .flatMap(Optional::stream)
        .map(s -> {
          Promise<Void> done = Promise.promise();
          s.shutdown(() -> done.complete());
          return done.future();
        })
        .toList();
    return Future.all(closing).transform(ar -> {
      pool.shutdown();
      return bus.close().otherwiseEmpty();
    });
  }

  // ---- DocSession.Host -----------------------------------------------------------------------

  @Override
  public String serverPeerId() {
    return serverPeerId;
  }

  @Override
  public DocumentStore store() {
    return store;
  }

  @Override
  public SyncSettings settings() {
    return settings;
  }

  @Override
  public void announce(DocSession session, long seq) {
    publish(session.id(), new DocEvent(bus.nodeId(), seq, new byte[0]));
    changed(session.id());
  }

  @Override
  public void announce(DocSession session, Ephemeral message) {
    publish(session.id(), new DocEvent(bus.nodeId(), 0, WireCodec.encode(message)));
  }

  @Override
  public void schedule(long delayMs, Runnable task) {
    vertx.setTimer(Math.max(1, delayMs), t -> task.run());
  }

  @Override
  public void idle(DocSession session) {
    List<DocSession> over = new ArrayList<>();
    synchronized (idle) {
      idle.put(session.id(), session); // moves it to the most recently used end
      Iterator<Map.Entry<DocumentId, DocSession>> oldest = idle.entrySet().iterator();
      while (idle.size() > settings.maxIdleDocuments() && oldest.hasNext()) {
        Map.Entry<DocumentId, DocSession> e = oldest.next();
        if (e.getValue() != session) {
          over.add(e.getValue());
          oldest.remove();
        }
      }
    }
    over.forEach(DocSession::evictNowIfIdle);
  }

  @Override
  public void inUse(DocSession session) {
    synchronized (idle) {
      idle.remove(session.id(), session);
    }
  }

  @Override
  public void closed(DocSession session) {
    DocumentId id = session.id();
    synchronized (idle) {
      idle.remove(id, session);
    }
    // The subscription first: a successor can only start loading once the session is gone.
    Bus.Subscription sub = subscriptions.remove(id);
    if (sub != null) {
      sub.cancel();
    }
    sessions.computeIfPresent(id, (k, f) -> f.succeeded() && f.result().orElse(null) == session ? null : f);
  }
}
