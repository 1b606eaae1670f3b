package dev.ensemble.runs;

import dev.ensemble.cluster.Bus;
import io.vertx.core.Future;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells everyone watching a project about its runs, on every node: a run was accepted, started or
 * ended. A node listens to a project's topic {@code runs:<projectId>} on the bus while someone on
 * it watches the project; it hears its own notices directly. Notices are not replayed: one lost on
 * the bus is lost (the project's run list, read again, has the run as stored). Listeners are
 * called on supervisor or bus threads and must not block.
 */
public final class RunAnnouncements {
  private static final Logger log = LoggerFactory.getLogger(RunAnnouncements.class);

  /** What happened to a run; {@code accepted} is true for the first notice of a new run. */
  public record Notice(RunView run, boolean accepted) {}

  private final Bus bus;
  private final Map<UUID, Project> projects = new ConcurrentHashMap<>();
  /** Publishes one at a time, so other nodes hear a node's notices in the order they happened. */
  private Future<Void> sending = Future.succeededFuture();

  public RunAnnouncements(Bus bus) {
    this.bus = bus;
  }

  /** The listeners of one project on this node and the bus subscription they share. */
  private static final class Project {
    final List<Consumer<Notice>> listeners = new CopyOnWriteArrayList<>();
    Future<Bus.Subscription> subscription;
  }

  /**
   * Listens to a project's run notices until the handle is closed; other nodes' notices from the
   * moment the bus has the subscription (a round trip to Redis).
   */
  public AutoCloseable subscribe(UUID projectId, Consumer<Notice> listener) {
    synchronized (projects) {
      Project p = projects.computeIfAbsent(projectId, id -> new Project());
      if (p.subscription == null) {
        p.subscription = bus.subscribe(topic(projectId), payload -> fromBus(projectId, payload))
            .onFailure(e -> log.warn("other nodes' runs of project {} will not be announced here: {}", projectId, e.toString()));
      }
      p.listeners.add(listener);
    }
    return () -> {
      synchronized (projects) {
        Project p = projects.get(projectId);
        if (p != null && p.listeners.remove(listener) && p.listeners.isEmpty()) {
          projects.remove(projectId);
          p.subscription.onSuccess(Bus.Subscription::cancel);
        }
      }
    };
  }

  /** Tells this node's listeners and the other nodes. */
  void publish(Notice notice) {
    deliver(notice);
    share(notice);
  }

  /** Tells this node's listeners only. */
  void deliver(Notice notice) {
    Project p = projects.get(notice.run().projectId());
    if (p == null) {
      return;
    }
    for (Consumer<Notice> l : p.listeners) {
      try {
        l.accept(notice);
      } catch (RuntimeException e) {
        log.warn("run listener of project {} failed: {}", notice.run().projectId(), e.toString());
      }
    }
  }

  /** Tells the other nodes only. */
  void share(Notice notice) {
    byte[] payload = RunBusMessage.encode(new RunBusMessage.Notice(bus.nodeId(), notice.accepted(), notice.run()));
    String topic = topic(notice.run().projectId());
    synchronized (this) {
      sending = sending.transform(x -> bus.publish(topic, payload)
          .onFailure(e -> log.warn("announcing run {} to other nodes failed: {}", notice.run().id(), e.toString())));
    }
  }

  /** Completes once the notices shared so far are sent (or could not be). */
  synchronized Future<Void> sent() {
    return sending;
  }

  private void fromBus(UUID projectId, byte[] payload) {
    if (RunBusMessage.decode(payload).orElse(null) instanceof RunBusMessage.Notice n
        && !n.node().equals(bus.nodeId()) && n.run().projectId().equals(projectId)) {
      deliver(new Notice(n.run(), n.accepted()));
    }
  }

  private static String topic(UUID projectId) {
    return "runs:" + projectId;
  }
}
