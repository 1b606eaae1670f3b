package dev.ensemble.ai;

import dev.ensemble.cluster.Bus;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers across nodes, over the {@link Bus}. The node writing an answer publishes its events on
 * {@code chat:<projectId>} ({@link ChatBroadcast}); a node with subscribers of the project listens
 * there and tells them each answer in order ({@link ChatFollower}).
 *
 * <p>The bus is the fast path and may lose messages; the store has the answer. Messages are
 * numbered per answer, the answering node stores the text so far with the number it covers, and
 * a follower that sees a number skip, hears of a bus gap, or hears nothing for a while reads the
 * store and goes on from there. The end is published only once the answer is stored.
 */
final class ChatRelay {
  private static final Logger log = LoggerFactory.getLogger(ChatRelay.class);
  /** Answers recently ended here, whose late or repeated messages are ignored. */
  private static final int REMEMBERED_ENDS = 4096;
  /** The number of an end published by a node other than the answer's: after anything its node sent. */
  static final long LAST_SEQ = Long.MAX_VALUE;

  private final Vertx vertx;
  private final Bus bus;
  private final ChatStore store;
  private final ChatRelaySettings settings;
  private final BiConsumer<UUID, ChatEvent> local;
  /** The relay's own context: every follower lives on it. */
  private final Context context;
  private final Map<UUID, ChatBroadcast> broadcasts = new ConcurrentHashMap<>();
  private final Map<UUID, Future<Bus.Subscription>> followed = new ConcurrentHashMap<>();
  private final Map<UUID, ChatFollower> followers = new ConcurrentHashMap<>();
  private final Map<UUID, Boolean> ended = new LinkedHashMap<>(64, 0.75f, false) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<UUID, Boolean> eldest) {
      return size() > REMEMBERED_ENDS;
    }
  };
  private volatile Function<UUID, Future<List<JsonObject>>> steps = id -> Future.succeededFuture(List.of());

  ChatRelay(Vertx vertx, Bus bus, ChatStore store, ChatRelaySettings settings, BiConsumer<UUID, ChatEvent> local) {
    this.vertx = vertx;
    this.bus = bus;
    this.store = store;
    this.settings = settings;
    this.local = local;
    this.context = vertx.getOrCreateContext();
    bus.onGap(() -> context.runOnContext(v -> followers.values().forEach(ChatFollower::lost)));
    context.runOnContext(v -> vertx.setPeriodic(settings.quietCheck().toMillis(), t -> checkQuiet()));
  }

  /** Where followers read an agent answer's stored steps (as {@code step} JSON, in order). */
  void useSteps(Function<UUID, Future<List<JsonObject>>> source) {
    this.steps = source;
  }

  // ---- the node writing the answer -------------------------------------------------------------

  /** Publishes an event of an answer written on this node (called on the answer's context). */
  void publish(UUID projectId, ChatEvent event) {
    broadcasts.computeIfAbsent(event.messageId(), id -> new ChatBroadcast(
            vertx, bus, store, settings, topic(projectId), event.threadId(), id, () -> broadcasts.remove(id)))
        .add(event);
  }

  // ---- nodes with subscribers of the project ---------------------------------------------------

  /** Starts listening for the project's answers written elsewhere (its first subscriber here arrived). */
  void follow(UUID projectId) {
    followed.computeIfAbsent(projectId, id -> bus.subscribe(topic(id), payload -> onPayload(id, payload))
        .onFailure(e -> {
          log.warn("answers of project {} from other nodes cannot be followed: {}", id, e.toString());
          followed.remove(id);
        }));
  }

  /** Stops listening (its last subscriber here left). */
  void unfollow(UUID projectId) {
    Future<Bus.Subscription> sub = followed.remove(projectId);
    if (sub != null) {
      sub.onSuccess(Bus.Subscription::cancel);
    }
    context.runOnContext(v -> followers.values().removeIf(f -> f.projectId.equals(projectId)));
  }

  private void onPayload(UUID projectId, byte[] payload) {
    if (!(ChatBusMessage.decode(payload).orElse(null) instanceof ChatBusMessage.Event m)
        || m.node().equals(bus.nodeId())) {
      return;
    }
    heard(projectId, m);
  }

  // ---- any node: an answer whose node went away ------------------------------------------------

  /**
   * Tells every node, this one included, that an answer written elsewhere was ended in the store
   * as interrupted (its node went away). Its end goes out as the answer's last message, numbered
   * {@link #LAST_SEQ}: a follower sees a gap, reads the store, finds the answer ended and tells its
   * subscribers what they are missing and the end, as for any lost end.
   */
  void interrupted(ChatStore.Interrupted answer) {
    ChatBusMessage.Failed end = new ChatBusMessage.Failed(bus.nodeId(), answer.threadId(), answer.messageId(), LAST_SEQ,
        0, 0, ChatStore.INTERRUPTED, ChatStore.INTERRUPTED_MESSAGE, Optional.empty());
    bus.publish(topic(answer.projectId()), ChatBusMessage.encode(end)).onFailure(e -> log.debug(
        "publishing the interruption of answer {} failed: {}", answer.messageId(), e.toString()));
    heard(answer.projectId(), end);
  }

  private void heard(UUID projectId, ChatBusMessage.Event m) {
    context.runOnContext(v -> {
      if (!followed.containsKey(projectId) || ended.containsKey(m.messageId())) {
        return;
      }
      followers.computeIfAbsent(m.messageId(), id -> new ChatFollower(context, store, x -> steps.apply(x), e -> local.accept(projectId, e),
              () -> {
                followers.remove(id);
                ended.put(id, true);
              },
              projectId, m.threadId(), id))
          .onMessage(m);
    });
  }

  /** An answer silent for a while may have ended with its last message lost: look in the store. */
  private void checkQuiet() {
    long quiet = settings.quietCheck().toNanos();
    long now = System.nanoTime();
    followers.values().stream().filter(f -> now - f.lastHeard >= quiet).toList().forEach(f -> {
      f.lastHeard = now;
      f.lost();
    });
  }

  private static String topic(UUID projectId) {
    return "chat:" + projectId;
  }
}
