package dev.ensemble.runs;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One sandboxed process (the local executor's {@link RunExecution}): reads its stdout and stderr
 * into the run's {@link RunOutput}, enforces the wall
 * time and the output cap, and stops it on request. Stopping sends SIGTERM to everything inside
 * the sandbox, then after the grace period SIGKILLs the sandbox's init, which takes the whole pid
 * namespace (every descendant, daemonised or not) with it; bwrap then reaps it and exits.
 */
final class RunProcess implements RunExecution {
  private static final Logger log = LoggerFactory.getLogger(RunProcess.class);
  private static final int READ_SIZE = 64 * 1024;

  private final Process process;
  private final RunLimits limits;
  private final RunOutput output;
  private final ScheduledExecutorService timers;
  private final Instant startedAt;
  private final long startNanos;
  private final AtomicReference<StopReason> stopReason = new AtomicReference<>();
  private final CountDownLatch readersDone = new CountDownLatch(2);
  private final Promise<RunResult> ended = Promise.promise();
  private volatile ScheduledFuture<?> deadline;
  private volatile ScheduledFuture<?> workspaceWatch;

  private RunProcess(Process process, RunLimits limits, RunOutput output, ScheduledExecutorService timers) {
    this.process = process;
    this.limits = limits;
    this.output = output;
    this.timers = timers;
    this.startedAt = Instant.now();
    this.startNanos = System.nanoTime();
  }

  /**
   * Starts the command and returns at once; {@link #ended} completes after the process and both
   * output streams have finished. Blocking work happens on {@code threads}.
   */
  static RunProcess start(
      ProcessBuilder builder,
      RunLimits limits,
      RunOutput output,
      Executor threads,
      ScheduledExecutorService timers,
      Optional<java.nio.file.Path> workspace)
      throws IOException {
    builder.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    RunProcess run = new RunProcess(builder.start(), limits, output, timers);
    run.deadline = timers.schedule(() -> run.stop(StopReason.TIMED_OUT), limits.wallTime().toMillis(), TimeUnit.MILLISECONDS);
    workspace.ifPresent(dir -> {
      AtomicBoolean measuring = new AtomicBoolean();
      long every = limits.workspaceCheck().toMillis();
      run.workspaceWatch = timers.scheduleWithFixedDelay(() -> {
        // measured on the run's pool so that a large tree never delays the timers
        if (measuring.compareAndSet(false, true)) {
          threads.execute(() -> {
            try {
              run.checkWorkspace(dir);
            } finally {
              measuring.set(false);
            }
          });
        }
      }, every, every, TimeUnit.MILLISECONDS);
    });
    threads.execute(() -> run.pump(run.process.getInputStream(), RunChunk.Stream.STDOUT));
    threads.execute(() -> run.pump(run.process.getErrorStream(), RunChunk.Stream.STDERR));
    threads.execute(() -> run.ended.complete(run.awaitEnd()));
    return run;
  }

  @Override
  public Instant startedAt() {
    return startedAt;
  }

  @Override
  public Future<RunResult> ended() {
    return ended.future();
  }

  long pid() {
    return process.pid();
  }

  /** Asks the process to stop: SIGTERM inside the sandbox now, SIGKILL for all after the grace. */
  @Override
  public void stop(StopReason reason) {
    if (!stopReason.compareAndSet(null, reason) || !process.isAlive()) {
      return;
    }
    if (reason == StopReason.OUTPUT_LIMIT || reason == StopReason.SETUP_FAILED || reason == StopReason.WORKSPACE_LIMIT
        || limits.killGrace().isZero()) {
      killAll();
      return;
    }
    process.descendants().forEach(ProcessHandle::destroy);
    timers.schedule(this::killAll, limits.killGrace().toMillis(), TimeUnit.MILLISECONDS);
  }

  private void killAll() {
    // Kill the sandbox's init (bwrap's child) first: the kernel then kills the rest of the pid
    // namespace and bwrap reaps its child and exits. Killing bwrap first would hand that init to
    // the host's pid 1, which in a container may be this JVM, which never reaps it.
    List<ProcessHandle> tree = process.descendants().collect(Collectors.toList());
    tree.forEach(ProcessHandle::destroyForcibly);
    if (tree.isEmpty()) {
      process.destroyForcibly();
    } else {
      try {
        timers.schedule(
            () -> {
              if (process.isAlive()) {
                process.destroyForcibly();
              }
            },
            1,
            TimeUnit.SECONDS);
      } catch (java.util.concurrent.RejectedExecutionException shuttingDown) {
        process.destroyForcibly();
      }
    }
  }

  /**
   * Measures the working directory (regular files, links not followed) and kills the run when it
   * holds more than its limit. Runs on the run pool, never two at once for one run.
   */
  private void checkWorkspace(java.nio.file.Path dir) {
    if (!process.isAlive() || stopReason.get() != null) {
      return;
    }
    long limit = limits.workspaceBytes();
    long[] total = {0};
    try {
      java.nio.file.Files.walkFileTree(dir, new java.nio.file.SimpleFileVisitor<>() {
        @Override
        public java.nio.file.FileVisitResult visitFile(java.nio.file.Path f, java.nio.file.attribute.BasicFileAttributes a) {
          if (a.isRegularFile()) {
            total[0] += a.size();
          }
          return total[0] > limit ? java.nio.file.FileVisitResult.TERMINATE : java.nio.file.FileVisitResult.CONTINUE;
        }

        @Override
        public java.nio.file.FileVisitResult visitFileFailed(java.nio.file.Path f, IOException e) {
          return java.nio.file.FileVisitResult.CONTINUE; // removed while we looked
        }
      });
    } catch (IOException e) {
      log.debug("measuring {} failed: {}", dir, e.toString());
      return;
    }
    if (total[0] > limit && stopReason.get() == null) {
      output.notice("the run's working directory holds more than " + limit
          + " bytes (ENSEMBLE_RUN_WORKSPACE_BYTES): the run was killed");
      stop(StopReason.WORKSPACE_LIMIT);
    }
  }

  private void pump(InputStream in, RunChunk.Stream stream) {
    byte[] buf = new byte[READ_SIZE];
    try (in) {
      int n;
      while ((n = in.read(buf)) >= 0) {
        if (n > 0) {
          accept(stream, buf, n);
          output.awaitStoreRoom();
        }
      }
    } catch (IOException e) {
      // The stream closes under us when the process is killed; that is the normal end.
      log.debug("{} of run closed: {}", stream.wire(), e.toString());
    } finally {
      readersDone.countDown();
    }
  }

  private void accept(RunChunk.Stream stream, byte[] buf, int n) {
    // beyond the cap the pipe is drained and dropped until the kill lands, so it never fills
    if (!output.accept(stream, buf, n)) {
      stop(StopReason.OUTPUT_LIMIT);
    }
  }

  private RunResult awaitEnd() {
    int code;
    try {
      code = process.waitFor();
      // The sandbox is gone with bwrap, so its pipes close; an unsandboxed run's stray children
      // might hold them open, so the wait is bounded and whatever is left is killed.
      if (!readersDone.await(5, TimeUnit.SECONDS)) {
        killAll();
        process.getInputStream().close();
        process.getErrorStream().close();
        readersDone.await(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      killAll();
      code = -1;
    } catch (IOException e) {
      code = process.exitValue();
    }
    ScheduledFuture<?> d = deadline;
    if (d != null) {
      d.cancel(false);
    }
    ScheduledFuture<?> w = workspaceWatch;
    if (w != null) {
      w.cancel(false);
    }
    long durationMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    StopReason reason = stopReason.get();
    RunStatus status;
    if (reason == StopReason.SETUP_FAILED) {
      status = RunStatus.FAILED;
    } else if (reason == StopReason.WORKSPACE_LIMIT) {
      status = RunStatus.KILLED;
    } else if (reason == StopReason.CANCELLED) {
      status = RunStatus.CANCELLED;
    } else if (reason == StopReason.TIMED_OUT) {
      status = RunStatus.TIMED_OUT;
    } else if (reason == StopReason.OUTPUT_LIMIT) {
      status = RunStatus.KILLED;
    } else if (code == 0) {
      status = RunStatus.SUCCEEDED;
    } else if (code > 128 && code < 160) {
      // bwrap and sh report death by signal n as 128+n: a limit (CPU, file size) or a crash.
      status = RunStatus.KILLED;
    } else {
      status = RunStatus.FAILED;
    }
    return new RunResult(status, code < 0 ? Optional.empty() : Optional.of(code), startedAt, durationMs,
        output.bytes(), output.truncated());
  }
}
