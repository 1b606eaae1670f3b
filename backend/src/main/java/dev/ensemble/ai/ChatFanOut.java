package dev.ensemble.ai;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * In-process fan-out of chat events: one {@link ChatStreamListener} per project that forwards each
 * event to that project's subscribers, in the order published. Across nodes the lead's bus would
 * carry the events; this node only knows its own subscribers.
 */
public final class ChatFanOut {
  private static final Logger log = LoggerFactory.getLogger(ChatFanOut.class);
  private final Map<UUID, List<ChatStreamListener>> subscribers = new ConcurrentHashMap<>();

  /** Subscribes to a project's chat events until the returned handle is closed. */
  public AutoCloseable subscribe(UUID projectId, ChatStreamListener listener) {
    subscribers.computeIfAbsent(projectId, id -> new CopyOnWriteArrayList<>()).add(listener);
    return () ->
        subscribers.computeIfPresent(
            projectId,
            (id, list) -> {
              list.remove(listener);
              return list.isEmpty() ? null : list;
            });
  }

  /** The listener that publishes to everyone subscribed to the project. */
  public ChatStreamListener forProject(UUID projectId) {
    return event -> {
      List<ChatStreamListener> list = subscribers.get(projectId);
      if (list == null) {
        return;
      }
      for (ChatStreamListener l : list) {
        try {
          l.onEvent(event);
        } catch (RuntimeException e) {
          // one broken subscriber must not starve the others
          log.warn("chat subscriber of project {} failed: {}", projectId, e.toString());
        }
      }
    };
  }
}
