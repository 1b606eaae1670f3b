package dev.ensemble.runs;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs commands for this node: admits them through the {@link RunQueue}, starts them through its
 * {@link RunExecutor} on its own threads (never an event loop), and keeps recently finished runs so
 * late viewers can still replay their backlog.
 */
public final class RunSupervisor implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RunSupervisor.class);
  private static final int FINISHED_KEPT = 100;

  private final RunExecutor executor;
  private final RunLimits limits;
  private final RunQueue queue;
  private final long backlogBytes;
  private final RunEvents events;
  private final boolean recorded;
  private final ExecutorService threads = Executors.newCachedThreadPool(LocalRunExecutor.named("ensemble-run-launch-"));
  private final Map<UUID, Run> active = new ConcurrentHashMap<>();
  private final Map<UUID, RunLimits> limitsByRun = new ConcurrentHashMap<>();
  private final Map<UUID, Run> finished =
      new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<UUID, Run> eldest) {
          return size() > FINISHED_KEPT;
        }
      };

  /**
   * @param backlogBytes output kept in memory per run for late viewers
   * @param events where lifecycle events go; {@code recorded} says whether it stores chunks (and
   *     calls {@link RunLog#markStored}), which decides when chunks may leave memory
   */
  public RunSupervisor(
      RunExecutor executor, RunLimits limits, RunQueue queue, long backlogBytes, RunEvents events, boolean recorded) {
    this.executor = executor;
    this.limits = limits;
    this.queue = queue;
    this.backlogBytes = backlogBytes;
    this.events = events;
    this.recorded = recorded;
  }

  /** A supervisor of sandboxed runs on this host. */
  public RunSupervisor(
      RunSandbox sandbox, RunLimits limits, RunQueue queue, long backlogBytes, RunEvents events, boolean recorded) {
    this(new LocalRunExecutor(sandbox), limits, queue, backlogBytes, events, recorded);
  }

  /** A supervisor of sandboxed runs on this host that records nothing. */
  public RunSupervisor(RunSandbox sandbox, RunLimits limits, RunQueue queue) {
    this(sandbox, limits, queue, 1 << 20, RunEvents.NONE, false);
  }

  /** Accepts a run with the default limits; it starts now or waits in the queue. */
  public Run submit(RunRequest request) {
    return submit(request, limits);
  }

  /** Accepts a run with these limits; throws {@link RunQueue.QueueFullException} when full. */
  public Run submit(RunRequest request, RunLimits runLimits) {
    Run run = new Run(request, new RunLog(backlogBytes, recorded));
    active.put(run.id(), run);
    limitsByRun.put(run.id(), runLimits);
    boolean now;
    try {
      now = queue.offer(new RunQueue.Entry(run.id(), request.userId(), request.projectId()));
    } catch (RunQueue.QueueFullException e) {
      active.remove(run.id());
      limitsByRun.remove(run.id());
      throw e;
    }
    events.queued(run);
    if (now) {
      threads.execute(() -> launch(run));
    }
    return run;
  }

  /** A run that is active or recently finished. */
  public Optional<Run> find(UUID id) {
    Run run = active.get(id);
    if (run != null) {
      return Optional.of(run);
    }
    synchronized (finished) {
      return Optional.ofNullable(finished.get(id));
    }
  }

  /** The runs this node holds now: waiting or running. */
  public List<UUID> holding() {
    return List.copyOf(active.keySet());
  }

  /** Where a waiting run stands in the queue (1 = next). */
  public Optional<Integer> queuePosition(UUID id) {
    return queue.position(id);
  }

  /** The waiting runs, oldest first. */
  public List<RunQueue.Entry> waiting() {
    return queue.waiting();
  }

  /** Cancels a waiting or running run; false when it is unknown or already over. */
  public boolean cancel(UUID id) {
    Run run = active.get(id);
    if (run == null || run.status().isFinal()) {
      return false;
    }
    run.requestCancel();
    if (queue.withdraw(id)) {
      complete(run, new RunResult(RunStatus.CANCELLED, Optional.empty(), Instant.now(), 0, 0, false), false);
      return true;
    }
    run.execution().ifPresent(e -> e.stop(RunExecution.StopReason.CANCELLED));
    return true;
  }

  private void launch(Run run) {
    RunLimits runLimits = limitsByRun.getOrDefault(run.id(), limits);
    RunRequest request = run.request();
    if (run.cancelRequested()) {
      complete(run, new RunResult(RunStatus.CANCELLED, Optional.empty(), Instant.now(), 0, 0, false), true);
      return;
    }
    RunOutput output = new RunOutput(run.log(), runLimits.outputBytes());
    try {
      RunExecution execution = executor.start(request, runLimits, output);
      run.running(execution, output);
      events.started(run);
      execution.ended().onSuccess(result -> complete(run, result, true));
      if (run.cancelRequested()) {
        execution.stop(RunExecution.StopReason.CANCELLED);
      }
    } catch (IOException | RuntimeException | InterruptedException e) {
      log.warn("run {} could not start: {}", run.id(), e.toString());
      complete(run, new RunResult(RunStatus.FAILED, Optional.empty(), Instant.now(), 0, output.bytes(), false), true);
    }
  }

  private void complete(Run run, RunResult result, boolean heldSlot) {
    if (!run.end(result)) {
      return;
    }
    // Finished before no longer active: find() must see the run throughout, or a viewer arriving
    // in between would follow it from the store as if another node held it.
    synchronized (finished) {
      finished.put(run.id(), run);
    }
    active.remove(run.id());
    limitsByRun.remove(run.id());
    events.ended(run, result);
    if (heldSlot) {
      for (RunQueue.Entry next : queue.release(run.id())) {
        Run waitingRun = active.get(next.runId());
        if (waitingRun != null) {
          threads.execute(() -> launch(waitingRun));
        }
      }
    }
  }

  /** Cancels everything, waits (bounded) for the runs to end, then closes the executor. */
  @Override
  public void close() {
    List<Run> all = new ArrayList<>(active.values());
    for (Run r : all) {
      cancel(r.id());
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(limits.killGrace().toSeconds() + 10);
    for (Run r : all) {
      long left = deadline - System.nanoTime();
      try {
        r.finished().toCompletionStage().toCompletableFuture().get(Math.max(left, 0), TimeUnit.NANOSECONDS);
      } catch (Exception e) {
        log.warn("run {} did not finish while closing: {}", r.id(), e.toString());
      }
    }
    executor.close();
    threads.shutdownNow();
  }
}
