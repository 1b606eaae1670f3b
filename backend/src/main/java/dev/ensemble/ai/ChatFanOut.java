package dev.ensemble.ai;

import dev.ensemble.cluster.Bus;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fan-out of chat events: one {@link ChatStreamListener} per project that forwards each event to
 * that project's subscribers, in the order published. With several nodes, the events of answers
 * written here also go to the other nodes and those written elsewhere reach the subscribers here
 * ({@link ChatRelay}); stopping an answer written elsewhere goes over the bus too ({@link AnswerStops}).
 */
public final class ChatFanOut {
  private static final Logger log = LoggerFactory.getLogger(ChatFanOut.class);
  private final Map<UUID, List<ChatStreamListener>> subscribers = new ConcurrentHashMap<>();
  private final Optional<ChatRelay> relay;
  private final Optional<AnswerStops> stops;

  /** A single node's fan-out. */
  public ChatFanOut() {
    this.relay = Optional.empty();
    this.stops = Optional.empty();
  }

  /** A fan-out that shares answers with the other nodes on the bus. */
  public ChatFanOut(Vertx vertx, Bus bus, ChatStore store, ChatRelaySettings settings) {
    this.relay = Optional.of(new ChatRelay(vertx, bus, store, settings, this::deliver));
    this.stops = Optional.of(new AnswerStops(vertx, bus, settings.stopWait()));
  }

  /** Subscribes to a project's chat events until the returned handle is closed. */
  public AutoCloseable subscribe(UUID projectId, ChatStreamListener listener) {
    boolean[] first = new boolean[1];
    subscribers.compute(projectId, (id, list) -> {
      List<ChatStreamListener> l = list == null ? new CopyOnWriteArrayList<>() : list;
      first[0] = l.isEmpty();
      l.add(listener);
      return l;
    });
    if (first[0]) {
      relay.ifPresent(r -> r.follow(projectId));
    }
    return () -> {
      boolean[] last = new boolean[1];
      subscribers.computeIfPresent(
          projectId,
          (id, list) -> {
            list.remove(listener);
            last[0] = list.isEmpty();
            return list.isEmpty() ? null : list;
          });
      if (last[0]) {
        relay.ifPresent(r -> r.unfollow(projectId));
      }
    };
  }

  /** The listener that publishes to everyone subscribed to the project, on every node. */
  public ChatStreamListener forProject(UUID projectId) {
    return event -> {
      deliver(projectId, event);
      relay.ifPresent(r -> r.publish(projectId, event));
    };
  }

  /**
   * Where other nodes read an agent answer's stored steps ({@code step} JSON, in order) when they
   * catch up on it.
   */
  public void useSteps(Function<UUID, Future<List<JsonObject>>> source) {
    relay.ifPresent(r -> r.useSteps(source));
  }

  /**
   * Lets other nodes stop the answer ({@code agent}: the agent run) this node writes in a thread,
   * until the returned handle is closed.
   */
  public AnswerStops.Hosted hostStops(UUID threadId, boolean agent, Function<String, Future<Boolean>> stop) {
    return stops.map(s -> s.host(threadId, agent, stop)).orElseGet(AnswerStops::none);
  }

  /**
   * Asks the node writing the thread's answer to stop it; false on a single node (nothing runs
   * elsewhere) or when no node confirms in time.
   */
  public Future<Boolean> stopElsewhere(UUID threadId, boolean agent, String username) {
    return stops.map(s -> s.request(threadId, agent, username)).orElseGet(() -> Future.succeededFuture(false));
  }

  /** Tells this node's subscribers of the project. */
  private void deliver(UUID projectId, ChatEvent event) {
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
  }
}
