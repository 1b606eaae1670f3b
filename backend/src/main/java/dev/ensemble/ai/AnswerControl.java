package dev.ensemble.ai;

import dev.ensemble.cluster.Bus;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.UUID;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stopping an answer or agent run from any node. The node writing a thread's answer listens on
 * {@code chat-control:<threadId>} while it writes; another node asked to stop it publishes a
 * request there and waits for the reply, which comes once the stopped answer is stored.
 */
public final class AnswerStops {
  private static final Logger log = LoggerFactory.getLogger(AnswerStops.class);

  private final Vertx vertx;
  private final Bus bus;
  private final Duration wait;

  AnswerStops(Vertx vertx, Bus bus, Duration wait) {
    this.vertx = vertx;
    this.bus = bus;
    this.wait = wait;
  }

  /** Taking stop requests for one thread; closing it stops taking them. */
  public static final class Hosted implements AutoCloseable {
    private final Future<Bus.Subscription> subscription;

    Hosted(Future<Bus.Subscription> subscription) {
      this.subscription = subscription;
    }

    /** Completes once other nodes can reach it (or the bus refused, which is logged). */
    public Future<Void> ready() {
      return subscription.<Void>mapEmpty().otherwiseEmpty();
    }

    @Override
    public void close() {
      subscription.onSuccess(Bus.Subscription::cancel);
    }
  }

  /** Taking nothing: on a single node every stop is local. */
  static Hosted none() {
    return new Hosted(Future.succeededFuture(() -> Future.succeededFuture()));
  }

  /**
   * Takes stop requests from other nodes for the answer ({@code agent}: the agent run) this node
   * writes in a thread, until the returned handle is closed. If the bus refuses, the answer still
   * runs, stoppable on this node only.
   */
  public Hosted host(UUID threadId, boolean agent, Function<String, Future<Boolean>> stop) {
    String topic = topic(threadId);
    return new Hosted(bus.subscribe(topic, payload -> {
      if (ChatBusMessage.decode(payload).orElse(null) instanceof ChatBusMessage.StopRequest q
          && !q.node().equals(bus.nodeId()) && q.threadId().equals(threadId)) {
        Future<Boolean> stopped = q.agent() == agent ? stop.apply(q.username()) : Future.succeededFuture(false);
        stopped.otherwise(false).onSuccess(s -> publish(topic,
            new ChatBusMessage.StopReply(bus.nodeId(), q.requestId(), s)));
      }
    }).onFailure(e -> log.warn("the answer in thread {} cannot be stopped from other nodes: {}", threadId, e.toString())));
  }

  /**
   * Asks the node writing the thread's answer to stop it; false when it says no or nobody answers
   * within {@code ENSEMBLE_AI_STOP_WAIT_MS} (the answer ended meanwhile, or its node is gone).
   */
  public Future<Boolean> request(UUID threadId, boolean agent, String username) {
    String topic = topic(threadId);
    String requestId = UUID.randomUUID().toString();
    Promise<Boolean> answer = Promise.promise();
    return bus.subscribe(topic, payload -> {
      if (ChatBusMessage.decode(payload).orElse(null) instanceof ChatBusMessage.StopReply a
          && a.requestId().equals(requestId)) {
        answer.tryComplete(a.stopped());
      }
    }).compose(sub -> {
      long timer = vertx.setTimer(wait.toMillis(), t -> answer.tryComplete(false));
      bus.publish(topic, ChatBusMessage.encode(
              new ChatBusMessage.StopRequest(bus.nodeId(), requestId, threadId, agent, username)))
          .onFailure(e -> answer.tryComplete(false));
      return answer.future().onComplete(x -> {
        vertx.cancelTimer(timer);
        sub.cancel();
      });
    });
  }

  private void publish(String topic, ChatBusMessage message) {
    bus.publish(topic, ChatBusMessage.encode(message))
        .onFailure(e -> log.warn("publishing on {} failed: {}", topic, e.toString()));
  }

  private static String topic(UUID threadId) {
    return "chat-control:" + threadId;
  }
}
