package dev.ensemble.ai;

import dev.ensemble.ai.AiProvider.Usage;
import dev.ensemble.ai.ChatStore.ChatMessage;
import dev.ensemble.ai.ChatStore.StoredAnswer;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * An answer written on another node, as this node tells its own subscribers: the bus's messages
 * in order, and where one is missing (lost, or this node started listening mid-answer), what the
 * store holds. Lives on the relay's context only.
 *
 * <p>What the subscribers were told is tracked as a part and a length of text: an agent's text
 * starts afresh at each thought, so a text event always continues the part told so far. Messages
 * that arrive while catching up wait (at most {@link #MAX_BUFFERED}; beyond it the store must
 * cover them too), and anything already told is skipped, so nothing is told twice.
 */
final class ChatFollower {
  /** Messages kept while catching up. */
  static final int MAX_BUFFERED = 256;
  private static final long FIRST_RETRY_MS = 20;
  private static final long LAST_RETRY_MS = 1000;

  private final Context context;
  private final ChatStore store;
  private final Function<UUID, Future<List<JsonObject>>> steps;
  private final Consumer<ChatEvent> deliver;
  private final Runnable onOver;
  final UUID projectId;
  final UUID threadId;
  final UUID messageId;
  private final TreeMap<Long, ChatBusMessage.Event> buffer = new TreeMap<>();
  private long expected = 1;
  /** A message dropped from the buffer: the store must be at least this far. */
  private long needSeq;
  private boolean started;
  private int segment;
  private int told;
  private boolean behind;
  private boolean fetching;
  private long retryMs = FIRST_RETRY_MS;
  private boolean retrying;
  private boolean over;
  long lastHeard = System.nanoTime();

  ChatFollower(Context context, ChatStore store, Function<UUID, Future<List<JsonObject>>> steps,
      Consumer<ChatEvent> deliver, Runnable onOver, UUID projectId, UUID threadId, UUID messageId) {
    this.context = context;
    this.store = store;
    this.steps = steps;
    this.deliver = deliver;
    this.onOver = onOver;
    this.projectId = projectId;
    this.threadId = threadId;
    this.messageId = messageId;
  }

  void onMessage(ChatBusMessage.Event m) {
    if (over) {
      return;
    }
    lastHeard = System.nanoTime();
    if (m.seq() < expected) {
      return;
    }
    if (behind || m.seq() > expected || !apply(m)) {
      keep(m);
      lost();
    }
  }

  /** Messages may have been lost: catch up from the store before telling more. */
  void lost() {
    if (over) {
      return;
    }
    behind = true;
    catchUp();
  }

  private void keep(ChatBusMessage.Event m) {
    if (buffer.size() >= MAX_BUFFERED && !buffer.containsKey(m.seq())) {
      needSeq = Math.max(needSeq, buffer.lastKey());
      buffer.clear();
    }
    buffer.put(m.seq(), m);
  }

  /** Tells the next message in order; false when it does not continue what was told (a gap). */
  private boolean apply(ChatBusMessage.Event m) {
    if (m instanceof ChatBusMessage.Started s) {
      if (!started) {
        started = true;
        deliver.accept(new ChatEvent.Started(threadId, messageId, s.askedBy(), s.model(), s.context()));
      }
    } else if (m instanceof ChatBusMessage.Tokens t) {
      if (t.segment() != segment || t.offset() > told) {
        return false;
      }
      int skip = told - t.offset();
      if (skip < t.text().length()) {
        String rest = t.text().substring(skip);
        told += rest.length();
        deliver.accept(new ChatEvent.Token(threadId, messageId, rest));
      }
    } else if (m instanceof ChatBusMessage.Step s) {
      step(s.step());
    } else if (m instanceof ChatBusMessage.StepInStore) {
      return false;
    } else if (m instanceof ChatBusMessage.Done d) {
      if (d.segment() != segment || d.chars() > told) {
        return false;
      }
      end(new ChatEvent.Done(threadId, messageId, d.status(), d.usage(), d.stoppedBy(), d.extra()));
    } else if (m instanceof ChatBusMessage.Failed f) {
      if (f.segment() != segment || f.chars() > told) {
        return false;
      }
      end(new ChatEvent.Failed(threadId, messageId, f.code(), f.message(), f.retryAfter()));
    }
    expected = m.seq() + 1;
    return true;
  }

  private void step(JsonObject step) {
    deliver.accept(new ChatEvent.Step(threadId, messageId, step));
    if (thought(step)) {
      segment++;
      told = 0;
    }
  }

  private void catchUp() {
    if (over || fetching) {
      return;
    }
    fetching = true;
    Future.all(store.answer(messageId), steps.apply(messageId)).onComplete(ar -> context.runOnContext(v -> {
      fetching = false;
      if (ar.failed()) {
        retry();
        return;
      }
      reconcile(ar.result().resultAt(0), ar.result().resultAt(1));
    }));
  }

  private void retry() {
    if (retrying || over) {
      return;
    }
    retrying = true;
    long delay = retryMs;
    retryMs = Math.min(LAST_RETRY_MS, retryMs * 2);
    context.owner().setTimer(delay, t -> context.runOnContext(v -> {
      retrying = false;
      catchUp();
    }));
  }

  private void reconcile(Optional<StoredAnswer> found, List<JsonObject> stored) {
    if (over) {
      return;
    }
    if (found.isEmpty()) {
      // the thread was deleted, or this is not an answer: nothing to tell
      finish();
      return;
    }
    StoredAnswer answer = found.get();
    ChatMessage message = answer.message();
    boolean finished = message.status() != MessageStatus.STREAMING;
    long asOf = finished ? Long.MAX_VALUE : Math.max(1, answer.streamSeq());
    long thoughts = stored.stream().filter(ChatFollower::thought).count();
    int part = finished ? (int) thoughts : answer.streamSegment();
    if (!finished && (asOf < expected - 1 || asOf < needSeq || thoughts < part)) {
      // the store is behind what was told or seen; the answering node stores again shortly
      retry();
      return;
    }
    if (!started) {
      started = true;
      deliver.accept(new ChatEvent.Started(threadId, messageId, message.authorId().orElse(new UUID(0, 0)),
          message.model().orElse(""), message.context().map(c -> c.getJsonArray("sent")).map(JsonArray::copy)));
    }
    int seen = 0;
    for (JsonObject s : stored) {
      if (thought(s)) {
        seen++;
        if (seen <= segment || seen > part) {
          continue;
        }
      }
      deliver.accept(new ChatEvent.Step(threadId, messageId, s));
    }
    if (part > segment) {
      segment = part;
      told = 0;
    }
    String content = message.content();
    if (part == segment && content.length() > told) {
      deliver.accept(new ChatEvent.Token(threadId, messageId, content.substring(told)));
      told = content.length();
    }
    if (finished) {
      end(buffer.values().stream()
          .filter(m -> m instanceof ChatBusMessage.Done || m instanceof ChatBusMessage.Failed)
          .findFirst()
          .map(this::ending)
          .orElseGet(() -> ending(message)));
      return;
    }
    expected = Math.max(expected, asOf + 1);
    needSeq = 0;
    buffer.headMap(expected).clear();
    while (!buffer.isEmpty() && buffer.firstKey() == expected) {
      ChatBusMessage.Event m = buffer.pollFirstEntry().getValue();
      if (m instanceof ChatBusMessage.StepInStore s) {
        Optional<JsonObject> step = stored.stream().filter(x -> s.stepId().toString().equals(x.getString("id"))).findFirst();
        if (step.isEmpty()) {
          buffer.put(m.seq(), m);
          break;
        }
        step(step.get());
        expected = m.seq() + 1;
      } else if (!apply(m)) {
        buffer.put(m.seq(), m);
        break;
      }
      if (over) {
        return;
      }
    }
    if (buffer.isEmpty()) {
      behind = false;
      retryMs = FIRST_RETRY_MS;
    } else {
      retry();
    }
  }

  private ChatEvent ending(ChatBusMessage.Event m) {
    if (m instanceof ChatBusMessage.Done d) {
      return new ChatEvent.Done(threadId, messageId, d.status(), d.usage(), d.stoppedBy(), d.extra());
    }
    ChatBusMessage.Failed f = (ChatBusMessage.Failed) m;
    return new ChatEvent.Failed(threadId, messageId, f.code(), f.message(), f.retryAfter());
  }

  /** The end as the store tells it, when its message was lost. */
  private ChatEvent ending(ChatMessage m) {
    Usage usage = new Usage(m.promptTokens().orElse(0), m.completionTokens().orElse(0), false);
    String code = m.errorCode().orElse("");
    if (m.status() == MessageStatus.COMPLETE) {
      JsonObject extra = new JsonObject();
      m.context().map(c -> c.getJsonArray("proposals")).ifPresent(p -> extra.put("proposals", p.copy()));
      return new ChatEvent.Done(threadId, messageId, MessageStatus.COMPLETE, usage, Optional.empty(), extra);
    }
    if (code.equals("ai_stopped")) {
      String by = m.errorMessage().orElse("").replaceFirst("^stopped by ", "");
      return new ChatEvent.Done(threadId, messageId, MessageStatus.PARTIAL, usage, Optional.of(by));
    }
    if (code.equals("ai_caller_disconnected")) {
      return new ChatEvent.Done(threadId, messageId, MessageStatus.PARTIAL, usage, Optional.empty());
    }
    return new ChatEvent.Failed(threadId, messageId, code.isEmpty() ? "ai_provider_error" : code,
        m.errorMessage().orElse(""), Optional.empty());
  }

  private void end(ChatEvent last) {
    deliver.accept(last);
    finish();
  }

  private void finish() {
    over = true;
    buffer.clear();
    onOver.run();
  }

  private static boolean thought(JsonObject step) {
    return "thought".equals(step.getString("kind"));
  }
}
