package dev.ensemble.live;

import dev.ensemble.ai.ChatEvent;
import dev.ensemble.ai.ChatFanOut;
import dev.ensemble.http.Ids;
import dev.ensemble.projects.ProjectSocketGate.Admitted;
import dev.ensemble.runs.RunAnnouncements;
import dev.ensemble.runs.RunService;
import dev.ensemble.runs.RunView;
import dev.ensemble.terminal.TerminalService;
import io.vertx.core.Context;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * One participant on a project's live channel. Server → client messages are JSON objects
 * {@code {"channel": "ai", "event": <name>, "threadId", "messageId", ...}} for the assistant and
 * {@code {"channel": "run", "event": "started" | "status" | "output" | "error", "runId", ...}} for
 * runs. The client may send {@code {"type": "ping"}} (answered {@code {"type": "pong"}}),
 * {@code {"type": "subscribe-run", "runId", "afterSeq"}} and {@code {"type": "unsubscribe-run",
 * "runId"}}, and the shared terminal's {@code terminal-*} messages ({@link TerminalChannel}).
 * Anything else, or a message over the size limit, gets {@code {"type": "error",
 * "message"}} and a 1008 close. While the socket's queue is full, events wait in a bounded hold
 * and run output waits in its feed (which catches up from the store when it falls behind); a
 * client that takes nothing for {@code maxStall}, or whose held events pass the bound, is dropped
 * with 1013, so memory never grows without bound. All state lives on the connection's context.
 */
final class LiveConnection implements RunFeed.Sink, LiveOutbound {
  private static final int MAX_RUN_FEEDS = 16;
  private static final int FINAL_STATUSES_KEPT = 256;

  private final Context context;
  private final Admitted admitted;
  private final ChatFanOut chat;
  private final RunService runs;
  private final TerminalChannel terminal;
  private final LiveSettings settings;
  private final ServerWebSocket ws;
  private final Map<UUID, RunFeed> feeds = new HashMap<>();
  /** Runs whose final status this client has had, so it is not announced twice. */
  private final Set<UUID> finalSent = new LinkedHashSet<>();
  private final List<Runnable> writableWaiters = new ArrayList<>();
  /** Events that arrived while the socket's queue was full, sent first when it drains. */
  private final ArrayDeque<String> held = new ArrayDeque<>();
  private long heldBytes;
  private AutoCloseable chatSubscription;
  private AutoCloseable runSubscription;
  private long stallTimer = -1;
  private boolean closed;

  LiveConnection(Context context, Admitted admitted, ChatFanOut chat, RunService runs, TerminalService terminals,
      LiveSettings settings) {
    this.context = context;
    this.admitted = admitted;
    this.chat = chat;
    this.runs = runs;
    this.settings = settings;
    this.ws = admitted.socket();
    this.terminal = new TerminalChannel(context, admitted, terminals, this, this::fail);
  }

  void start() {
    ws.setWriteQueueMaxSize(settings.maxOutboundBytes());
    ws.textMessageHandler(this::onText);
    ws.binaryMessageHandler(b -> fail("messages are JSON text"));
    ws.closeHandler(v -> cleanup());
    ws.exceptionHandler(e -> cleanup());
    ws.drainHandler(v -> onDrain());
    chatSubscription = chat.subscribe(admitted.project().id(), this::onChat);
    runSubscription = runs.announcements().subscribe(admitted.project().id(),
        notice -> context.runOnContext(v -> onRunNotice(notice)));
    terminal.start();
    send(new JsonObject()
        .put("type", "welcome")
        .put("projectId", admitted.project().id().toString())
        .put("role", admitted.project().role().wire()));
  }

  private void onChat(ChatEvent event) {
    JsonObject message = event.toJson()
        .put("channel", "ai")
        .put("event", event.name())
        .put("threadId", event.threadId().toString())
        .put("messageId", event.messageId().toString());
    context.runOnContext(v -> send(message));
  }

  private void onText(String text) {
    if (text.length() > settings.maxInboundBytes()) {
      fail("message exceeds " + settings.maxInboundBytes() + " bytes");
      return;
    }
    JsonObject message;
    try {
      message = new JsonObject(text);
    } catch (DecodeException e) {
      fail("message is not a JSON object");
      return;
    }
    Object type = message.getValue("type");
    if ("ping".equals(type)) {
      send(new JsonObject().put("type", "pong"));
    } else if ("subscribe-run".equals(type)) {
      subscribeRun(message);
    } else if ("unsubscribe-run".equals(type)) {
      runId(message).map(feeds::remove).ifPresent(RunFeed::cancel);
    } else if (type instanceof String t && t.startsWith("terminal-")) {
      terminal.onMessage(t, message);
    } else {
      fail("unknown message type '" + type + "'");
    }
  }

  private void onRunNotice(RunAnnouncements.Notice notice) {
    RunView run = notice.run();
    if (run.status().isFinal()) {
      // A subscribed client gets the final status from its feed, after the last output.
      if (feeds.containsKey(run.id()) || !rememberFinal(run.id())) {
        return;
      }
    }
    send(RunFeed.runEvent(notice.accepted() ? "started" : "status", run));
  }

  private void subscribeRun(JsonObject message) {
    Optional<UUID> runId = runId(message);
    Object after = message.getValue("afterSeq", 0);
    if (runId.isEmpty() || !(after instanceof Number n) || n.longValue() < 0 || n.doubleValue() != n.longValue()) {
      fail("subscribe-run needs a runId and a whole afterSeq >= 0");
      return;
    }
    long afterSeq = n.longValue();
    UUID id = runId.get();
    Optional.ofNullable(feeds.remove(id)).ifPresent(RunFeed::cancel);
    if (feeds.size() >= MAX_RUN_FEEDS) {
      send(runError(id, "too_many_subscriptions", "at most " + MAX_RUN_FEEDS + " runs may be watched at once"));
      return;
    }
    RunFeed feed = new RunFeed(context, runs, id, this, settings.maxOutboundBytes());
    feeds.put(id, feed);
    // From here on this client hears the run's end from the feed only. What it got before (the
    // announcement of an end that overtook this request) is not the subscription's end: the
    // acknowledgement tells the client where the subscription's messages begin.
    send(new JsonObject().put("channel", "run").put("event", "subscribed").put("runId", id.toString())
        .put("afterSeq", afterSeq));
    runs.find(id).onComplete(ar -> {
      if (closed || feeds.get(id) != feed) {
        return;
      }
      Optional<RunView> view = ar.succeeded() ? ar.result() : Optional.empty();
      if (view.isEmpty() || !view.get().projectId().equals(admitted.project().id())) {
        feeds.remove(id);
        send(runError(id, "not_found", "no such run in this project"));
        return;
      }
      // Watching first (on this node or through the run's node), then catching up from the store.
      runs.watch(id, afterSeq, feed).onComplete(watched -> context.runOnContext(v -> {
        if (watched.failed()) {
          if (feeds.remove(id, feed)) {
            send(runError(id, "unavailable", "the run's output cannot be followed now; try again"));
          }
        } else if (closed || feeds.get(id) != feed) {
          watched.result().cancel();
        } else {
          feed.start(afterSeq, watched.result(), view.get());
        }
      }));
    });
  }

  private static Optional<UUID> runId(JsonObject message) {
    return message.getValue("runId") instanceof String s ? Ids.parse(s) : Optional.empty();
  }

  private static JsonObject runError(UUID runId, String code, String text) {
    return new JsonObject().put("channel", "run").put("event", "error").put("runId", runId.toString())
        .put("code", code).put("message", text);
  }

  /** True the first time a run's final status is remembered for this client. */
  private boolean rememberFinal(UUID runId) {
    if (!finalSent.add(runId)) {
      return false;
    }
    if (finalSent.size() > FINAL_STATUSES_KEPT) {
      finalSent.remove(finalSent.iterator().next());
    }
    return true;
  }

  @Override
  public boolean send(JsonObject message) {
    return closed ? false : sendEncoded(message.encode());
  }

  /**
   * Sends an event, or holds it (bounded) while the socket's queue is full; a client whose held
   * events exceed the bound is dropped as too slow.
   */
  @Override
  public boolean sendEncoded(String text) {
    if (closed) {
      return false;
    }
    if (held.isEmpty() && !ws.writeQueueFull()) {
      ws.writeTextMessage(text);
      return true;
    }
    held.addLast(text);
    heldBytes += text.length();
    if (heldBytes > settings.maxOutboundBytes() / 8) {
      tooSlow();
      return false;
    }
    armStallTimer();
    return true;
  }

  @Override
  public boolean full() {
    return !held.isEmpty() || ws.writeQueueFull();
  }

  @Override
  public void whenWritable(Runnable next) {
    if (closed) {
      return;
    }
    writableWaiters.add(next);
    armStallTimer();
  }

  private void onDrain() {
    cancelStallTimer();
    while (!held.isEmpty() && !ws.writeQueueFull()) {
      String text = held.pollFirst();
      heldBytes -= text.length();
      ws.writeTextMessage(text);
    }
    if (!held.isEmpty()) {
      armStallTimer();
      return;
    }
    List<Runnable> waiting = List.copyOf(writableWaiters);
    writableWaiters.clear();
    waiting.forEach(Runnable::run);
  }

  /** A client whose socket takes nothing for {@code maxStall} has stopped reading. */
  private void armStallTimer() {
    if (stallTimer >= 0) {
      return;
    }
    stallTimer = context.owner().setTimer(settings.maxStall().toMillis(), t -> {
      stallTimer = -1;
      if (!writableWaiters.isEmpty() || !held.isEmpty()) {
        tooSlow();
      }
    });
  }

  @Override
  public void ended(RunFeed feed, JsonObject status) {
    feeds.remove(feed.runId(), feed);
    rememberFinal(feed.runId());
    send(status);
  }

  private void tooSlow() {
    if (closed) {
      return;
    }
    LiveEndpoint.log.info("dropping slow live client {} of project {}", admitted.caller().user().username(), admitted.project().id());
    closed = true;
    ws.close((short) 1013, "too slow");
    cleanup();
  }

  private void fail(String reason) {
    LiveEndpoint.log.info("live connection of {} refused: {}", admitted.caller().user().username(), reason);
    send(new JsonObject().put("type", "error").put("message", reason));
    closed = true;
    ws.close((short) 1008, reason.length() > 120 ? reason.substring(0, 120) : reason);
    cleanup();
  }

  private void cleanup() {
    closed = true;
    feeds.values().forEach(RunFeed::cancel);
    feeds.clear();
    terminal.close();
    writableWaiters.clear();
    held.clear();
    cancelStallTimer();
    close(chatSubscription);
    chatSubscription = null;
    close(runSubscription);
    runSubscription = null;
  }

  private void cancelStallTimer() {
    if (stallTimer >= 0) {
      context.owner().cancelTimer(stallTimer);
      stallTimer = -1;
    }
  }

  private static void close(AutoCloseable subscription) {
    if (subscription != null) {
      try {
        subscription.close();
      } catch (Exception ignored) {
        // closing a subscription cannot fail in a way that matters here
      }
    }
  }
}
