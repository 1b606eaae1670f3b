package dev.ensemble.runs;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where runs execute: {@link LocalRunExecutor} on this host in the bubblewrap sandbox (the
 * default), or {@link KubernetesRunExecutor} as one Kubernetes Job per run
 * ({@code ENSEMBLE_RUN_EXECUTOR}). The {@link RunSupervisor} keeps the queue and the caps for both;
 * an executor only starts what it is given, delivers its output and its end, and stops it.
 */
public interface RunExecutor extends AutoCloseable {

  /** Which isolation runs get, for logs and {@code /ready}, e.g. {@code bubblewrap+seccomp+rlimits}. */
  String description();

  /** Why runs cannot be given network access here, or empty when they can. */
  Optional<String> networkUnavailable();

  /** Makes a run's fresh working copy usable by the run (blocking: call from a worker). */
  void prepareWorkspace(Path dir) throws IOException;

  /**
   * Starts a run and returns at once with its handle; its output goes to {@code output} and its end
   * completes {@link RunExecution#ended}. Called on a supervisor thread, never an event loop, so it
   * may block briefly (start a process, create a Job). Throws when the run could not be started.
   */
  RunExecution start(RunRequest request, RunLimits limits, RunOutput output) throws IOException, InterruptedException;

  /** Releases what the executor holds; runs have been stopped before. */
  @Override
  void close();
}
