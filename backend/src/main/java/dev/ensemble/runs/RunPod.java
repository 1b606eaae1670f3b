package dev.ensemble.runs;

import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStateWaiting;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.client.dsl.LogWatch;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run as a Kubernetes Job (the Kubernetes executor's {@link RunExecution}), driven by what the
 * informer sees of its pod: while the pod is pending it waits (up to
 * {@code ENSEMBLE_RUN_K8S_START_SECONDS}) and fails the run with the reason when the pod cannot
 * start (unschedulable, image not pulled, working copy not fetched); once the command's container
 * runs it follows its log into the run's output, enforces the wall time, and ends with the exit
 * code of the container. Stopping deletes the Job. Kubernetes gives one log stream per container,
 * stdout and stderr merged, so the command's output arrives as stdout.
 */
final class RunPod implements RunExecution {
  private static final Logger log = LoggerFactory.getLogger(RunPod.class);
  private static final int READ_SIZE = 64 * 1024;
  /** How long a run that was stopped waits for its pod to go before it ends anyway. */
  private static final long STOP_WAIT_EXTRA_MS = 5_000;
  /** How long the end of the log may come before the container's exit code does. */
  private static final long EXIT_STATUS_WAIT_MS = 10_000;
  /** Container states in which a container will not start by itself. */
  private static final Set<String> CANNOT_START = Set.of("ErrImagePull", "ImagePullBackOff", "InvalidImageName",
      "ErrImageNeverPull", "CreateContainerConfigError", "CreateContainerError", "RunContainerError");

  private final KubernetesRunExecutor executor;
  private final RunRequest request;
  private final RunLimits limits;
  private final RunOutput output;
  private final Instant startedAt = Instant.now();
  private final long startNanos = System.nanoTime();
  private final AtomicReference<StopReason> stopReason = new AtomicReference<>();
  private final Promise<RunResult> ended = Promise.promise();

  // Guarded by this.
  private String podName;
  private boolean commandStarted;
  private long commandStartNanos;
  private boolean logDone;
  private ContainerStateTerminated exit;
  /** Why the pod is not running yet, as last seen. */
  private String waitingFor = "no pod has been created for the Job yet";
  private boolean over;
  private ScheduledFuture<?> startTimer;
  private ScheduledFuture<?> wallTimer;

  RunPod(KubernetesRunExecutor executor, RunRequest request, RunLimits limits, RunOutput output) {
    this.executor = executor;
    this.request = request;
    this.limits = limits;
    this.output = output;
  }

  /** The Job exists: the pod has {@code ENSEMBLE_RUN_K8S_START_SECONDS} to start its command. */
  synchronized void created() {
    if (over) {
      return;
    }
    long ms = executor.settings().startTimeout().toMillis();
    startTimer = executor.timers().schedule(this::startTimedOut, ms, TimeUnit.MILLISECONDS);
  }

  @Override
  public Instant startedAt() {
    return startedAt;
  }

  @Override
  public Future<RunResult> ended() {
    return ended.future();
  }

  @Override
  public void stop(StopReason reason) {
    if (!stopReason.compareAndSet(null, reason)) {
      return;
    }
    boolean waitForPod;
    synchronized (this) {
      if (over) {
        return;
      }
      waitForPod = commandStarted && !logDone;
    }
    executor.deleteJob(request);
    if (waitForPod) {
      // the pod gets the kill grace (terminationGracePeriodSeconds); its log then ends
      long ms = limits.killGrace().toMillis() + STOP_WAIT_EXTRA_MS;
      executor.timers().schedule(this::finish, ms, TimeUnit.MILLISECONDS);
    } else {
      finish();
    }
  }

  /** What the informer saw of the run's pod. */
  synchronized void onPod(Pod pod) {
    if (over) {
      return;
    }
    podName = pod.getMetadata().getName();
    var status = pod.getStatus();
    if (status == null) {
      return;
    }
    for (PodCondition c : list(status.getConditions())) {
      if ("PodScheduled".equals(c.getType()) && "False".equals(c.getStatus())) {
        waitingFor = "the pod cannot be scheduled: " + c.getMessage();
      }
    }
    Optional<ContainerStatus> init = container(status.getInitContainerStatuses(), RunJobSpec.INIT_CONTAINER);
    Optional<ContainerStatus> main = container(status.getContainerStatuses(), RunJobSpec.CONTAINER);
    for (ContainerStatus c : List.of(init, main).stream().flatMap(Optional::stream).toList()) {
      ContainerStateWaiting waiting = c.getState() == null ? null : c.getState().getWaiting();
      if (waiting != null && waiting.getReason() != null) {
        waitingFor = "container " + c.getName() + " is waiting: " + waiting.getReason()
            + (waiting.getMessage() == null ? "" : " (" + waiting.getMessage() + ")");
        if (CANNOT_START.contains(waiting.getReason())) {
          setupFailed("the run's pod cannot start: " + waitingFor);
          return;
        }
      }
    }
    ContainerStateTerminated fetched = init.map(c -> c.getState() == null ? null : c.getState().getTerminated()).orElse(null);
    if (fetched != null && fetched.getExitCode() != null && fetched.getExitCode() != 0) {
      String name = podName;
      executor.threads().execute(() -> fetchFailed(name, fetched.getExitCode()));
      return;
    }
    var state = main.map(ContainerStatus::getState).orElse(null);
    boolean running = state != null && state.getRunning() != null;
    ContainerStateTerminated terminated = state == null ? null : state.getTerminated();
    if ((running || terminated != null) && !commandStarted) {
      commandStarted();
    }
    if (terminated != null) {
      exit = terminated;
      if (logDone) {
        finish();
      }
      return;
    }
    if ("Failed".equals(status.getPhase())) {
      // the pod failed without its command exiting: evicted, or the Job's deadline passed
      waitingFor = "the pod failed: " + status.getReason() + (status.getMessage() == null ? "" : " (" + status.getMessage() + ")");
      if ("DeadlineExceeded".equals(status.getReason())) {
        stopReason.compareAndSet(null, StopReason.TIMED_OUT);
      } else {
        output.notice(waitingFor);
      }
      finish();
    }
  }

  /** The run's pod is gone (its Job was deleted, by this node or someone else). */
  synchronized void onPodGone() {
    if (over || (exit != null && !logDone)) {
      return; // the log's end finishes it
    }
    if (stopReason.get() == null) {
      boolean pastWallTime = commandStarted
          && System.nanoTime() - commandStartNanos >= limits.wallTime().toNanos();
      if (pastWallTime) {
        stopReason.compareAndSet(null, StopReason.TIMED_OUT);
      } else {
        output.notice("the run's pod was deleted before its command ended");
      }
    }
    finish();
  }

  private void commandStarted() {
    commandStarted = true;
    commandStartNanos = System.nanoTime();
    executor.revokeTransfer(request);
    cancel(startTimer);
    wallTimer = executor.timers().schedule(() -> stop(StopReason.TIMED_OUT), limits.wallTime().toMillis(),
        TimeUnit.MILLISECONDS);
    String name = podName;
    executor.threads().execute(() -> follow(name));
  }

  /** Copies the command's log into the output until the container ends (or the pod goes). */
  private void follow(String pod) {
    try (LogWatch watch = executor.client().pods().inNamespace(executor.settings().namespace()).withName(pod)
            .inContainer(RunJobSpec.CONTAINER).watchLog();
        InputStream in = watch.getOutput()) {
      byte[] buf = new byte[READ_SIZE];
      int n;
      while ((n = in.read(buf)) >= 0) {
        if (n > 0 && !output.accept(RunChunk.Stream.STDOUT, buf, n)) {
          stop(StopReason.OUTPUT_LIMIT);
        }
        output.awaitStoreRoom();
      }
    } catch (IOException | RuntimeException e) {
      log.debug("run {}: the log of pod {} ended: {}", request.id(), pod, e.toString());
    }
    synchronized (this) {
      logDone = true;
      if (exit != null || stopReason.get() != null) {
        finish();
        return;
      }
    }
    // The log can end a moment before the informer brings the exit code.
    executor.timers().schedule(() -> exitStatusMissing(pod), EXIT_STATUS_WAIT_MS, TimeUnit.MILLISECONDS);
  }

  private void exitStatusMissing(String pod) {
    synchronized (this) {
      if (over) {
        return;
      }
    }
    executor.threads().execute(() -> {
      try {
        Pod now = executor.client().pods().inNamespace(executor.settings().namespace()).withName(pod).get();
        if (now != null) {
          onPod(now);
        }
      } catch (RuntimeException e) {
        log.debug("run {}: reading pod {} failed: {}", request.id(), pod, e.toString());
      }
      synchronized (this) {
        if (!over) {
          output.notice("the exit status of the run's pod could not be read");
          finish();
        }
      }
    });
  }

  /** The init container could not put the working copy into the pod: its log tells why. */
  private void fetchFailed(String pod, int code) {
    String detail = "";
    try {
      detail = executor.client().pods().inNamespace(executor.settings().namespace()).withName(pod)
          .inContainer(RunJobSpec.INIT_CONTAINER).tailingLines(20).getLog();
    } catch (RuntimeException e) {
      log.debug("run {}: reading the init container's log failed: {}", request.id(), e.toString());
    }
    setupFailed("the working copy could not be fetched into the run's pod (exit " + code + ")"
        + (detail == null || detail.isBlank() ? "" : ": " + detail.strip()));
  }

  private void startTimedOut() {
    synchronized (this) {
      if (over || commandStarted) {
        return;
      }
    }
    setupFailed("the run's pod did not start within " + executor.settings().startTimeout().toSeconds() + " s; "
        + waitingFor + " (a ResourceQuota or LimitRange of namespace " + executor.settings().namespace()
        + " may refuse it: kubectl -n " + executor.settings().namespace() + " describe job " + RunJobSpec.name(request) + ")");
  }

  private void setupFailed(String message) {
    synchronized (this) {
      if (over) {
        return;
      }
      output.notice(message);
    }
    stop(StopReason.SETUP_FAILED);
    finish();
  }

  /** Ends the run once: works out the status, removes the Job, completes {@link #ended}. */
  private void finish() {
    RunResult result;
    synchronized (this) {
      if (over) {
        return;
      }
      over = true;
      cancel(startTimer);
      cancel(wallTimer);
      Optional<Integer> code = Optional.ofNullable(exit).map(ContainerStateTerminated::getExitCode);
      StopReason reason = stopReason.get();
      RunStatus status;
      if (reason == StopReason.SETUP_FAILED) {
        status = RunStatus.FAILED;
      } else if (reason == StopReason.CANCELLED) {
        status = RunStatus.CANCELLED;
      } else if (reason == StopReason.TIMED_OUT) {
        status = RunStatus.TIMED_OUT;
      } else if (reason == StopReason.OUTPUT_LIMIT) {
        status = RunStatus.KILLED;
      } else if (exit == null) {
        status = RunStatus.FAILED;
      } else if ("OOMKilled".equals(exit.getReason())) {
        output.notice("the run was killed for using more than its memory limit (" + limits.memoryBytes() + " bytes)");
        status = RunStatus.KILLED;
      } else if (code.orElse(-1) == 0) {
        status = RunStatus.SUCCEEDED;
      } else if (code.orElse(-1) > 128 && code.orElse(-1) < 160) {
        status = RunStatus.KILLED; // death by signal n is 128+n: a limit (CPU time) or a crash
      } else {
        status = RunStatus.FAILED;
      }
      long durationMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
      result = new RunResult(status, code, startedAt, durationMs, output.bytes(), output.truncated());
    }
    executor.forget(request);
    if (stopReason.get() == null) {
      executor.deleteJob(request); // done with it; the TTL is the fallback
    }
    ended.complete(result);
  }

  private static Optional<ContainerStatus> container(List<ContainerStatus> statuses, String name) {
    return list(statuses).stream().filter(c -> name.equals(c.getName())).findFirst();
  }

  private static <T> List<T> list(List<T> l) {
    return l == null ? List.of() : l;
  }

  private static void cancel(ScheduledFuture<?> f) {
    if (f != null) {
      f.cancel(false);
    }
  }
}
