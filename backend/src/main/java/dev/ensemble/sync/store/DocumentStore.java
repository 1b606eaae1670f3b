package dev.ensemble.sync.store;

import dev.ensemble.sync.protocol.DocumentId;
import io.vertx.core.Future;
import java.util.List;
import java.util.Map;
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

  /**
   * How far a project's documents have come: how many there are and the sum of their last seqs.
   * Documents are only added and seqs only grow, so any change stored by any node, and any new
   * document, gives a different value, and an equal value means every document is as it was.
   */
  record ProjectVersion(long documents, long changes) {
    /** The version that these last seqs add up to. */
    public static ProjectVersion of(Map<DocumentId, Long> lastSeqs) {
      return new ProjectVersion(lastSeqs.size(), lastSeqs.values().stream().mapToLong(Long::longValue).sum());
    }
  }

  /** The project's {@link ProjectVersion}: one small aggregate, cheap enough to ask often. */
  Future<ProjectVersion> projectVersion(UUID projectId);

  /** The last seq of every document of the project. */
  Future<Map<DocumentId, Long>> lastSeqs(UUID projectId);
}
