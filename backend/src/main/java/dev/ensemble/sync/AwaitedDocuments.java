package dev.ensemble.sync;

import dev.ensemble.cluster.Bus;
import dev.ensemble.sync.protocol.DocumentId;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * The connections of this node that were told a document was unavailable, by document, so that
 * they sync it once it appears, as automerge-repo's own server does: when it is loaded here (a peer
 * or the files API created it on this node, or anyone asked for it after another node stored it)
 * or another node announces a change to it. While a document is awaited the node listens to its
 * bus topic. Each connection bounds how many documents it awaits
 * ({@link SyncSettings#maxAwaitedDocuments}).
 */
final class AwaitedDocuments {
  /** A connection waiting for documents; told on any thread, must not block. */
  interface Waiter {
    /** The document appeared; the waiter is no longer registered for it. */
    void available(DocSession session);
  }

  /** The waiters of one document and the node's subscription to its topic. */
  private record Waiting(Set<Waiter> waiters, Future<Bus.Subscription> subscription) {}

  private final Bus bus;
  private final Function<DocumentId, Future<Optional<DocSession>>> find;
  /** Guarded by itself. */
  private final Map<DocumentId, Waiting> byDocument = new HashMap<>();

  /** @param find loads a document (once) and answers its session, empty when the store lacks it */
  AwaitedDocuments(Bus bus, Function<DocumentId, Future<Optional<DocSession>>> find) {
    this.bus = bus;
    this.find = find;
  }

  /** Registers the waiter for the document; it is told once when the document appears. */
  void await(DocumentId id, Waiter waiter) {
    Future<Bus.Subscription> subscribed;
    synchronized (byDocument) {
      Waiting w = byDocument.get(id);
      if (w != null) {
        w.waiters().add(waiter); // the wake-up for the others tells this one too
        return;
      }
      subscribed = bus.subscribe(DocRegistry.topic(id), payload -> onEvent(id, payload));
      Set<Waiter> waiters = new LinkedHashSet<>();
      waiters.add(waiter);
      byDocument.put(id, new Waiting(waiters, subscribed));
    }
    // The document may have appeared since the peer was answered: here (the load already woke
    // whoever waited then) or on another node before this subscription began. Look once more.
    subscribed.onComplete(ar -> lookAgain(id));
  }

  /** The waiter no longer waits for the document (it gave up waiting or disconnected). */
  void stopAwaiting(DocumentId id, Waiter waiter) {
    Future<Bus.Subscription> unused = null;
    synchronized (byDocument) {
      Waiting w = byDocument.get(id);
      if (w == null || !w.waiters().remove(waiter)) {
        return;
      }
      if (w.waiters().isEmpty()) {
        byDocument.remove(id);
        unused = w.subscription();
      }
    }
    if (unused != null) {
      unused.onSuccess(Bus.Subscription::cancel);
    }
  }

  /** The document's session was loaded on this node: its waiters sync it from now on. */
  void loaded(DocSession session) {
    Waiting w;
    synchronized (byDocument) {
      w = byDocument.remove(session.id());
    }
    if (w == null) {
      return;
    }
    w.subscription().onSuccess(Bus.Subscription::cancel);
    // Removed from the map, the set is no longer changed by anyone.
    w.waiters().forEach(waiter -> waiter.available(session));
  }

  /** Another node stored changes of the document: it exists now (presence and our own notices say nothing). */
  private void onEvent(DocumentId id, byte[] payload) {
    DocRegistry.readEvent(id, payload)
        .filter(e -> !e.node().equals(bus.nodeId()) && e.isChange())
        .ifPresent(e -> lookAgain(id));
  }

  /** Messages may have been lost (the bus reconnected): every awaited document is looked for again. */
  void lookAgainForAll() {
    List<DocumentId> ids;
    synchronized (byDocument) {
      ids = new ArrayList<>(byDocument.keySet());
    }
    ids.forEach(this::lookAgain);
  }

  private void lookAgain(DocumentId id) {
    synchronized (byDocument) {
      if (!byDocument.containsKey(id)) {
        return;
      }
    }
    // A load wakes the waiters itself; a session that was loaded already is handed over here.
    find.apply(id).onSuccess(found -> found.ifPresent(this::loaded));
  }
}
