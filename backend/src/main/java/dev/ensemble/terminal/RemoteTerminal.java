package dev.ensemble.terminal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * A terminal running on another node, as this node relays it: its state and a copy of its recent
 * output, filled from the bus, which its viewers here read like the terminal's own backlog. Output
 * must arrive gap-free: a piece whose number skips is held back (at most a backlog's worth) until
 * the terminal's node has answered a request for what is missing ({@link #fill}). Thread-safe.
 */
final class RemoteTerminal implements TerminalOutput {
  private final String node;
  private final TerminalBacklog backlog;
  private final long maxBytes;
  // Guarded by this.
  private TerminalState state;
  private final List<TerminalChunk> held = new ArrayList<>();
  private long heldBytes;

  RemoteTerminal(String node, TerminalState state, long backlogBytes) {
    this.node = node;
    this.state = state;
    this.maxBytes = backlogBytes;
    this.backlog = new TerminalBacklog(backlogBytes);
  }

  /** The node running it. */
  String node() {
    return node;
  }

  @Override
  public UUID id() {
    return state().sessionId();
  }

  @Override
  public synchronized TerminalState state() {
    return state;
  }

  synchronized void resized(TerminalState running) {
    if (state.running()) {
      state = running;
    }
  }

  @Override
  public List<TerminalChunk> chunksAfter(long afterSeq, int maxBytes) {
    return backlog.after(afterSeq, maxBytes);
  }

  @Override
  public AutoCloseable subscribe(TerminalSubscriber subscriber) {
    return backlog.subscribe(subscriber);
  }

  long lastSeq() {
    return backlog.lastSeq();
  }

  Optional<TerminalState> ended() {
    return backlog.ended();
  }

  /**
   * Takes relayed output; true when a piece is missing before it (the caller asks the terminal's
   * node for what it has after {@link #lastSeq}).
   */
  synchronized boolean offer(List<TerminalChunk> chunks) {
    for (TerminalChunk c : chunks) {
      if (c.seq() == backlog.lastSeq() + 1 && held.isEmpty()) {
        backlog.add(c);
      } else if (c.seq() > backlog.lastSeq()) {
        held.add(c);
        heldBytes += c.bytes();
      }
    }
    while (heldBytes > maxBytes && held.size() > 1) {
      heldBytes -= held.remove(0).bytes();
    }
    return !held.isEmpty();
  }

  /**
   * The terminal's node answered with its state and the output it still had: that output may skip
   * (nothing older exists any more); then what was held back, as far as it is gap-free. True when
   * a gap remains. An ended state ends this copy once all its output is here.
   */
  synchronized boolean fill(TerminalState now, long nodeLastSeq, List<TerminalChunk> chunks) {
    chunks.forEach(backlog::add);
    held.sort(Comparator.comparingLong(TerminalChunk::seq));
    List<TerminalChunk> rest = new ArrayList<>();
    for (TerminalChunk c : held) {
      if (c.seq() == backlog.lastSeq() + 1) {
        backlog.add(c);
      } else if (c.seq() > backlog.lastSeq()) {
        rest.add(c);
      }
    }
    held.clear();
    held.addAll(rest);
    heldBytes = rest.stream().mapToLong(TerminalChunk::bytes).sum();
    if (now.running()) {
      resized(now);
    } else if (backlog.lastSeq() >= nodeLastSeq) {
      end(now);
    }
    return !held.isEmpty();
  }

  /** No output follows: the viewers hear {@code end} after what they have. */
  synchronized void end(TerminalState end) {
    state = end;
    held.clear();
    heldBytes = 0;
    backlog.end(end);
  }
}
