package dev.ensemble.sync.store;

import dev.ensemble.sync.protocol.DocumentId;
import io.vertx.core.Future;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** Durable Automerge documents: a snapshot plus numbered increments, each owned by one project. */
public interface DocumentStore {

  /** A batch of encoded Automerge changes with its position in the document's log. */
  record Increment(long seq, byte[] changes) {}

  /** What is stored of a document; the increments are those after the snapshot, in order. */
  record Stored(UUID projectId, Optional<byte[]> snapshot, long snapshotSeq, List<Increment> increments) {
    public long lastSeq() {
      return increments.isEmpty() ? snapshotSeq : increments.get(increments.size() - 1).seq();
    }

    public long incrementBytes() {
      return increments.stream().mapToLong(i -> i.changes().length).sum();
    }
  }

  Future<Optional<Stored>> load(DocumentId id);

  /**
   * Creates an empty document in the project unless the id exists; answers the owning project
   * (another one when the id was taken already).
   */
  Future<UUID> create(DocumentId id, UUID projectId);

  /** Appends a batch of changes durably; answers its seq. */
  Future<Long> append(DocumentId id, byte[] changes);

  /**
   * Increments with seq greater than the given one, in order (catch-up after another node wrote).
   * When some of them have been folded into the snapshot, the snapshot (a whole saved document,
   * which Automerge applies like changes) comes first, numbered with the last seq it contains.
   */
  Future<List<Increment>> changesAfter(DocumentId id, long seq);

  /** Replaces the snapshot by one that contains every increment up to throughSeq and drops those. */
  Future<Void> compact(DocumentId id, byte[] snapshot, long throughSeq);
}
