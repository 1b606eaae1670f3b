package dev.ensemble.live;

import dev.ensemble.http.Ids;
import dev.ensemble.projects.ProjectSocketGate.Admitted;
import dev.ensemble.projects.Role;
import dev.ensemble.terminal.Pty;
import dev.ensemble.terminal.TerminalException;
import dev.ensemble.terminal.TerminalService;
import dev.ensemble.terminal.TerminalOutput;
import dev.ensemble.terminal.TerminalState;
import io.vertx.core.Context;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * The shared terminal on one live connection: decodes the client's {@code terminal-*} messages,
 * checks the caller's role, and encodes the terminal's states, output and refusals as
 * {@code {"channel": "terminal", "event": "state" | "output" | "error", ...}}. Every participant
 * hears state changes; a client that subscribed (or opened the terminal) also gets its output,
 * and follows each new terminal of the project from its start. Refusals (a viewer typing, input
 * over a limit) are {@code error} events that leave the connection open; malformed messages are
 * protocol errors. All state lives on the connection's context.
 */
final class TerminalChannel {
  /** Largest terminal accepted, in columns and rows. */
  static final int MAX_CELLS = 1000;

  private final Context context;
  private final Admitted admitted;
  private final TerminalService terminals;
  private final LiveOutbound out;
  private final Consumer<String> fail;
  private AutoCloseable watch;
  private TerminalFeed feed;
  private boolean watching;
  private boolean closed;

  TerminalChannel(Context context, Admitted admitted, TerminalService terminals, LiveOutbound out, Consumer<String> fail) {
    this.context = context;
    this.admitted = admitted;
    this.terminals = terminals;
    this.out = out;
    this.fail = fail;
  }

  void start() {
    watch = terminals.watch(projectId(), state -> context.runOnContext(v -> onState(state)));
  }

  /** Handles one client message whose type starts with {@code terminal-}. */
  void onMessage(String type, JsonObject message) {
    switch (type) {
      case "terminal-subscribe" -> subscribe(message);
      case "terminal-unsubscribe" -> {
        watching = false;
        stopFeed();
      }
      case "terminal-open" -> size(message).ifPresent(this::open);
      case "terminal-input" -> input(message);
      case "terminal-resize" -> size(message).ifPresent(size -> asEditor(() -> terminals.resize(projectId(), size)));
      case "terminal-close" -> asEditor(() -> terminals.closeTerminal(projectId()));
      default -> fail.accept("unknown message type '" + type + "'");
    }
  }

  void close() {
    closed = true;
    stopFeed();
    if (watch != null) {
      try {
        watch.close();
      } catch (Exception ignored) {
        // unwatching cannot fail in a way that matters
      }
      watch = null;
    }
  }

  private void onState(TerminalState state) {
    if (closed) {
      return;
    }
    boolean followed = feed != null && feed.sessionId().equals(state.sessionId());
    if (!state.running() && followed) {
      return; // the feed tells the end after the last output
    }
    out.send(stateMessage(state));
    if (state.running() && watching && !followed) {
      terminals.following(projectId()).filter(s -> s.id().equals(state.sessionId())).ifPresent(s -> follow(s, 0));
    }
  }

  private void subscribe(JsonObject message) {
    Object after = message.getValue("afterSeq", 0);
    Object sessionValue = message.getValue("sessionId");
    if (!(after instanceof Number n) || n.longValue() < 0 || n.doubleValue() != n.longValue()
        || sessionValue != null && !(sessionValue instanceof String)) {
      fail.accept("terminal-subscribe takes a whole afterSeq >= 0 and a sessionId string");
      return;
    }
    Optional<UUID> sessionId = sessionValue instanceof String s ? Ids.parse(s) : Optional.empty();
    watching = true;
    stopFeed();
    long asked = n.longValue();
    // On a node alone this completes at once; with several, a terminal elsewhere is looked up.
    terminals.current(projectId()).onComplete(ar -> context.runOnContext(v -> {
      if (closed || !watching || feed != null) {
        return;
      }
      Optional<TerminalOutput> session = ar.succeeded() ? ar.result() : Optional.empty();
      // One look at the state answers: running (its output and end follow, even if it ends right
      // now) or none. A session that ended is about to leave the project; it is not replayed.
      Optional<TerminalState> state = session.map(TerminalOutput::state).filter(TerminalState::running);
      if (state.isEmpty()) {
        out.send(new JsonObject().put("channel", "terminal").put("event", "state").put("state", "none"));
        return;
      }
      // A position in another (older) session means nothing in this one: replay it all.
      long afterSeq = sessionId.filter(session.get().id()::equals).map(id -> asked).orElse(0L);
      out.send(stateMessage(state.get()));
      follow(session.get(), afterSeq);
    }));
  }

  private void open(Pty.Size size) {
    if (!editor()) {
      refuse("forbidden", "read-only access: only editors may open the terminal");
      return;
    }
    // Opening follows the terminal: its announcement starts the feed.
    watching = true;
    terminals.open(admitted.project(), admitted.caller().user().id(), admitted.caller().user().username(), size)
        .onComplete(ar -> context.runOnContext(v -> {
          if (ar.failed()) {
            refuse(ar.cause());
          }
        }));
  }

  private void input(JsonObject message) {
    if (!(message.getValue("data") instanceof String data)) {
      fail.accept("terminal-input needs data (a string)");
      return;
    }
    asEditor(() -> terminals.input(projectId(), data.getBytes(StandardCharsets.UTF_8)));
  }

  /** Runs an editor's action on the running terminal; anyone else, or no terminal, gets an error event. */
  private void asEditor(java.util.function.Supplier<io.vertx.core.Future<Void>> action) {
    if (!editor()) {
      refuse("forbidden", "read-only access: only editors may use the terminal");
      return;
    }
    // The role is checked here, on the editor's node; the terminal's node only carries it out.
    action.get().onFailure(e -> context.runOnContext(v -> {
      if (!closed) {
        refuse(e);
      }
    }));
  }

  private void follow(TerminalOutput session, long afterSeq) {
    stopFeed();
    // Kept after the terminal ends, so its end (told by the feed) is not announced twice.
    feed = new TerminalFeed(context, session, out);
    feed.start(afterSeq);
  }

  private void stopFeed() {
    if (feed != null) {
      feed.cancel();
      feed = null;
    }
  }

  private Optional<Pty.Size> size(JsonObject message) {
    Object cols = message.getValue("cols");
    Object rows = message.getValue("rows");
    if (cells(cols) && cells(rows)) {
      return Optional.of(new Pty.Size(((Number) cols).intValue(), ((Number) rows).intValue()));
    }
    fail.accept("terminal size needs whole cols and rows from 1 to " + MAX_CELLS);
    return Optional.empty();
  }

  private static boolean cells(Object value) {
    return value instanceof Number n && n.doubleValue() == n.intValue() && n.intValue() >= 1 && n.intValue() <= MAX_CELLS;
  }

  private boolean editor() {
    return admitted.project().role().atLeast(Role.EDITOR);
  }

  private UUID projectId() {
    return admitted.project().id();
  }

  private void refuse(Throwable cause) {
    if (cause instanceof TerminalException e) {
      refuse(e.code(), e.getMessage());
    } else if (cause instanceof dev.ensemble.http.ApiException e) {
      refuse(e.code(), e.getMessage());
    } else {
      LiveEndpoint.log.warn("terminal of project {} failed: {}", projectId(), cause.toString());
      refuse("internal", "the terminal could not be opened");
    }
  }

  private void refuse(TerminalException e) {
    refuse(e.code(), e.getMessage());
  }

  private void refuse(String code, String text) {
    out.send(new JsonObject().put("channel", "terminal").put("event", "error").put("code", code).put("message", text));
  }

  /** The wire form of a terminal's state. */
  static JsonObject stateMessage(TerminalState state) {
    JsonObject m = new JsonObject()
        .put("channel", "terminal")
        .put("event", "state")
        .put("sessionId", state.sessionId().toString())
        .put("state", state.running() ? "running" : "ended")
        .put("cols", state.size().cols())
        .put("rows", state.size().rows())
        .put("startedBy", state.startedBy())
        .put("startedById", state.startedById().toString())
        .put("startedAt", state.startedAt().toString());
    state.exitCode().ifPresent(c -> m.put("exitCode", c));
    state.endReason().ifPresent(r -> m.put("reason", r.wire()));
    return m;
  }
}
