package dev.ensemble.git;

import dev.ensemble.sync.store.DocumentStore.ProjectVersion;
import io.vertx.core.json.JsonObject;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The last git status of each project on this node, with what it was computed from: the stored
 * version of the project's documents, which every node's stored change moves on, and the project's
 * repository version ({@link RepositoryVersions}), which every node's git operation that may change
 * the repository (index, HEAD, refs, config) raises. It answers only while both are unchanged.
 * Holds at most {@code capacity} projects, least recently used dropped first.
 */
final class StatusCache {
  /** What a status was computed from. */
  record Version(ProjectVersion files, long repository) {}

  private record Entry(Version version, JsonObject status) {}

  private final int capacity;
  /** Guarded by itself; access order. */
  private final LinkedHashMap<UUID, Entry> entries = new LinkedHashMap<>(64, 0.75f, true);

  StatusCache(int capacity) {
    this.capacity = capacity;
  }

  /** A copy of the remembered status when it was computed from exactly this version. */
  Optional<JsonObject> get(UUID projectId, Version version) {
    synchronized (entries) {
      Entry e = entries.get(projectId);
      return e != null && e.version().equals(version) ? Optional.of(e.status().copy()) : Optional.empty();
    }
  }

  /** Remembers the status computed from this version (replacing what was there). */
  void put(UUID projectId, Version version, JsonObject status) {
    if (capacity == 0) {
      return;
    }
    synchronized (entries) {
      entries.put(projectId, new Entry(version, status.copy()));
      Iterator<Map.Entry<UUID, Entry>> oldest = entries.entrySet().iterator();
      while (entries.size() > capacity && oldest.hasNext()) {
        oldest.next();
        oldest.remove();
      }
    }
  }

  /** The project's repository changed on this node: its remembered status is void (frees it early). */
  void forget(UUID projectId) {
    synchronized (entries) {
      entries.remove(projectId);
    }
  }

  int size() {
    synchronized (entries) {
      return entries.size();
    }
  }
}
