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
 * ({@link ChatRelay}); stopping an answer written elsewhere, or deciding its agent's steps, goes over the bus
 * too ({@link AnswerControl}).
 */
public final class ChatFanOut {
  private static final Logger log = LoggerFactory.getLogger(ChatFanOut.class);
  private final Map<UUID, List<ChatStreamListener>> subscribers = new ConcurrentHashMap<>();
  private final Optional<ChatRelay> relay;
  private final Optional<AnswerControl> control;

  /** A single node's fan-out. */
  public ChatFanOut() {
    this.relay = Optional.empty();
    this.control = Optional.empty();
  }

  /** A fan-out that shares answers with the other nodes on the bus. */
  public ChatFanOut(Vertx vertx, Bus bus, ChatStore store, ChatRelaySettings settings) {
    this.relay = Optional.of(new ChatRelay(vertx, bus, store, settings, this::deliver));
    this.control = Optional.of(new AnswerControl(vertx, bus, settings.stopWait(), settings.messageBytes()));
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
   * Lets other nodes stop the answer this node writes in a thread (and decide its agent's steps),
   * until the returned handle is closed.
   */
  public AnswerControl.Hosted hostControl(UUID threadId, AnswerControl.Handlers handlers) {
    return control.map(c -> c.host(threadId, handlers)).orElseGet(AnswerControl::none);
  }

  /**
   * Asks the node writing the thread's answer to stop it; false on a single node (nothing runs
   * elsewhere) or when no node confirms in time.
   */
  public Future<Boolean> stopElsewhere(UUID threadId, boolean agent, String username) {
    return control.map(c -> c.requestStop(threadId, agent, username)).orElseGet(() -> Future.succeededFuture(false));
  }

  /**
   * Asks the node writing the thread's answer to decide a step of its agent run (see
   * {@link AnswerControl#requestDecision}); empty on a single node (nothing runs elsewhere).
   */
  public Future<Optional<JsonObject>> decideElsewhere(UUID threadId, AnswerControl.RemoteDecision decision) {
    return control.map(c -> c.requestDecision(threadId, decision)).orElseGet(() -> Future.succeededFuture(Optional.empty()));
  }

  /**
   * Tells the project's subscribers on every node that an answer was ended in the store as
   * interrupted because its node went away; on a single node there is nobody to tell (it happens
   * at start-up only).
   */
  public void interrupted(ChatStore.Interrupted answer) {
    relay.ifPresent(r -> r.interrupted(answer));
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
