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
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs sandboxed commands on this node: admits them through the {@link RunQueue}, starts them on
 * its own threads (never an event loop), and keeps recently finished runs so late viewers can
 * still replay their backlog.
 */
public final class RunSupervisor implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RunSupervisor.class);
  private static final int FINISHED_KEPT = 100;
  private static final java.time.Duration NETWORK_SETUP_TIMEOUT = java.time.Duration.ofSeconds(10);

  private final RunSandbox sandbox;
  private final RunLimits limits;
  private final RunQueue queue;
  private final long backlogBytes;
  private final RunEvents events;
  private final boolean recorded;
  private final ExecutorService threads = Executors.newCachedThreadPool(named("ensemble-run-"));
  private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(named("ensemble-run-timer-"));
  private final Map<UUID, Run> active = new ConcurrentHashMap<>();
  private final Map<UUID, RunLimits> limitsByRun = new ConcurrentHashMap<>();
  /** slirp4netns of the running runs that have network access. */
  private final Map<UUID, SandboxNetwork.Attached> networks = new ConcurrentHashMap<>();
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
      RunSandbox sandbox, RunLimits limits, RunQueue queue, long backlogBytes, RunEvents events, boolean recorded) {
    this.sandbox = sandbox;
    this.limits = limits;
    this.queue = queue;
    this.backlogBytes = backlogBytes;
    this.events = events;
    this.recorded = recorded;
  }

  /** A supervisor that records nothing. */
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
    run.process().ifPresent(p -> p.stop(RunProcess.StopReason.CANCELLED));
    return true;
  }

  private void launch(Run run) {
    RunLimits runLimits = limitsByRun.getOrDefault(run.id(), limits);
    RunRequest request = run.request();
    if (run.cancelRequested()) {
      complete(run, new RunResult(RunStatus.CANCELLED, Optional.empty(), Instant.now(), 0, 0, false), true);
      return;
    }
    Optional<SandboxNetwork.Plumbing> plumbing = Optional.empty();
    try {
      if (request.allowNetwork()) {
        plumbing = Optional.of(sandbox.network().prepare(run.id()));
      }
      ProcessBuilder builder = new ProcessBuilder(sandbox.command(request, runLimits, plumbing));
      builder.environment().clear();
      builder.environment().putAll(sandbox.environment(request));
      builder.directory(sandbox.hostDirectory(request).toFile());
      RunProcess process = RunProcess.start(builder, runLimits, run.log(), threads, timers, result -> complete(run, result, true));
      run.running(process);
      events.started(run);
      if (plumbing.isPresent()) {
        connect(run, process, plumbing.get());
      }
      if (run.cancelRequested()) {
        process.stop(RunProcess.StopReason.CANCELLED);
      }
    } catch (IOException | RuntimeException | InterruptedException e) {
      log.warn("run {} could not start: {}", run.id(), e.toString());
      plumbing.ifPresent(p -> SandboxNetwork.discard(p.dir()));
      complete(run, new RunResult(RunStatus.FAILED, Optional.empty(), Instant.now(), 0, 0, false), true);
    }
  }

  /** Connects a started sandbox to the network; the run fails when that cannot be done. */
  private void connect(Run run, RunProcess process, SandboxNetwork.Plumbing plumbing) {
    try {
      networks.put(run.id(), sandbox.network().attach(plumbing, NETWORK_SETUP_TIMEOUT));
      if (run.finished().isComplete()) { // ended meanwhile: complete() found nothing to close
        Optional.ofNullable(networks.remove(run.id())).ifPresent(SandboxNetwork.Attached::close);
      }
    } catch (Exception e) {
      log.warn("run {}: the sandbox's network could not be set up: {}", run.id(), e.toString());
      SandboxNetwork.discard(plumbing.dir());
      process.stop(RunProcess.StopReason.SETUP_FAILED);
    }
  }

  private void complete(Run run, RunResult result, boolean heldSlot) {
    if (!run.end(result)) {
      return;
    }
    active.remove(run.id());
    limitsByRun.remove(run.id());
    Optional.ofNullable(networks.remove(run.id())).ifPresent(SandboxNetwork.Attached::close);
    synchronized (finished) {
      finished.put(run.id(), run);
    }
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

  /** Cancels everything and waits (bounded) for the processes to go. */
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
    timers.shutdownNow();
    threads.shutdownNow();
  }

  private static ThreadFactory named(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
