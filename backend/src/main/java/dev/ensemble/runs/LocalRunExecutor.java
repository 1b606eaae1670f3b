package dev.ensemble.runs;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs on this host, each in its own bubblewrap sandbox ({@link RunSandbox}) as a {@link RunProcess};
 * a run whose project allows network access is connected through slirp4netns
 * ({@link SandboxNetwork}) before its command starts. The default executor.
 */
public final class LocalRunExecutor implements RunExecutor {
  private static final Logger log = LoggerFactory.getLogger(LocalRunExecutor.class);
  private static final java.time.Duration NETWORK_SETUP_TIMEOUT = java.time.Duration.ofSeconds(10);

  private final RunSandbox sandbox;
  private final ExecutorService threads = Executors.newCachedThreadPool(named("ensemble-run-"));
  private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(named("ensemble-run-timer-"));
  /** slirp4netns of the running runs that have network access. */
  private final Map<UUID, SandboxNetwork.Attached> networks = new ConcurrentHashMap<>();

  public LocalRunExecutor(RunSandbox sandbox) {
    this.sandbox = sandbox;
  }

  /**
   * Finds out how this host isolates runs (it starts a probe sandbox: blocking) and prepares the
   * runs' directories for the sandbox uid; throws with the reason when runs cannot be isolated.
   */
  static LocalRunExecutor detect(RunSettings settings, RunWorkspaces workspaces) throws IOException {
    SandboxSupport support = SandboxSupport.detect(settings.sandboxUid());
    RunSandbox s = RunSandbox.create(support, settings.sandboxUid(), settings.unsafeUnsandboxed());
    workspaces.prepare(support.root() && !s.unsandboxed());
    if (s.unsandboxed()) {
      log.warn("runs execute WITHOUT isolation ({}): ENSEMBLE_RUN_UNSAFE_UNSANDBOXED is set; development only",
          s.description());
    } else {
      log.info("runs are isolated with {} as uid {} ({})", s.description(), settings.sandboxUid(), support.hostNotes());
    }
    return new LocalRunExecutor(s);
  }

  /** The sandbox runs execute in (the shared terminal's shell uses it too). */
  public RunSandbox sandbox() {
    return sandbox;
  }

  @Override
  public String description() {
    return sandbox.description();
  }

  @Override
  public Optional<String> networkUnavailable() {
    if (sandbox.networkAvailable()) {
      return Optional.empty();
    }
    return Optional.of(sandbox.unsandboxed()
        ? "runs are not sandboxed on this server, so they cannot be given a network of their own"
        : sandbox.network().unavailableReason());
  }

  @Override
  public void prepareWorkspace(Path dir) {
    sandbox.grantWorkspace(dir);
  }

  @Override
  public RunExecution start(RunRequest request, RunLimits limits, RunOutput output)
      throws IOException, InterruptedException {
    Optional<SandboxNetwork.Plumbing> plumbing = Optional.empty();
    try {
      if (request.allowNetwork()) {
        plumbing = Optional.of(sandbox.network().prepare(request.id()));
      }
      ProcessBuilder builder = new ProcessBuilder(sandbox.command(request, limits, plumbing));
      builder.environment().clear();
      builder.environment().putAll(sandbox.environment(request));
      builder.directory(sandbox.hostDirectory(request).toFile());
      RunProcess process = RunProcess.start(builder, limits, output, threads, timers);
      process.ended().onComplete(x -> Optional.ofNullable(networks.remove(request.id()))
          .ifPresent(SandboxNetwork.Attached::close));
      if (plumbing.isPresent()) {
        connect(request.id(), process, plumbing.get());
      }
      return process;
    } catch (IOException | RuntimeException | InterruptedException e) {
      plumbing.ifPresent(p -> SandboxNetwork.discard(p.dir()));
      throw e;
    }
  }

  /** Connects a started sandbox to the network; the run fails when that cannot be done. */
  private void connect(UUID runId, RunProcess process, SandboxNetwork.Plumbing plumbing) {
    try {
      networks.put(runId, sandbox.network().attach(plumbing, NETWORK_SETUP_TIMEOUT));
      if (process.ended().isComplete()) { // ended meanwhile: nothing was there to close
        Optional.ofNullable(networks.remove(runId)).ifPresent(SandboxNetwork.Attached::close);
      }
    } catch (Exception e) {
      log.warn("run {}: the sandbox's network could not be set up: {}", runId, e.toString());
      SandboxNetwork.discard(plumbing.dir());
      process.stop(RunExecution.StopReason.SETUP_FAILED);
    }
  }

  @Override
  public void close() {
    networks.values().forEach(SandboxNetwork.Attached::close);
    timers.shutdownNow();
    threads.shutdownNow();
  }

  static ThreadFactory named(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
