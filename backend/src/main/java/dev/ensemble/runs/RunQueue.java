package dev.ensemble.runs;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Admission for runs: at most {@code perUser}, {@code perProject} and {@code perNode} at once;
 * the rest wait in one FIFO queue that anyone may look at. A waiting run blocked only by its own
 * user's or project's cap does not hold back runs behind it that fit.
 */
public final class RunQueue {
  /** A run asking for a slot. */
  public record Entry(UUID runId, UUID userId, UUID projectId) {}

  /** Thrown when the queue is full. */
  public static final class QueueFullException extends RuntimeException {
    QueueFullException(int size) {
      super("the run queue is full (" + size + " waiting)");
    }
  }

  private final int perUser;
  private final int perProject;
  private final int perNode;
  private final int maxWaiting;
  private final LinkedHashMap<UUID, Entry> waiting = new LinkedHashMap<>();
  private final Map<UUID, Entry> running = new HashMap<>();
  private final Map<UUID, Integer> byUser = new HashMap<>();
  private final Map<UUID, Integer> byProject = new HashMap<>();

  public RunQueue(int perUser, int perProject, int perNode, int maxWaiting) {
    if (perUser < 1 || perProject < 1 || perNode < 1 || maxWaiting < 0) {
      throw new IllegalArgumentException("run caps must be positive");
    }
    this.perUser = perUser;
    this.perProject = perProject;
    this.perNode = perNode;
    this.maxWaiting = maxWaiting;
  }

  /** Takes a slot now (true) or queues the run (false); throws when the queue is full. */
  public synchronized boolean offer(Entry e) {
    // Waiting runs that fit were admitted at the last release, so one that fits now is not
    // jumping ahead of anyone who could run.
    if (fits(e)) {
      take(e);
      return true;
    }
    if (waiting.size() >= maxWaiting) {
      throw new QueueFullException(waiting.size());
    }
    waiting.put(e.runId(), e);
    return false;
  }

  /** Frees a running run's slot; returns the waiting runs that now start, oldest first. */
  public synchronized List<Entry> release(UUID runId) {
    Entry e = running.remove(runId);
    if (e != null) {
      byUser.merge(e.userId(), -1, Integer::sum);
      byProject.merge(e.projectId(), -1, Integer::sum);
    }
    return admit();
  }

  /** Removes a waiting run (cancelled before it started); true if it was waiting. */
  public synchronized boolean withdraw(UUID runId) {
    return waiting.remove(runId) != null;
  }

  /** 1 for the next run to start, empty when not waiting. */
  public synchronized Optional<Integer> position(UUID runId) {
    int i = 1;
    for (UUID id : waiting.keySet()) {
      if (id.equals(runId)) {
        return Optional.of(i);
      }
      i++;
    }
    return Optional.empty();
  }

  /** The waiting runs, oldest first. */
  public synchronized List<Entry> waiting() {
    return List.copyOf(waiting.values());
  }

  /** How many runs hold a slot. */
  public synchronized int runningCount() {
    return running.size();
  }

  private List<Entry> admit() {
    List<Entry> started = new ArrayList<>();
    for (Iterator<Entry> it = waiting.values().iterator(); it.hasNext() && running.size() < perNode; ) {
      Entry e = it.next();
      if (fits(e)) {
        it.remove();
        take(e);
        started.add(e);
      }
    }
    return started;
  }

  private boolean fits(Entry e) {
    return running.size() < perNode
        && byUser.getOrDefault(e.userId(), 0) < perUser
        && byProject.getOrDefault(e.projectId(), 0) < perProject;
  }

  private void take(Entry e) {
    running.put(e.runId(), e);
    byUser.merge(e.userId(), 1, Integer::sum);
    byProject.merge(e.projectId(), 1, Integer::sum);
  }
}
