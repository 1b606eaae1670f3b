package dev.ensemble.terminal;

import dev.ensemble.cluster.Bus;
import dev.ensemble.projects.Project;
import dev.ensemble.projects.Role;
import dev.ensemble.runs.RunRequest;
import dev.ensemble.runs.RunSandbox;
import dev.ensemble.runs.RunService;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
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
  /** With several nodes: the bus and store between them; empty on a node alone. */
  private final Optional<TerminalRelay> relay;
  /** With several nodes: what publishes each session held here, and the last that ended per project. */
  private final Map<UUID, TerminalSubscriber> broadcasts = new ConcurrentHashMap<>();
  private final Map<UUID, TerminalSession> recent = new ConcurrentHashMap<>();
  private final Map<UUID, AutoCloseable> hosting = new ConcurrentHashMap<>();
  private long heartbeatTimer = -1;
  private volatile boolean closed;

  /** The terminals of a node alone. */
  public TerminalService(Vertx vertx, TerminalSettings settings, RunService runs) {
    this.vertx = vertx;
    this.settings = settings;
    this.runs = runs;
    this.relay = Optional.empty();
  }

  /**
   * The terminals of a node among several: one per project across them (held in the {@code
   * terminals} table), relayed to and used from every node over the bus.
   */
  public TerminalService(Vertx vertx, TerminalSettings settings, RunService runs, Bus bus, Pool pool) {
    this.vertx = vertx;
    this.settings = settings;
    this.runs = runs;
    this.relay = Optional.of(new TerminalRelay(vertx, bus, new TerminalStore(pool), settings, new TerminalRelay.Host() {
      @Override
      public Optional<TerminalSession> local(UUID projectId) {
        return Optional.ofNullable(sessions.get(projectId));
      }

      @Override
      public Optional<TerminalSession> localOrRecent(UUID projectId, UUID sessionId) {
        return Optional.ofNullable(sessions.get(projectId)).or(() -> Optional.ofNullable(recent.get(projectId)))
            .filter(s -> s.id().equals(sessionId));
      }

      @Override
      public void announce(TerminalState state) {
        TerminalService.this.announce(state);
      }
    }));
    long every = Math.max(1000, settings.lease().toMillis() / 3);
    heartbeatTimer = vertx.setPeriodic(every, t -> heartbeat());
  }

  /** The project's terminal while it runs on this node. */
  public Optional<TerminalSession> find(UUID projectId) {
    return Optional.ofNullable(sessions.get(projectId));
  }

  /** The project's terminal as this node knows it now: running here, or relayed from another node. */
  public Optional<TerminalOutput> following(UUID projectId) {
    return find(projectId).<TerminalOutput>map(s -> s).or(() -> relay.flatMap(r -> r.copy(projectId)));
  }

  /**
   * The project's running terminal, wherever it runs: with several nodes, one running elsewhere is
   * looked up (its node is asked for its state and backlog). Empty when there is none.
   */
  public Future<Optional<TerminalOutput>> current(UUID projectId) {
    Optional<TerminalOutput> here = following(projectId).filter(t -> t.state().running());
    if (here.isPresent() || relay.isEmpty()) {
      return Future.succeededFuture(here);
    }
    return relay.get().find(projectId).map(c -> c.<TerminalOutput>map(x -> x).filter(t -> t.state().running()));
  }

  /** Types {@code data} into the project's terminal, wherever it runs; fails with a TerminalException. */
  public Future<Void> input(UUID projectId, byte[] data) {
    return act(projectId, s -> s.input(data),
        (r, id) -> new TerminalBusMessage.Input(r.nodeId(), r.newRequest(), id, data));
  }

  /** Resizes the project's terminal, wherever it runs. */
  public Future<Void> resize(UUID projectId, Pty.Size size) {
    return act(projectId, s -> s.resize(size),
        (r, id) -> new TerminalBusMessage.Resize(r.nodeId(), r.newRequest(), id, size));
  }

  /** Closes the project's terminal, wherever it runs (reason {@code closed}). */
  public Future<Void> closeTerminal(UUID projectId) {
    return act(projectId, s -> s.stop(TerminalState.EndReason.CLOSED),
        (r, id) -> new TerminalBusMessage.Close(r.nodeId(), r.newRequest(), id));
  }

  private Future<Void> act(UUID projectId, Consumer<TerminalSession> here,
      java.util.function.BiFunction<TerminalRelay, UUID, TerminalBusMessage> elsewhere) {
    Optional<TerminalSession> local = find(projectId);
    if (local.isPresent()) {
      try {
        here.accept(local.get());
        return Future.succeededFuture();
      } catch (TerminalException e) {
        return Future.failedFuture(e);
      }
    }
    if (relay.isPresent()) {
      Optional<RemoteTerminal> copy = relay.get().copy(projectId);
      if (copy.isPresent()) {
        return relay.get().request(projectId, elsewhere.apply(relay.get(), copy.get().id()));
      }
      return current(projectId).compose(found -> found.filter(t -> t instanceof RemoteTerminal)
          .map(t -> relay.get().request(projectId, elsewhere.apply(relay.get(), t.id())))
          .orElse(Future.failedFuture(new TerminalException("not_open", "this project has no open terminal"))));
    }
    return Future.failedFuture(new TerminalException("not_open", "this project has no open terminal"));
  }

  /** Confirms the terminals held here; one whose holding another node took over is stopped. Checks relayed copies. */
  private void heartbeat() {
    TerminalRelay r = relay.orElseThrow();
    List<TerminalSession> held = List.copyOf(sessions.values());
    r.store().heartbeat(r.nodeId(), held.stream().map(TerminalSession::id).toList())
        .onSuccess(still -> held.stream().filter(s -> !still.contains(s.id()) && s.ended().isEmpty()).forEach(s -> {
          log.warn("terminal {} of project {} is no longer held by this node; stopping it", s.id(), s.owner().projectId());
          s.stop(TerminalState.EndReason.SHUTDOWN);
        }))
        .onFailure(e -> log.warn("terminal heartbeat failed: {}", e.toString()));
    r.checkAll();
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
    if (relay.flatMap(r -> r.copy(project.id())).isPresent()) {
      return Future.failedFuture(new TerminalException("already_open", "this project's terminal is already open"));
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
    UUID sessionId = UUID.randomUUID();
    TerminalSession.Owner owner = new TerminalSession.Owner(project.id(), userId, username);
    // With several nodes, the store decides: a live holding elsewhere means already open.
    Future<Void> claimed = relay.map(r -> r.store().claim(project.id(), sessionId, r.nodeId(), settings.lease())
        .compose(ok -> ok ? Future.<Void>succeededFuture() : Future.<Void>failedFuture(
            new TerminalException("already_open", "this project's terminal is already open"))))
        .orElse(Future.succeededFuture());
    return claimed
        .compose(v -> runs.workspace(project, workspaceId)
            .compose(dir -> vertx.executeBlocking(() -> launch(sessionId, sandbox.get(), owner, size, dir), false)
                .onFailure(e -> runs.removeWorkspace(dir)))
            .onFailure(e -> relay.ifPresent(r -> r.store().release(sessionId))))
        .andThen(ar -> {
          synchronized (opening) {
            opening.remove(project.id());
            if (ar.succeeded()) {
              sessions.put(project.id(), ar.result());
            }
          }
          if (ar.succeeded()) {
            relay.ifPresent(r -> host(r, ar.result()));
            log.info("terminal {} of project {} opened by {}", ar.result().id(), project.id(), username);
            announce(ar.result().state());
            // It may have ended before it was registered; then nobody else will remove it.
            ar.result().ended().ifPresent(this::ended);
          } else {
            log.warn("terminal of project {} could not open: {}", project.id(), ar.cause().toString());
          }
        });
  }

  /** Publishes a session held here to the other nodes and answers their requests until it ends. */
  private void host(TerminalRelay r, TerminalSession session) {
    hosting.put(session.id(), r.listen(session.owner().projectId()));
    TerminalSubscriber b = r.broadcast(session);
    broadcasts.put(session.id(), b);
    r.stateChanged(b, session.state());
    session.subscribe(b);
  }

  private TerminalSession launch(UUID sessionId, RunSandbox sandbox, TerminalSession.Owner owner, Pty.Size size, Path dir)
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
    return TerminalSession.start(sessionId, owner, size, command, sandbox.environment(request), sandbox.hostDirectory(request),
        settings, runs.limits().killGrace(), timers, state -> {
          if (state.running()) {
            TerminalSubscriber b = broadcasts.get(state.sessionId());
            if (b != null) {
              relay.ifPresent(r -> r.stateChanged(b, state));
            }
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
      relay.ifPresent(r -> {
        // Kept a while to tell late questions from other nodes how it ended.
        recent.put(state.projectId(), current);
        vertx.setTimer(settings.lease().toMillis(), t -> recent.remove(state.projectId(), current));
        r.store().release(current.id()).onFailure(e -> log.warn("terminal {} release failed: {}", current.id(), e.toString()));
        // The broadcast publishes the end after the last output; the node stays subscribed until then.
        vertx.setTimer(settings.relayWait().toMillis(), t -> {
          broadcasts.remove(current.id());
          AutoCloseable h = hosting.remove(current.id());
          if (h != null) {
            try {
              h.close();
            } catch (Exception ignored) {
              // releasing interest cannot fail in a way that matters
            }
          }
        });
      });
    }
  }

  /** Hears the project's terminal states (opened, resized, ended) until the handle is closed. */
  public AutoCloseable watch(UUID projectId, Consumer<TerminalState> listener) {
    watchers.computeIfAbsent(projectId, id -> new CopyOnWriteArrayList<>()).add(listener);
    // With several nodes, a node follows the terminals of the projects it has watchers of.
    Optional<AutoCloseable> listening = relay.map(r -> r.listen(projectId));
    return () -> {
      watchers.computeIfPresent(projectId, (id, list) -> {
        list.remove(listener);
        return list.isEmpty() ? null : list;
      });
      if (listening.isPresent()) {
        listening.get().close();
      }
    };
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
    if (heartbeatTimer >= 0) {
      vertx.cancelTimer(heartbeatTimer);
    }
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
