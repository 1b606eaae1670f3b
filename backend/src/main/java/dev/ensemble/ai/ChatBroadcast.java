package dev.ensemble.ai;

import dev.ensemble.cluster.Bus;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One answer on its way to the other nodes, on the node writing it. Events are numbered and
 * published in order with one publish in flight; tokens that arrive meanwhile go out together in
 * the next message, so messages grow with the token rate. Every {@code storeInterval} the text
 * as of the last numbered message is stored with that number, which is what other nodes catch up
 * from when they missed messages.
 */
final class ChatBroadcast {
  private static final Logger log = LoggerFactory.getLogger(ChatBroadcast.class);
  /** Room for a message's fixed fields within the message size. */
  private static final int HEAD_BYTES = 512;

  private final Vertx vertx;
  private final Bus bus;
  private final ChatStore store;
  private final ChatRelaySettings settings;
  private final String topic;
  private final UUID threadId;
  private final UUID messageId;
  private final Runnable onDrained;
  private final ArrayDeque<ChatEvent> pending = new ArrayDeque<>();
  /** The text of the current part as of message {@link #seq}. */
  private final StringBuilder text = new StringBuilder();
  private boolean publishing;
  private long seq;
  private int segment;
  private boolean ended;
  private long storedSeq = 1;
  private boolean storing;

  ChatBroadcast(Vertx vertx, Bus bus, ChatStore store, ChatRelaySettings settings, String topic, UUID threadId,
      UUID messageId, Runnable onDrained) {
    this.vertx = vertx;
    this.bus = bus;
    this.store = store;
    this.settings = settings;
    this.topic = topic;
    this.threadId = threadId;
    this.messageId = messageId;
    this.onDrained = onDrained;
  }

  /** Takes the answer's next event (on the answer's context). */
  void add(ChatEvent event) {
    synchronized (this) {
      pending.add(event);
      if (publishing) {
        return;
      }
      publishing = true;
    }
    next();
  }

  /** Publishes what is pending; called with {@code publishing} set and no lock held. */
  private void next() {
    List<ChatBusMessage> batch;
    boolean drained;
    synchronized (this) {
      batch = build();
      drained = batch.isEmpty() && ended;
      if (batch.isEmpty()) {
        publishing = false;
      }
    }
    if (batch.isEmpty()) {
      if (drained) {
        onDrained.run();
      }
      return;
    }
    scheduleStore();
    send(batch, 0);
  }

  private void send(List<ChatBusMessage> batch, int i) {
    if (i == batch.size()) {
      next();
      return;
    }
    bus.publish(topic, ChatBusMessage.encode(batch.get(i))).onComplete(ar -> {
      if (ar.failed()) {
        log.debug("publishing answer {} on {} failed: {}", messageId, topic, ar.cause().toString());
      }
      send(batch, i + 1);
    });
  }

  /** Numbers the pending events as messages; tokens in a row become one message (or several, if long). */
  private List<ChatBusMessage> build() {
    List<ChatBusMessage> out = new ArrayList<>();
    StringBuilder run = new StringBuilder();
    ChatEvent e;
    while ((e = pending.poll()) != null) {
      if (e instanceof ChatEvent.Token t) {
        run.append(t.text());
        continue;
      }
      tokens(run, out);
      run.setLength(0);
      out.add(message(e));
    }
    tokens(run, out);
    return out;
  }

  private void tokens(CharSequence run, List<ChatBusMessage> out) {
    int budget = settings.messageBytes() - HEAD_BYTES;
    int from = 0;
    while (from < run.length()) {
      int to = cut(run, from, budget);
      String piece = run.subSequence(from, to).toString();
      out.add(new ChatBusMessage.Tokens(bus.nodeId(), threadId, messageId, ++seq, segment, text.length(), piece));
      text.append(piece);
      from = to;
    }
  }

  private ChatBusMessage message(ChatEvent e) {
    int budget = settings.messageBytes() - HEAD_BYTES;
    String node = bus.nodeId();
    long n = ++seq;
    if (e instanceof ChatEvent.Started s) {
      Optional<JsonArray> context = s.context().filter(c -> bytes(c.encode()) <= budget);
      return new ChatBusMessage.Started(node, s.threadId(), messageId, n, s.askedBy(), s.model(), context);
    }
    if (e instanceof ChatEvent.Step s) {
      boolean thought = "thought".equals(s.step().getString("kind"));
      ChatBusMessage m = bytes(s.step().encode()) <= budget
          ? new ChatBusMessage.Step(node, s.threadId(), messageId, n, s.step())
          : new ChatBusMessage.StepInStore(node, s.threadId(), messageId, n, UUID.fromString(s.step().getString("id")),
              thought);
      if (thought) {
        // the web app starts the answer's text afresh at a thought, and so do the parts
        segment++;
        text.setLength(0);
      }
      return m;
    }
    if (e instanceof ChatEvent.Done d) {
      ended = true;
      JsonObject extra = bytes(d.extra().encode()) <= budget ? d.extra() : new JsonObject();
      return new ChatBusMessage.Done(node, d.threadId(), messageId, n, segment, text.length(), d.status(), d.usage(),
          d.stoppedBy(), extra);
    }
    ChatEvent.Failed f = (ChatEvent.Failed) e;
    ended = true;
    // three bytes a character at most; the whole message is stored with the answer
    String message = f.message().length() > budget / 4 ? f.message().substring(0, budget / 4) : f.message();
    return new ChatBusMessage.Failed(node, f.threadId(), messageId, n, segment, text.length(), f.code(), message,
        f.retryAfterSeconds());
  }

  /** Stores the text as of the last numbered message, at most every store interval, one write at a time. */
  private void scheduleStore() {
    synchronized (this) {
      if (ended || storing || seq <= storedSeq) {
        return;
      }
      storing = true;
    }
    vertx.setTimer(settings.storeInterval().toMillis(), t -> store());
  }

  private void store() {
    long asOf;
    int part;
    String snapshot;
    synchronized (this) {
      boolean split = text.length() > 0 && Character.isHighSurrogate(text.charAt(text.length() - 1));
      if (ended || split) {
        // finished (the final text is stored by the answer), or half a character: the next message completes it
        storing = false;
        return;
      }
      asOf = seq;
      part = segment;
      snapshot = text.toString();
    }
    store.streamed(messageId, asOf, part, snapshot).onComplete(ar -> {
      synchronized (this) {
        storing = false;
        if (ar.succeeded()) {
          storedSeq = Math.max(storedSeq, asOf);
        }
      }
      if (ar.failed()) {
        log.debug("storing the text so far of answer {} failed: {}", messageId, ar.cause().toString());
      }
      scheduleStore();
    });
  }

  /** The end of the longest prefix of {@code s} from {@code from} within {@code budget} UTF-8 bytes, whole characters only. */
  static int cut(CharSequence s, int from, int budget) {
    int used = 0;
    int i = from;
    while (i < s.length()) {
      char c = s.charAt(i);
      boolean pair = Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
      int size = pair ? 4 : c < 0x80 ? 1 : c < 0x800 ? 2 : 3;
      if (used + size > budget && i > from) {
        break;
      }
      used += size;
      i += pair ? 2 : 1;
    }
    return i;
  }

  private static int bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8).length;
  }
}
