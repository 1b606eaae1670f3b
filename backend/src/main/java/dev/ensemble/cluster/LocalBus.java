package dev.ensemble.cluster;

import io.vertx.core.Future;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The {@link Bus} of a single node (or of several in-process nodes that share one instance). */
public final class LocalBus implements Bus {
  private static final Logger log = LoggerFactory.getLogger(LocalBus.class);

  private final String nodeId;
  private final Map<String, List<Consumer<byte[]>>> topics = new ConcurrentHashMap<>();

  public LocalBus() {
    this(UUID.randomUUID().toString());
  }

  public LocalBus(String nodeId) {
    this.nodeId = nodeId;
  }

  @Override
  public String nodeId() {
    return nodeId;
  }

  @Override
  public Future<Void> publish(String topic, byte[] payload) {
    for (Consumer<byte[]> handler : topics.getOrDefault(topic, List.of())) {
      try {
        handler.accept(payload);
      } catch (RuntimeException e) {
        log.warn("bus handler of {} failed", topic, e);
      }
    }
    return Future.succeededFuture();
  }

  @Override
  public Future<Subscription> subscribe(String topic, Consumer<byte[]> handler) {
    topics.computeIfAbsent(topic, t -> new CopyOnWriteArrayList<>()).add(handler);
    return Future.succeededFuture(
        () -> {
          topics.computeIfPresent(topic, (t, list) -> {
            list.remove(handler);
            return list.isEmpty() ? null : list;
          });
          return Future.succeededFuture();
        });
  }
}
