package dev.ensemble.sync;

import dev.ensemble.sync.DocSession.SessionClosed;
import dev.ensemble.sync.protocol.DocumentId;
import dev.ensemble.sync.store.DocumentStore;
import io.vertx.core.Future;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
import org.automerge.ChangeHash;
import org.automerge.Document;
import org.automerge.Transaction;

/**
 * Server-side reads and changes of a project's documents. They take the same path as a peer's
 * sync messages: the document's own thread, stored before anyone is told, synced to every
 * connected peer and announced to the other nodes.
 */
public final class Documents {
  /** Retries when a document was evicted between finding it and running on it. */
  private static final int ATTEMPTS = 5;

  private final DocRegistry registry;

  Documents(DocRegistry registry) {
    this.registry = registry;
  }

  /** Reads a document of the project on its thread; empty when the project has no such document. */
  public <T> Future<Optional<T>> read(DocumentId id, UUID projectId, Function<Document, T> reader) {
    return read(id, projectId, reader, ATTEMPTS);
  }

  private <T> Future<Optional<T>> read(DocumentId id, UUID projectId, Function<Document, T> reader, int attempts) {
    return registry.find(id).compose(found -> {
      Optional<DocSession> session = found.filter(s -> s.projectId().equals(projectId));
      if (session.isEmpty()) {
        return Future.succeededFuture(Optional.<T>empty());
      }
      return session.get().read(reader).map(Optional::ofNullable)
          .recover(e -> retry(e, attempts, () -> read(id, projectId, reader, attempts - 1)));
    });
  }

  /**
   * A value read from a document, with the document's stored version it was read at: {@code seq}
   * is the last stored increment the document held. When {@code storedOnly}, it held nothing
   * else, so the value is what the store has at {@code seq} (and on any node, while the
   * document's last seq in the store is still {@code seq}).
   */
  public record Stamped<T>(T value, long seq, boolean storedOnly) {}

  /** As {@link #read}, stamped with the stored version that was read. */
  public <T> Future<Optional<Stamped<T>>> readStamped(DocumentId id, UUID projectId, Function<Document, T> reader) {
    return readStamped(id, projectId, reader, ATTEMPTS);
  }

  private <T> Future<Optional<Stamped<T>>> readStamped(DocumentId id, UUID projectId, Function<Document, T> reader,
      int attempts) {
    return registry.find(id).compose(found -> {
      Optional<DocSession> session = found.filter(s -> s.projectId().equals(projectId));
      if (session.isEmpty()) {
        return Future.succeededFuture(Optional.<Stamped<T>>empty());
      }
      return session.get().readStamped(reader).map(Optional::of)
          .recover(e -> retry(e, attempts, () -> readStamped(id, projectId, reader, attempts - 1)));
    });
  }

  /**
   * How far the project's stored documents have come, across every node (see
   * {@link DocumentStore.ProjectVersion}).
   */
  public Future<DocumentStore.ProjectVersion> storedVersion(UUID projectId) {
    return registry.store().projectVersion(projectId);
  }

  /** The last stored seq of each of the project's documents, across every node. */
  public Future<Map<DocumentId, Long>> storedSeqs(UUID projectId) {
    return registry.store().lastSeqs(projectId);
  }

  /**
   * Changes a document of the project in one transaction and completes once the change is
   * durable; empty when the project has no such document.
   */
  public <T> Future<Optional<T>> change(DocumentId id, UUID projectId, Function<Transaction, T> edit) {
    return change(id, projectId, edit, Optional.empty(), ATTEMPTS);
  }

  /**
   * Changes the document as it was at {@code heads} (a version read earlier): the transaction
   * reads that version, and its change merges with every change made since, as a peer's offline
   * edit would. Completes once durable; empty when the project has no such document.
   */
  public <T> Future<Optional<T>> changeAt(DocumentId id, UUID projectId, ChangeHash[] heads, Function<Transaction, T> edit) {
    return change(id, projectId, edit, Optional.of(heads.clone()), ATTEMPTS);
  }

  private <T> Future<Optional<T>> change(DocumentId id, UUID projectId, Function<Transaction, T> edit,
      Optional<ChangeHash[]> at, int attempts) {
    return registry.find(id).compose(found -> {
      Optional<DocSession> session = found.filter(s -> s.projectId().equals(projectId));
      if (session.isEmpty()) {
        return Future.succeededFuture(Optional.<T>empty());
      }
      return session.get().change(edit, at).map(Optional::ofNullable)
          .recover(e -> retry(e, attempts, () -> change(id, projectId, edit, at, attempts - 1)));
    });
  }

  /**
   * Creates the document in the project (unless it exists) and changes it; fails when the id
   * belongs to another project.
   */
  public <T> Future<T> createAndChange(DocumentId id, UUID projectId, Function<Transaction, T> edit) {
    return registry.findOrCreate(id, projectId)
        .compose(session -> session.projectId().equals(projectId)
            ? change(id, projectId, edit)
            : Future.failedFuture(new IllegalStateException("document " + id + " belongs to another project")))
        .compose(r -> r.map(Future::succeededFuture)
            .orElseGet(() -> Future.failedFuture(new IllegalStateException("document " + id + " vanished"))));
  }

  /**
   * Calls {@code listener} (on a document thread or the bus's; it must not block) with the id of
   * each document whose stored content changed, on this node or, as far as this node hears of
   * it, on another. Readers that keep derived data (the assistant's retrieval index) use it.
   */
  public void onChange(java.util.function.Consumer<DocumentId> listener) {
    registry.onChange(listener);
  }

  private static <T> Future<T> retry(Throwable e, int attempts, java.util.function.Supplier<Future<T>> again) {
    return e instanceof SessionClosed && attempts > 1 ? again.get() : Future.failedFuture(e);
  }
}
