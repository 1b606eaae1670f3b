package dev.ensemble.runs;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells everyone watching a project about its runs on this node: a run was accepted, started or
 * ended. Listeners are called on supervisor threads and must not block. Other nodes' runs are not
 * announced here (runs are not shared between nodes yet).
 */
public final class RunAnnouncements {
  private static final Logger log = LoggerFactory.getLogger(RunAnnouncements.class);

  /** What happened to a run; {@code accepted} is true for the first notice of a new run. */
  public record Notice(RunView run, boolean accepted) {}

  private final Map<UUID, List<Consumer<Notice>>> listeners = new ConcurrentHashMap<>();

  /** Listens to a project's run notices until the handle is closed. */
  public AutoCloseable subscribe(UUID projectId, Consumer<Notice> listener) {
    listeners.computeIfAbsent(projectId, id -> new CopyOnWriteArrayList<>()).add(listener);
    return () -> listeners.computeIfPresent(projectId, (id, list) -> {
      list.remove(listener);
      return list.isEmpty() ? null : list;
    });
  }

  void publish(Notice notice) {
    List<Consumer<Notice>> list = listeners.get(notice.run().projectId());
    if (list == null) {
      return;
    }
    for (Consumer<Notice> l : list) {
      try {
        l.accept(notice);
      } catch (RuntimeException e) {
        log.warn("run listener of project {} failed: {}", notice.run().projectId(), e.toString());
      }
    }
  }
}
