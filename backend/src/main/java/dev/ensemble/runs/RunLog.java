package dev.ensemble.runs;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A run's output as it happens: numbers each chunk, keeps a bounded backlog in memory and fans
 * chunks out to subscribers. Subscribing replays the backlog after a sequence number and then
 * continues live under the same lock, so a late viewer sees no gap and no duplicate.
 *
 * <p>A chunk leaves memory only once it is stored ({@link #markStored}), so a viewer further behind
 * than the backlog can always read the gap from the store.
 */
public final class RunLog {
  private static final Logger log = LoggerFactory.getLogger(RunLog.class);

  /** Output waiting for the store beyond which readers are held back: this many backlogs. */
  static final int UNSTORED_BACKLOGS = 8;

  private final long backlogBytes;
  private final ArrayDeque<RunChunk> backlog = new ArrayDeque<>();
  private final List<RunSubscriber> subscribers = new ArrayList<>();
  private long backlogSize;
  /** Bytes of the chunks after {@link #storedThrough} (all of them are in the backlog). */
  private long unstoredSize;
  private long lastSeq;
  private long storedThrough;
  private Optional<RunResult> end = Optional.empty();

  /**
   * @param backlogBytes how much recent output to keep in memory
   * @param waitForStore true when a recorder stores the chunks and calls {@link #markStored}; false
   *     when nothing stores them, so they may leave memory at once
   */
  public RunLog(long backlogBytes, boolean waitForStore) {
    this.backlogBytes = backlogBytes;
    this.storedThrough = waitForStore ? 0 : Long.MAX_VALUE;
  }

  /** A subscription; {@link #replayedFrom} tells the viewer where its in-memory replay began. */
  public final class Subscription {
    private final RunSubscriber subscriber;
    private final long replayedFrom;

    private Subscription(RunSubscriber subscriber, long replayedFrom) {
      this.subscriber = subscriber;
      this.replayedFrom = replayedFrom;
    }

    /**
     * The first sequence number replayed from memory (or the next live one). When it is greater
     * than the requested position plus one, the chunks in between are in the store.
     */
    public long replayedFrom() {
      return replayedFrom;
    }

    /** Stops delivery to this subscriber. */
    public void cancel() {
      synchronized (RunLog.this) {
        subscribers.remove(subscriber);
      }
    }
  }

  /** Numbers the bytes, keeps them, and delivers them to every subscriber. */
  public synchronized RunChunk append(RunChunk.Stream stream, byte[] data) {
    if (end.isPresent()) {
      throw new IllegalStateException("run log already ended");
    }
    RunChunk chunk = new RunChunk(++lastSeq, stream, data);
    backlog.addLast(chunk);
    backlogSize += data.length;
    if (chunk.seq() > storedThrough) {
      unstoredSize += data.length;
    }
    evict();
    for (RunSubscriber s : List.copyOf(subscribers)) {
      try {
        s.onChunk(chunk);
      } catch (RuntimeException e) {
        log.warn("run viewer failed and was dropped: {}", e.toString());
        subscribers.remove(s);
      }
    }
    return chunk;
  }

  /** Ends the log: every subscriber hears the result and is released. */
  public synchronized void end(RunResult result) {
    if (end.isPresent()) {
      return;
    }
    end = Optional.of(result);
    notifyAll();
    for (RunSubscriber s : subscribers) {
      try {
        s.onEnd(result);
      } catch (RuntimeException e) {
        log.warn("run viewer failed at the end: {}", e.toString());
      }
    }
    subscribers.clear();
  }

  /** Replays chunks after {@code afterSeq} still in memory, then delivers live ones. */
  public synchronized Subscription subscribe(long afterSeq, RunSubscriber subscriber) {
    long first = lastSeq + 1;
    for (RunChunk c : backlog) {
      if (c.seq() > afterSeq) {
        first = Math.min(first, c.seq());
        subscriber.onChunk(c);
      }
    }
    if (end.isPresent()) {
      subscriber.onEnd(end.get());
    } else {
      subscribers.add(subscriber);
    }
    return new Subscription(subscriber, Math.max(first, afterSeq + 1));
  }

  /** Chunks after {@code afterSeq} that are still in memory. */
  public synchronized List<RunChunk> backlogAfter(long afterSeq) {
    List<RunChunk> out = new ArrayList<>();
    for (RunChunk c : backlog) {
      if (c.seq() > afterSeq) {
        out.add(c);
      }
    }
    return out;
  }

  /** Chunks up to {@code seq} are in the store and may leave memory. */
  public synchronized void markStored(long seq) {
    if (seq <= storedThrough) {
      return;
    }
    for (RunChunk c : backlog) {
      if (c.seq() > storedThrough && c.seq() <= seq) {
        unstoredSize -= c.data().length;
      }
    }
    storedThrough = seq;
    evict();
    notifyAll();
  }

  /**
   * Holds a reader of the run's output (a plain thread, never an event loop) while more than
   * {@value #UNSTORED_BACKLOGS} backlogs ({@code ENSEMBLE_RUN_BACKLOG_BYTES} each) of output wait
   * for the store, for at most {@code maxWaitMillis}. Output can come far faster than it is
   * stored; without this a fast writer would fill the heap with it. Holding the reader fills the
   * process's pipe, which pauses the process until the store catches up. The wait is bounded so
   * that a stalled store slows a run down instead of hanging it.
   */
  public synchronized void awaitStoreRoom(long maxWaitMillis) throws InterruptedException {
    long deadline = System.nanoTime() + maxWaitMillis * 1_000_000L;
    while (unstoredSize > UNSTORED_BACKLOGS * backlogBytes && end.isEmpty()) {
      long left = (deadline - System.nanoTime()) / 1_000_000L;
      if (left <= 0) {
        return;
      }
      wait(left);
    }
  }

  /** Bytes of output not yet stored (0 when nothing stores this run's output). */
  public synchronized long unstoredBytes() {
    return unstoredSize;
  }

  /** The sequence number of the newest chunk (0 before any output). */
  public synchronized long lastSeq() {
    return lastSeq;
  }

  /** How the run ended, once it has. */
  public synchronized Optional<RunResult> result() {
    return end;
  }

  private void evict() {
    while (backlogSize > backlogBytes && !backlog.isEmpty() && backlog.peekFirst().seq() <= storedThrough) {
      backlogSize -= backlog.removeFirst().data().length;
    }
  }
}
