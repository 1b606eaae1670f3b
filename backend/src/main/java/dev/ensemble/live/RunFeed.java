package dev.ensemble.live;

import dev.ensemble.runs.RunChunk;
import dev.ensemble.runs.RunResult;
import dev.ensemble.runs.RunService;
import dev.ensemble.runs.RunSubscriber;
import dev.ensemble.runs.RunView;
import dev.ensemble.runs.RunWatch;
import io.vertx.core.Context;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.List;
import java.util.UUID;

/**
 * One viewer's subscription to a run's output: what it missed, then live output, with no gap or
 * duplicate. Chunks are coalesced into {@code output} messages (adjacent chunks of one stream, up
 * to {@value #MESSAGE_BYTES} bytes) and sent only while the socket can take them.
 *
 * <p>A viewer that falls behind live output by more than its bound stops buffering and catches up
 * from the store (and the run's in-memory tail) a page at a time, at the pace its socket drains;
 * once caught up it follows live output again. So a feed holds at most its bound plus one page,
 * however slow the viewer; one that stops reading altogether is dropped by the connection.
 *
 * <p>Live output of a run on another node may skip (a message lost between nodes, or dropped
 * there): at a gap the feed stops following live output and catches up from the store as above,
 * retrying with a growing pause while the store has not caught up yet. Once the run has ended
 * the feed reads the store once more (which then holds everything) and ends with a {@code
 * status} message.
 *
 * <p>Everything but {@link #onChunk} and {@link #onEnd} runs on the connection's context.
 */
final class RunFeed implements RunSubscriber {
  static final int MESSAGE_BYTES = 64 * 1024;
  /**
   * Output sent to one viewer in one turn of the event loop before the feed yields to other work:
   * the socket's queue takes megabytes, and encoding that much at once kept the loop busy for
   * hundreds of milliseconds while a viewer caught up.
   */
  static final int TURN_BYTES = 4 * MESSAGE_BYTES;
  private static final long GAP_PAUSE_MIN_MS = 20;
  private static final long GAP_PAUSE_MAX_MS = 1_000;

  /** The connection, as a feed sees it. */
  interface Sink {
    /** Sends a message; false when the connection is gone. */
    boolean send(JsonObject message);

    /** Sends a message already encoded as JSON text; false when the connection is gone. */
    boolean sendEncoded(String json);

    /** True while the socket's write queue is full. */
    boolean full();

    /** Calls {@code next} on the context once the socket can take more. */
    void whenWritable(Runnable next);

    /** The run ended and everything was sent; {@code status} is the last message of this feed. */
    void ended(RunFeed feed, JsonObject status);
  }

  private final Context context;
  private final RunService runs;
  private final UUID runId;
  private final Sink sink;
  private final long maxPending;

  // Filled by the run's reader threads; guarded by this.
  private final ArrayDeque<RunChunk> pending = new ArrayDeque<>();
  private long pendingBytes;
  private boolean accepting = true;
  private boolean scheduled;
  private boolean ended;

  // Context only.
  private final ArrayDeque<RunChunk> ready = new ArrayDeque<>();
  private final byte[][] carry = {new byte[0], new byte[0]};
  private final long[] carrySeq = new long[2];
  private RunView stored;
  private RunWatch watch;
  private boolean catchingUp = true;
  private boolean reconciled;
  private long gapPauseMs = GAP_PAUSE_MIN_MS;
  private long sentThrough;
  /** Characters of output sent so far (paces {@link #drain}). */
  private long sentBytes;
  private boolean waiting;
  private boolean closed;
  private boolean cancelled;

  RunFeed(Context context, RunService runs, UUID runId, Sink sink, long maxPending) {
    this.context = context;
    this.runs = runs;
    this.runId = runId;
    this.sink = sink;
    this.maxPending = maxPending;
  }

  UUID runId() {
    return runId;
  }

  /**
   * Starts after {@code afterSeq}. {@code watch} delivers to this feed already, so live chunks
   * buffer from before the catch-up reads what came before (overlap is skipped).
   */
  void start(long afterSeq, RunWatch watch, RunView view) {
    sentThrough = afterSeq;
    this.watch = watch;
    stored = view;
    catchUp();
  }

  /** Stops the feed; nothing more is sent. */
  void cancel() {
    closed = true;
    cancelled = true;
    if (watch != null) {
      watch.cancel();
    }
    synchronized (this) {
      pending.clear();
    }
    ready.clear();
  }

  @Override
  public void onChunk(RunChunk chunk) {
    synchronized (this) {
      if (!accepting || ended) {
        return; // catching up: the chunk is read back from the store or memory later
      }
      pending.addLast(chunk);
      pendingBytes += chunk.data().length;
      if (pendingBytes > maxPending) {
        accepting = false;
        pending.clear();
        pendingBytes = 0;
      }
      if (scheduled) {
        return;
      }
      scheduled = true;
    }
    context.runOnContext(v -> pump());
  }

  @Override
  public void onEnd(RunResult result) {
    synchronized (this) {
      ended = true;
      if (scheduled) {
        return;
      }
      scheduled = true;
    }
    context.runOnContext(v -> pump());
  }

  /**
   * Reads what the viewer has not had, a page at a time, sending as the socket allows. When a read
   * comes back empty with live chunks already buffering since before it began, nothing can fall
   * between the two, and the feed follows live output again.
   */
  private void catchUp() {
    if (closed) {
      return;
    }
    boolean wasAccepting;
    synchronized (this) {
      wasAccepting = accepting;
    }
    runs.chunksAfter(runId, sentThrough, RunService.page()).onComplete(ar -> {
      if (closed) {
        return;
      }
      List<RunChunk> page = ar.succeeded() ? ar.result() : List.of();
      if (!page.isEmpty()) {
        gapPauseMs = GAP_PAUSE_MIN_MS;
        ready.addAll(page);
        drain();
      } else if (!wasAccepting) {
        synchronized (this) {
          accepting = true;
        }
        catchUp();
      } else {
        catchingUp = false;
        pump();
      }
    });
  }

  /** Moves live output to the ready queue and sends it; finishes once the run has ended. */
  private void pump() {
    if (closed) {
      return;
    }
    boolean end;
    boolean behind;
    synchronized (this) {
      scheduled = false;
      if (catchingUp) {
        return; // the catch-up pumps when it is done
      }
      end = ended;
      behind = !accepting;
      ready.addAll(pending);
      pending.clear();
      pendingBytes = 0;
    }
    if (behind) {
      catchingUp = true;
      ready.clear();
      if (!waiting) {
        catchUp();
      } // else the drain in progress continues the catch-up
    } else if (!ready.isEmpty()) {
      drain();
    } else if (end && !reconciled) {
      // Whatever live output skipped is in the store by now: read it before the end.
      reconciled = true;
      catchingUp = true;
      catchUp();
    } else if (end) {
      finish();
    }
  }

  /**
   * Live output skipped a chunk (it came from another node): drop what is buffered and catch up
   * from the store, after a pause that grows while the store has not caught up either.
   */
  private void gap() {
    synchronized (this) {
      accepting = false;
      pending.clear();
      pendingBytes = 0;
    }
    ready.clear();
    catchingUp = true;
    long pause = gapPauseMs;
    gapPauseMs = Math.min(GAP_PAUSE_MAX_MS, gapPauseMs * 2);
    context.owner().setTimer(pause, t -> catchUp());
  }

  /** Sends ready chunks while the socket takes them, then goes on catching up or pumping. */
  private void drain() {
    if (closed || waiting) {
      return;
    }
    long turnEnds = sentBytes + TURN_BYTES;
    while (!ready.isEmpty()) {
      if (sentBytes >= turnEnds) {
        waiting = true;
        context.runOnContext(v -> {
          waiting = false;
          drain();
        });
        return;
      }
      long next = ready.peekFirst().seq();
      if (next <= sentThrough) {
        ready.pollFirst(); // already sent (replay and live overlap by design)
        continue;
      }
      if (next > sentThrough + 1 && !catchingUp) {
        gap(); // from the store a skip is final (output lost for good); from live it is a gap
        return;
      }
      if (sink.full()) {
        waiting = true;
        sink.whenWritable(() -> {
          waiting = false;
          drain();
        });
        return;
      }
      if (!sendGroup()) {
        closed = true;
        return;
      }
    }
    if (catchingUp) {
      catchUp();
    } else {
      pump();
    }
  }

  /** Sends the next run of same-stream chunks as one message; false when the connection is gone. */
  private boolean sendGroup() {
    RunChunk first = ready.pollFirst();
    if (first.seq() <= sentThrough) {
      return true; // already sent (replay and live overlap by design)
    }
    int s = first.stream().ordinal();
    // Measure the group first, then copy each chunk once into an array of its exact size.
    int size = carry[s].length + first.data().length;
    long last = first.seq();
    int count = 0;
    for (RunChunk next : ready) {
      if (next.stream() != first.stream() || next.seq() != last + 1 || size + next.data().length > MESSAGE_BYTES) {
        break;
      }
      size += next.data().length;
      last = next.seq();
      count++;
    }
    byte[] all = new byte[size];
    System.arraycopy(carry[s], 0, all, 0, carry[s].length);
    int at = carry[s].length;
    System.arraycopy(first.data(), 0, all, at, first.data().length);
    at += first.data().length;
    for (int i = 0; i < count; i++) {
      byte[] data = ready.pollFirst().data();
      System.arraycopy(data, 0, all, at, data.length);
      at += data.length;
    }
    // A character split between chunks waits for the rest of its bytes.
    int keep = completeUtf8Length(all);
    carry[s] = java.util.Arrays.copyOfRange(all, keep, all.length);
    carrySeq[s] = last;
    sentThrough = last;
    if (keep == 0) {
      return true;
    }
    sentBytes += keep;
    return sink.sendEncoded(OutputMessage.encode(runId, first.seq(), last, first.stream(), all, keep));
  }

  private void finish() {
    if (closed) {
      return;
    }
    for (RunChunk.Stream stream : RunChunk.Stream.values()) {
      int s = stream.ordinal();
      if (carry[s].length > 0) {
        // the stream ended inside a character: what is there is not valid UTF-8
        sink.sendEncoded(OutputMessage.encode(runId, carrySeq[s], carrySeq[s], stream, carry[s], carry[s].length));
        carry[s] = new byte[0];
      }
    }
    closed = true;
    runs.find(runId).onComplete(ar -> context.runOnContext(v -> {
      if (!cancelled) {
        RunView view = ar.succeeded() ? ar.result().orElse(stored) : stored;
        sink.ended(this, runEvent("status", view));
      }
    }));
  }

  /** {@code {"channel": "run", "event", "runId", ...the run}}. */
  static JsonObject runEvent(String event, RunView view) {
    return view.toJson().put("channel", "run").put("event", event).put("runId", view.id().toString());
  }

  /** The length of the longest prefix that does not end inside a UTF-8 sequence. */
  static int completeUtf8Length(byte[] b) {
    int n = b.length;
    // look back at most 3 bytes for the start of the last sequence
    for (int i = n - 1; i >= Math.max(0, n - 4); i--) {
      int c = b[i] & 0xFF;
      if ((c & 0xC0) == 0x80) {
        continue; // continuation byte
      }
      int needed = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
      return n - i >= needed ? n : i;
    }
    return n;
  }
}
