package dev.ensemble.terminal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A terminal's recent output, numbered and bounded in bytes, and the subscribers told of each new
 * piece and of the end. The terminal's own node fills it from the shell; another node fills its
 * copy from the bus (where numbers may skip: what is no longer anywhere is skipped).
 */
final class TerminalBacklog {
  private static final Logger log = LoggerFactory.getLogger(TerminalBacklog.class);

  private final long maxBytes;
  // Guarded by this.
  private final ArrayDeque<TerminalChunk> chunks = new ArrayDeque<>();
  private final List<TerminalSubscriber> subscribers = new ArrayList<>();
  private long size;
  private long lastSeq;
  private Optional<TerminalState> end = Optional.empty();

  TerminalBacklog(long maxBytes) {
    this.maxBytes = maxBytes;
  }

  /** Numbers {@code text} after the newest piece, keeps it and tells the subscribers. */
  synchronized TerminalChunk append(String text, int bytes) {
    TerminalChunk chunk = new TerminalChunk(lastSeq + 1, text, bytes);
    add(chunk);
    return chunk;
  }

  /** Keeps a piece numbered elsewhere; false (and ignored) unless it is newer than the newest. */
  synchronized boolean add(TerminalChunk chunk) {
    if (chunk.seq() <= lastSeq || end.isPresent()) {
      return false;
    }
    chunks.addLast(chunk);
    size += chunk.bytes();
    lastSeq = chunk.seq();
    while (size > maxBytes && chunks.size() > 1) {
      size -= chunks.removeFirst().bytes();
    }
    for (TerminalSubscriber s : List.copyOf(subscribers)) {
      try {
        s.onOutput(chunk.seq());
      } catch (RuntimeException e) {
        log.warn("terminal viewer failed and was dropped: {}", e.toString());
        subscribers.remove(s);
      }
    }
    return true;
  }

  /** Output after {@code afterSeq} still kept, oldest first, about {@code maxBytes} at most (at least one piece). */
  synchronized List<TerminalChunk> after(long afterSeq, long maxBytes) {
    List<TerminalChunk> out = new ArrayList<>();
    long bytes = 0;
    for (TerminalChunk c : chunks) {
      if (c.seq() <= afterSeq) {
        continue;
      }
      if (!out.isEmpty() && bytes + c.bytes() > maxBytes) {
        break;
      }
      out.add(c);
      bytes += c.bytes();
    }
    return out;
  }

  synchronized long lastSeq() {
    return lastSeq;
  }

  synchronized AutoCloseable subscribe(TerminalSubscriber subscriber) {
    if (end.isPresent()) {
      subscriber.onEnd(end.get());
      return () -> {};
    }
    subscribers.add(subscriber);
    return () -> {
      synchronized (TerminalBacklog.this) {
        subscribers.remove(subscriber);
      }
    };
  }

  /** No output follows: tells the subscribers {@code state} once. */
  synchronized void end(TerminalState state) {
    if (end.isPresent()) {
      return;
    }
    end = Optional.of(state);
    for (TerminalSubscriber s : subscribers) {
      try {
        s.onEnd(state);
      } catch (RuntimeException e) {
        log.warn("terminal viewer failed at the end: {}", e.toString());
      }
    }
    subscribers.clear();
  }

  synchronized Optional<TerminalState> ended() {
    return end;
  }
}
