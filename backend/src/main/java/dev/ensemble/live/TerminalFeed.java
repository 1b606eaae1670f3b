package dev.ensemble.live;

import dev.ensemble.terminal.TerminalChunk;
import dev.ensemble.terminal.TerminalOutput;
import dev.ensemble.terminal.TerminalState;
import dev.ensemble.terminal.TerminalSubscriber;
import io.vertx.core.Context;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One viewer following a terminal's output: it reads from the terminal's backlog after the last
 * sequence number it sent, as fast as the socket takes it, so it holds no output of its own. A
 * viewer that falls behind by more than the backlog skips ahead (the gap shows as {@code firstSeq}
 * past the last {@code seq} it had) instead of holding the terminal or the others back. Ends with
 * the terminal's final state after its last output.
 *
 * <p>Everything but {@link #onOutput} and {@link #onEnd} runs on the connection's context.
 */
final class TerminalFeed implements TerminalSubscriber {
  static final int MESSAGE_BYTES = 64 * 1024;

  private final Context context;
  private final TerminalOutput session;
  private final LiveOutbound out;
  private final AtomicBoolean scheduled = new AtomicBoolean();
  private volatile TerminalState end;

  // Context only.
  private AutoCloseable subscription;
  private long sentThrough;
  private boolean waiting;
  private boolean closed;

  TerminalFeed(Context context, TerminalOutput session, LiveOutbound out) {
    this.context = context;
    this.session = session;
    this.out = out;
  }

  UUID sessionId() {
    return session.id();
  }

  /** Sends what came after {@code afterSeq}, then follows live output. */
  void start(long afterSeq) {
    sentThrough = afterSeq;
    subscription = session.subscribe(this);
    pump();
  }

  void cancel() {
    closed = true;
    closeSubscription();
  }

  @Override
  public void onOutput(long seq) {
    schedule();
  }

  @Override
  public void onEnd(TerminalState state) {
    end = state;
    schedule();
  }

  private void schedule() {
    if (scheduled.compareAndSet(false, true)) {
      context.runOnContext(v -> {
        scheduled.set(false);
        pump();
      });
    }
  }

  private void pump() {
    if (closed || waiting) {
      return;
    }
    // Read before the output: once the end is known, all output is already in the backlog.
    TerminalState ended = end;
    while (true) {
      if (out.full()) {
        waiting = true;
        out.whenWritable(() -> {
          waiting = false;
          pump();
        });
        return;
      }
      List<TerminalChunk> chunks = session.chunksAfter(sentThrough, MESSAGE_BYTES);
      if (chunks.isEmpty()) {
        break;
      }
      StringBuilder data = new StringBuilder();
      chunks.forEach(c -> data.append(c.data()));
      long last = chunks.get(chunks.size() - 1).seq();
      if (!out.send(new JsonObject()
          .put("channel", "terminal")
          .put("event", "output")
          .put("sessionId", session.id().toString())
          .put("firstSeq", chunks.get(0).seq())
          .put("seq", last)
          .put("data", data.toString()))) {
        cancel();
        return;
      }
      sentThrough = last;
    }
    if (ended != null) {
      cancel();
      out.send(TerminalChannel.stateMessage(ended));
    }
  }

  private void closeSubscription() {
    if (subscription != null) {
      try {
        subscription.close();
      } catch (Exception ignored) {
        // unsubscribing cannot fail in a way that matters
      }
      subscription = null;
    }
  }
}
