package dev.ensemble.ai;

import dev.ensemble.cluster.Bus;
import dev.ensemble.http.ApiException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Controlling an answer or agent run from any node: stopping it, and approving or rejecting an
 * agent step. The node writing a thread's answer listens on {@code chat-control:<threadId>} while
 * it writes; another node publishes a request there and waits for the reply.
 */
public final class AnswerControl {
  private static final Logger log = LoggerFactory.getLogger(AnswerControl.class);

  private final Vertx vertx;
  private final Bus bus;
  private final Duration wait;
  private final int messageBytes;

  AnswerControl(Vertx vertx, Bus bus, Duration wait, int messageBytes) {
    this.vertx = vertx;
    this.bus = bus;
    this.wait = wait;
    this.messageBytes = messageBytes;
  }

  /** A decision on an agent step taken on another node, by a user that node allowed to decide. */
  public record RemoteDecision(UUID projectId, UUID stepId, boolean approve, UUID userId, String username,
      Optional<String> reason) {}

  /**
   * What the node writing an answer does when asked from elsewhere: {@code stop} (by username),
   * and for an agent run {@code decide}, which gives the decided step or fails with an ApiException.
   */
  public record Handlers(boolean agent, Function<String, Future<Boolean>> stop,
      Optional<Function<RemoteDecision, Future<JsonObject>>> decide) {
    /** A chat answer's: it can be stopped and has no steps to decide. */
    public static Handlers chat(Function<String, Future<Boolean>> stop) {
      return new Handlers(false, stop, Optional.empty());
    }

    /** An agent run's. */
    public static Handlers agent(Function<String, Future<Boolean>> stop,
        Function<RemoteDecision, Future<JsonObject>> decide) {
      return new Handlers(true, stop, Optional.of(decide));
    }
  }

  /** Taking requests for one thread; closing it stops taking them. */
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

  /** Taking nothing: on a single node everything is local. */
  static Hosted none() {
    return new Hosted(Future.succeededFuture(() -> Future.succeededFuture()));
  }

  /**
   * Takes requests from other nodes for the answer this node writes in a thread, until the
   * returned handle is closed. If the bus refuses, the answer still runs, controlled from this node
   * only.
   */
  public Hosted host(UUID threadId, Handlers handlers) {
    String topic = topic(threadId);
    return new Hosted(bus.subscribe(topic, payload -> {
      ChatBusMessage m = ChatBusMessage.decode(payload).orElse(null);
      if (m == null || m.node().equals(bus.nodeId())) {
        return;
      }
      if (m instanceof ChatBusMessage.StopRequest q && q.threadId().equals(threadId)) {
        Future<Boolean> stopped = q.agent() == handlers.agent() ? handlers.stop().apply(q.username())
            : Future.succeededFuture(false);
        stopped.otherwise(false).onSuccess(s -> publish(topic,
            new ChatBusMessage.StopReply(bus.nodeId(), q.requestId(), s)));
      } else if (m instanceof ChatBusMessage.DecideRequest q && q.threadId().equals(threadId)) {
        answer(topic, q, handlers);
      }
    }).onFailure(e -> log.warn("the answer in thread {} cannot be controlled from other nodes: {}", threadId,
        e.toString())));
  }

  private void answer(String topic, ChatBusMessage.DecideRequest q, Handlers handlers) {
    if (handlers.decide().isEmpty()) {
      publish(topic, new ChatBusMessage.DecideReply(bus.nodeId(), q.requestId(),
          ChatBusMessage.DecideReply.NO_AGENT_RUN, new JsonObject()));
      return;
    }
    RemoteDecision d = new RemoteDecision(q.projectId(), q.stepId(), q.approve(), q.userId(), q.username(), q.reason());
    handlers.decide().get().apply(d).onComplete(ar -> {
      ChatBusMessage.DecideReply reply;
      if (ar.succeeded()) {
        reply = new ChatBusMessage.DecideReply(bus.nodeId(), q.requestId(), 200, fitted(q.requestId(), ar.result()));
      } else if (ar.cause() instanceof ApiException e) {
        reply = new ChatBusMessage.DecideReply(bus.nodeId(), q.requestId(), e.status(),
            new JsonObject().put("code", e.code()).put("message", e.getMessage()));
      } else {
        log.error("deciding step {} for another node failed", q.stepId(), ar.cause());
        reply = new ChatBusMessage.DecideReply(bus.nodeId(), q.requestId(), 500,
            new JsonObject().put("code", "internal").put("message", "internal server error"));
      }
      publish(topic, reply);
    });
  }

  /**
   * The step as the reply may carry it: a step over the message budget goes without its
   * arguments (the only part without a bound), which the asking node reads from the store.
   */
  private JsonObject fitted(String requestId, JsonObject step) {
    byte[] whole = ChatBusMessage.encode(new ChatBusMessage.DecideReply(bus.nodeId(), requestId, 200, step));
    if (whole.length <= messageBytes) {
      return step;
    }
    JsonObject lean = step.copy();
    lean.remove("arguments");
    return lean;
  }

  /**
   * Asks the node writing the thread's answer to stop it; false when it says no or nobody answers
   * within {@code ENSEMBLE_AI_STOP_WAIT_MS} (the answer ended meanwhile, or its node is gone).
   */
  public Future<Boolean> requestStop(UUID threadId, boolean agent, String username) {
    String requestId = UUID.randomUUID().toString();
    return ask(threadId, requestId,
        new ChatBusMessage.StopRequest(bus.nodeId(), requestId, threadId, agent, username),
        ChatBusMessage.StopReply.class)
        .map(reply -> reply.map(ChatBusMessage.StopReply::stopped).orElse(false));
  }

  /**
   * Asks the node writing the thread's answer to decide a step of its agent run. Gives the decided
   * step; empty when that node writes a chat answer; fails with the running node's ApiException
   * (404, 409) or, when nobody answers within {@code ENSEMBLE_AI_STOP_WAIT_MS}, with 503
   * {@code ai_agent_unreachable}. A reason that would not fit {@code ENSEMBLE_AI_RELAY_MESSAGE_BYTES}
   * is cut to fit.
   */
  public Future<Optional<JsonObject>> requestDecision(UUID threadId, RemoteDecision d) {
    String requestId = UUID.randomUUID().toString();
    ChatBusMessage.DecideRequest q = new ChatBusMessage.DecideRequest(bus.nodeId(), requestId, d.projectId(),
        threadId, d.stepId(), d.approve(), d.userId(), d.username(), d.reason());
    int over = ChatBusMessage.encode(q).length - messageBytes;
    if (over > 0 && d.reason().isPresent()) {
      String reason = d.reason().get();
      int keep = ChatBroadcast.cut(reason, 0, Math.max(0, reason.getBytes(StandardCharsets.UTF_8).length - over));
      q = new ChatBusMessage.DecideRequest(bus.nodeId(), requestId, d.projectId(), threadId, d.stepId(), d.approve(),
          d.userId(), d.username(), keep == 0 ? Optional.empty() : Optional.of(reason.substring(0, keep)));
    }
    return ask(threadId, requestId, q, ChatBusMessage.DecideReply.class).map(found -> {
      ChatBusMessage.DecideReply reply = found.orElseThrow(() -> ApiException.of(503, "ai_agent_unreachable",
          "the server running the agent in this thread did not answer within " + wait.toMillis()
              + " ms (ENSEMBLE_AI_STOP_WAIT_MS); try again"));
      if (reply.status() == ChatBusMessage.DecideReply.NO_AGENT_RUN) {
        return Optional.<JsonObject>empty();
      }
      if (reply.status() != 200) {
        throw ApiException.of(reply.status(), reply.body().getString("code", "internal"),
            reply.body().getString("message", ""));
      }
      return Optional.of(reply.body());
    });
  }

  /** Publishes a request and waits for its reply of type {@code type}; empty when none comes in time. */
  private <R extends ChatBusMessage> Future<Optional<R>> ask(UUID threadId, String requestId, ChatBusMessage request,
      Class<R> type) {
    String topic = topic(threadId);
    Promise<Optional<R>> answer = Promise.promise();
    return bus.subscribe(topic, payload -> ChatBusMessage.decode(payload)
        .filter(type::isInstance)
        .map(type::cast)
        .filter(r -> requestId.equals(requestIdOf(r)))
        .ifPresent(r -> answer.tryComplete(Optional.of(r))))
        .compose(sub -> {
          long timer = vertx.setTimer(wait.toMillis(), t -> answer.tryComplete(Optional.empty()));
          bus.publish(topic, ChatBusMessage.encode(request)).onFailure(e -> answer.tryComplete(Optional.empty()));
          return answer.future().onComplete(x -> {
            vertx.cancelTimer(timer);
            sub.cancel();
          });
        })
        .otherwise(e -> Optional.empty()); // the bus refused the subscription: nobody can answer
  }

  private static String requestIdOf(ChatBusMessage reply) {
    if (reply instanceof ChatBusMessage.StopReply r) {
      return r.requestId();
    }
    return reply instanceof ChatBusMessage.DecideReply r ? r.requestId() : "";
  }

  private void publish(String topic, ChatBusMessage message) {
    bus.publish(topic, ChatBusMessage.encode(message))
        .onFailure(e -> log.warn("publishing on {} failed: {}", topic, e.toString()));
  }

  private static String topic(UUID threadId) {
    return "chat-control:" + threadId;
  }
}
