package dev.ensemble.git;

import dev.ensemble.sync.store.DocumentStore.ProjectVersion;
import io.vertx.core.json.JsonObject;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The last git status of each project on this node, with the stored version of the project's
 * documents it was computed from. It answers only while the store still has that version, which
 * every node's stored change moves on; git operations that change the repository (index, HEAD,
 * refs, config) forget the project's entry. Holds at most {@code capacity} projects, least
 * recently used dropped first.
 */
final class StatusCache {
  private record Entry(ProjectVersion files, JsonObject status) {}

  private final int capacity;
  /** Guarded by itself; access order. */
  private final LinkedHashMap<UUID, Entry> entries = new LinkedHashMap<>(64, 0.75f, true);

  StatusCache(int capacity) {
    this.capacity = capacity;
  }

  /** A copy of the remembered status when it was computed from exactly these files. */
  Optional<JsonObject> get(UUID projectId, ProjectVersion files) {
    synchronized (entries) {
      Entry e = entries.get(projectId);
      return e != null && e.files().equals(files) ? Optional.of(e.status().copy()) : Optional.empty();
    }
  }

  /** Remembers the status computed from these files (replacing what was there). */
  void put(UUID projectId, ProjectVersion files, JsonObject status) {
    if (capacity == 0) {
      return;
    }
    synchronized (entries) {
      entries.put(projectId, new Entry(files, status.copy()));
      Iterator<Map.Entry<UUID, Entry>> oldest = entries.entrySet().iterator();
      while (entries.size() > capacity && oldest.hasNext()) {
        oldest.next();
        oldest.remove();
      }
    }
  }

  /** The project's repository changed: its remembered status is void. */
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
