package dev.ensemble.terminal;

import dev.ensemble.projects.Project;
import dev.ensemble.projects.Role;
import dev.ensemble.runs.RunRequest;
import dev.ensemble.runs.RunSandbox;
import dev.ensemble.runs.RunService;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shared terminals of this node: at most one per project, opened by an editor on a fresh copy
 * of the project's files, in the same sandbox and with the same limits as runs (but for the wall
 * time: a terminal has its own idle timeout and lifetime). Tells everyone watching a project when
 * its terminal starts, resizes and ends.
 */
public final class TerminalService {
  private static final Logger log = LoggerFactory.getLogger(TerminalService.class);
  private static final Path SETSID = Path.of("/usr/bin/setsid");

  private final Vertx vertx;
  private final TerminalSettings settings;
  private final RunService runs;
  private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "ensemble-terminal-timer");
    t.setDaemon(true);
    return t;
  });
  private final Map<UUID, TerminalSession> sessions = new ConcurrentHashMap<>();
  private final Set<UUID> opening = new HashSet<>();
  private final Map<UUID, List<Consumer<TerminalState>>> watchers = new ConcurrentHashMap<>();
  private volatile boolean closed;

  public TerminalService(Vertx vertx, TerminalSettings settings, RunService runs) {
    this.vertx = vertx;
    this.settings = settings;
    this.runs = runs;
  }

  /** The project's terminal while it runs on this node. */
  public Optional<TerminalSession> find(UUID projectId) {
    return Optional.ofNullable(sessions.get(projectId));
  }

  /**
   * Opens the project's terminal for {@code userId}, an editor or owner. Fails with a
   * TerminalException when the caller may not, one is already open, the node is full, or the
   * sandbox is unavailable.
   */
  public Future<TerminalSession> open(Project project, UUID userId, String username, Pty.Size size) {
    if (!project.role().atLeast(Role.EDITOR)) {
      return Future.failedFuture(new TerminalException("forbidden", "read-only access: only editors may open the terminal"));
    }
    Optional<RunSandbox> sandbox = runs.sandbox();
    if (sandbox.isEmpty() || closed) {
      return Future.failedFuture(new TerminalException("sandbox_unavailable",
          "the terminal is not available on this server: " + runs.unavailableReason()));
    }
    if (!Files.isExecutable(SETSID)) {
      return Future.failedFuture(new TerminalException("sandbox_unavailable", SETSID + " (util-linux) is required"));
    }
    synchronized (opening) {
      if (sessions.containsKey(project.id()) || opening.contains(project.id())) {
        return Future.failedFuture(new TerminalException("already_open", "this project's terminal is already open"));
      }
      if (sessions.size() + opening.size() >= settings.maxPerNode()) {
        return Future.failedFuture(new TerminalException("too_many_terminals",
            "this server has " + settings.maxPerNode() + " terminals open; try again later"));
      }
      opening.add(project.id());
    }
    UUID workspaceId = UUID.randomUUID();
    TerminalSession.Owner owner = new TerminalSession.Owner(project.id(), userId, username);
    return Future.<Void>succeededFuture()
        .compose(v -> runs.workspace(project, workspaceId))
        .compose(dir -> vertx.executeBlocking(() -> launch(sandbox.get(), owner, size, dir), false)
            .onFailure(e -> runs.removeWorkspace(dir)))
        .andThen(ar -> {
          synchronized (opening) {
            opening.remove(project.id());
            if (ar.succeeded()) {
              sessions.put(project.id(), ar.result());
            }
          }
          if (ar.succeeded()) {
            log.info("terminal {} of project {} opened by {}", ar.result().id(), project.id(), username);
            announce(ar.result().state());
            // It may have ended before it was registered; then nobody else will remove it.
            ar.result().ended().ifPresent(this::ended);
          } else {
            log.warn("terminal of project {} could not open: {}", project.id(), ar.cause().toString());
          }
        });
  }

  private TerminalSession launch(RunSandbox sandbox, TerminalSession.Owner owner, Pty.Size size, Path dir)
      throws java.io.IOException {
    if (closed) {
      throw new TerminalException("sandbox_unavailable", "the server is stopping");
    }
    String shell = Files.isExecutable(Path.of("/bin/bash")) ? "/bin/bash" : "/bin/sh";
    RunRequest request = new RunRequest(UUID.randomUUID(), owner.projectId(), owner.userId(), shell + " -i", dir,
        Map.of(), false);
    // bwrap starts the sandbox in a new session without a terminal; setsid gives the shell a
    // session of its own with this terminal as its controlling terminal (job control, Ctrl-C).
    List<String> program = List.of(SETSID.toString(), "--wait", "--ctty", shell, "-i");
    List<String> command = sandbox.command(request, runs.limits(), program);
    return TerminalSession.start(owner, size, command, sandbox.environment(request), sandbox.hostDirectory(request),
        settings, runs.limits().killGrace(), timers, state -> {
          if (state.running()) {
            announce(state);
          } else {
            // Here, on the session's thread, before its viewers hear of the end: once anyone
            // knows it ended, the project has no terminal (a subscription answers "none", an
            // editor may open the next one).
            ended(state);
            runs.removeWorkspace(dir);
          }
        });
  }

  /** Frees the project's slot of a session that ended and tells its watchers; once per session. */
  private void ended(TerminalState state) {
    TerminalSession current = sessions.get(state.projectId());
    // Not registered yet: open() registers it, sees that it ended, and comes back here.
    if (current != null && current.id().equals(state.sessionId()) && sessions.remove(state.projectId(), current)) {
      log.info("terminal {} of project {} ended: {}", state.sessionId(), state.projectId(),
          state.endReason().map(TerminalState.EndReason::wire).orElse("?"));
      announce(state);
    }
  }

  /** Hears the project's terminal states (opened, resized, ended) until the handle is closed. */
  public AutoCloseable watch(UUID projectId, Consumer<TerminalState> listener) {
    watchers.computeIfAbsent(projectId, id -> new CopyOnWriteArrayList<>()).add(listener);
    return () -> watchers.computeIfPresent(projectId, (id, list) -> {
      list.remove(listener);
      return list.isEmpty() ? null : list;
    });
  }

  private void announce(TerminalState state) {
    List<Consumer<TerminalState>> list = watchers.get(state.projectId());
    if (list == null) {
      return;
    }
    for (Consumer<TerminalState> l : list) {
      try {
        l.accept(state);
      } catch (RuntimeException e) {
        log.warn("terminal listener of project {} failed: {}", state.projectId(), e.toString());
      }
    }
  }

  /** Ends every terminal (bounded in time) and refuses new ones. */
  public Future<Void> close() {
    closed = true;
    List<TerminalSession> all = new ArrayList<>(sessions.values());
    return vertx.executeBlocking(() -> {
      all.forEach(s -> s.stop(TerminalState.EndReason.SHUTDOWN));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(runs.limits().killGrace().toSeconds() + 10);
      for (TerminalSession s : all) {
        while (s.ended().isEmpty() && System.nanoTime() < deadline) {
          Thread.sleep(50);
        }
      }
      timers.shutdownNow();
      return null;
    }, false);
  }
}
