package dev.ensemble.runs;

import dev.ensemble.cluster.Bus;
import dev.ensemble.http.ApiException;
import dev.ensemble.projects.Project;
import dev.ensemble.sync.files.FilePath;
import dev.ensemble.sync.files.ProjectFiles;
import dev.ensemble.workspace.WorkingCopy;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs of projects: starts them on this node on a fresh copy of exactly what collaborators see,
 * records them, announces them to the project on every node, and reads them back (live from the
 * supervisor, otherwise from the store). Runs held by other nodes are watched and cancelled
 * through the {@link RunRelay}; a run whose node stopped confirming it is ended as killed. When
 * the host cannot isolate runs the service still answers for stored runs, and refuses new ones.
 */
public final class RunService {
  private static final Logger log = LoggerFactory.getLogger(RunService.class);
  private static final int PAGE = 256;
  /**
   * Data in one page of {@link #chunksAfter} (a page ends with the chunk that reaches it): copying
   * and decoding a page runs on an event loop, and 64 full-size chunks (4 MiB) held a loop for
   * 10-20 ms.
   */
  private static final int PAGE_BYTES = 256 * 1024;

  private final Vertx vertx;
  private final RunSettings settings;
  private final RunStore store;
  private final RunConfigurationStore configurations;
  private final WorkingCopy workingCopy;
  private final ProjectFiles files;
  private final RunWorkspaces workspaces;
  private final boolean singleNode;
  private final RunRecorder recorder;
  private final RunAnnouncements announcements;
  private final RunRelay relay;
  /** Runs accepted here, until they can be cancelled from other nodes. */
  private final Map<UUID, Future<Void>> reachable = new ConcurrentHashMap<>();
  /** Output of runs on its way to other nodes. */
  private final Map<UUID, RunSubscriber> broadcasts = new ConcurrentHashMap<>();
  private volatile long confirmTimer = -1;
  private volatile Optional<RunSupervisor> supervisor = Optional.empty();
  private volatile Optional<RunExecutor> executor = Optional.empty();
  private volatile String unavailable = "the sandbox has not been checked yet";
  /** One-time tokens with which run pods fetch their working copy (Kubernetes executor). */
  private final WorkspaceTransfers transfers = new WorkspaceTransfers();

  /**
   * @param singleNode true when no other node shares the database, so runs this node's previous
   *     life left unfinished can be marked as ended at start-up
   */
  public RunService(Vertx vertx, RunSettings settings, RunStore store, RunConfigurationStore configurations,
      WorkingCopy workingCopy, ProjectFiles files, Path dataDir, Bus bus, boolean singleNode) {
    this.vertx = vertx;
    this.settings = settings;
    this.store = store;
    this.configurations = configurations;
    this.workingCopy = workingCopy;
    this.files = files;
    this.workspaces = new RunWorkspaces(dataDir);
    this.singleNode = singleNode;
    this.recorder = new RunRecorder(store);
    this.announcements = new RunAnnouncements(bus);
    this.relay = new RunRelay(vertx, bus, store, settings.backlogBytes(), settings.cancelWait());
  }

  /**
   * Gets the executor ready on a worker: the local one finds out how this host isolates runs (it
   * starts a probe sandbox), the Kubernetes one checks that it can reach its namespace. Never
   * fails: without an executor the server starts and refuses runs.
   */
  public Future<Void> start() {
    Future<Void> abandoned = singleNode
        ? store.endAbandoned().map(n -> {
            if (n > 0) {
              log.info("marked {} run(s) left unfinished by a previous start as killed", n);
            }
            return null;
          })
        : Future.succeededFuture();
    long every = Math.max(1_000, settings.orphanAfter().toMillis() / 4);
    confirmTimer = vertx.setPeriodic(every, t -> confirmAndEndOrphans());
    return abandoned.recover(e -> Future.succeededFuture())
        .compose(v -> vertx.executeBlocking(() -> {
          try {
            RunExecutor e = settings.kubernetes().isPresent()
                ? KubernetesRunExecutor.connect(settings.kubernetes().get(), settings.limits(), transfers, workspaces)
                : LocalRunExecutor.detect(settings, workspaces);
            RunQueue queue = new RunQueue(settings.maxPerUser(), settings.maxPerProject(), settings.maxPerNode(),
                settings.queueMax());
            executor = Optional.of(e);
            supervisor = Optional.of(new RunSupervisor(e, settings.limits(), queue, settings.backlogBytes(),
                new Events(), true));
          } catch (IllegalStateException | java.io.IOException e) {
            unavailable = e.getMessage();
            log.warn("runs are disabled: {}", unavailable);
          }
          return null;
        }, false));
  }

  /** Which isolation is active ({@code bubblewrap+rlimits}), or {@code unavailable}. */
  public String isolation() {
    return executor.map(RunExecutor::description).orElse("unavailable");
  }

  public RunAnnouncements announcements() {
    return announcements;
  }

  /**
   * Starts a run of {@code command} on a copy of the project as it is now; it may wait in the
   * queue. Completes once the run is recorded, so every node can find it.
   */
  public Future<RunView> start(Project project, UUID userId, String command, Map<String, String> env) {
    RunSupervisor runs = supervisor.orElseThrow(() -> ApiException.of(503, "sandbox_unavailable",
        "runs are disabled on this server: " + unavailable));
    RunExecutor runner = executor.orElseThrow();
    UUID runId = UUID.randomUUID();
    RunRequest request;
    try {
      // validated before any copy is made
      request = new RunRequest(runId, project.id(), userId, command, Path.of("/").resolve(runId.toString()), env, false);
    } catch (IllegalArgumentException e) {
      throw ApiException.invalidField("env", e.getMessage());
    }
    Promise<Path> dir = Promise.promise();
    boolean[] network = {false};
    return networkAllowed(project.id())
        .compose(allowed -> {
          network[0] = allowed;
          return vertx.executeBlocking(() -> workspaces.create(project.id(), runId), false);
        })
        .compose(d -> {
          dir.complete(d);
          return workingCopy.materialise(project, d).map(WorkingCopy.Snapshot::dir);
        })
        .compose(d -> vertx.executeBlocking(() -> {
          runner.prepareWorkspace(d);
          return d;
        }, false))
        .map(d -> {
          RunRequest placed = new RunRequest(runId, request.projectId(), userId, command, d, request.environment(), network[0]);
          Run run;
          try {
            run = runs.submit(placed);
          } catch (RunQueue.QueueFullException e) {
            throw ApiException.of(503, "run_queue_full", e.getMessage() + "; try again later");
          }
          run.finished().onComplete(ended -> vertx.executeBlocking(() -> {
            workspaces.remove(d);
            return null;
          }, false));
          return run;
        })
        .onFailure(e -> dir.future().onSuccess(d -> vertx.executeBlocking(() -> {
          workspaces.remove(d);
          return null;
        }, false)))
        .compose(run -> recorder.recorded(run.id())
            .compose(v -> Optional.ofNullable(reachable.remove(run.id())).orElse(Future.succeededFuture()))
            .map(v -> view(run)));
  }

  /**
   * Whether runs can have network access on this server at all: the operator did not forbid it
   * ({@code ENSEMBLE_RUN_NETWORK=never}) and the host can connect a sandbox (slirp4netns).
   */
  public Optional<String> networkUnavailable() {
    if (!settings.networkForOwners()) {
      return Optional.of("the server's operator does not allow runs network access (ENSEMBLE_RUN_NETWORK=never)");
    }
    if (executor.isEmpty()) {
      return Optional.of("runs are disabled on this server: " + unavailable);
    }
    return executor.get().networkUnavailable();
  }

  /** True when the project's runs get network access: its owner allowed it and the server can. */
  public Future<Boolean> networkAllowed(UUID projectId) {
    if (networkUnavailable().isPresent()) {
      return Future.succeededFuture(false);
    }
    return configurations.networkAllowed(projectId);
  }

  /** The project's network setting as clients see it. */
  public Future<JsonObject> networkSetting(Project project) {
    Optional<String> unavailable = networkUnavailable();
    return configurations.networkAllowed(project.id()).map(allowed -> new JsonObject()
        .put("allowNetwork", allowed && unavailable.isEmpty())
        .put("networkAvailable", unavailable.isEmpty())
        .put("reason", unavailable.orElse(null)));
  }

  /** The owner's switch; turning it on where the server cannot give network access is a 409. */
  public Future<JsonObject> setNetwork(Project project, boolean allow, UUID userId) {
    Optional<String> unavailable = networkUnavailable();
    if (allow && unavailable.isPresent()) {
      return Future.failedFuture(ApiException.conflict("network_unavailable", unavailable.get()));
    }
    return configurations.setNetworkAllowed(project.id(), allow, userId).compose(v -> networkSetting(project));
  }

  /**
   * The working copy of a run this node holds, as a tar file, for the pod that presents the run's
   * one-time token (Kubernetes executor): 404 when there is nothing to fetch (no such run here,
   * already fetched, or the pod has started), 401 for a wrong token. The caller deletes the file.
   */
  public Future<Path> workspaceArchive(UUID runId, Optional<String> token) {
    return vertx.executeBlocking(() -> WorkspaceTransfers.archive(transfers.take(runId, token)), false);
  }

  /** Deletes a tar made by {@link #workspaceArchive} once it has been sent. */
  public void discardArchive(Path tar) {
    vertx.executeBlocking(() -> java.nio.file.Files.deleteIfExists(tar), false);
  }

  /**
   * This node's sandbox, once this host was found able to isolate runs; empty too when runs
   * execute as Kubernetes Jobs (ENSEMBLE_RUN_EXECUTOR=kubernetes), where no sandbox is set up here.
   */
  public Optional<RunSandbox> sandbox() {
    return executor.filter(LocalRunExecutor.class::isInstance).map(e -> ((LocalRunExecutor) e).sandbox());
  }

  /** Why there is no sandbox here (meaningful while {@link #sandbox} is empty). */
  public String unavailableReason() {
    return executor.isPresent()
        ? "runs execute as Kubernetes Jobs (ENSEMBLE_RUN_EXECUTOR=kubernetes), so this node sets up no sandbox"
        : unavailable;
  }

  /** What one run may use (the terminal's shell gets the same, but for the wall time). */
  public RunLimits limits() {
    return settings.limits();
  }

  /**
   * A fresh copy of the project, as collaborators see it now, in a directory the sandbox may
   * write ({@code <data dir>/runs/<projectId>/<id>}), for sandboxed work other than a run (the
   * shared terminal). Remove it with {@link #removeWorkspace}.
   */
  public Future<Path> workspace(Project project, UUID id) {
    RunSandbox s = sandbox().orElseThrow(() -> ApiException.of(503, "sandbox_unavailable",
        "the sandbox is not available on this server: " + unavailableReason()));
    return vertx.executeBlocking(() -> workspaces.create(project.id(), id), false)
        .compose(dir -> workingCopy.materialise(project, dir)
            .compose(snapshot -> vertx.executeBlocking(() -> {
              s.grantWorkspace(dir);
              return dir;
            }, false))
            .recover(e -> removeWorkspace(dir).transform(x -> Future.<Path>failedFuture(e))));
  }

  /** Removes a directory made by {@link #workspace}, whatever its programs did to it. */
  public Future<Void> removeWorkspace(Path dir) {
    return vertx.executeBlocking(() -> {
      workspaces.remove(dir);
      return null;
    }, false);
  }

  /** A run, live from this node or as stored. */
  public Future<Optional<RunView>> find(UUID runId) {
    Optional<Run> live = live(runId);
    if (live.isPresent()) {
      return Future.succeededFuture(live.map(this::view));
    }
    return store.find(runId).map(s -> s.map(RunView::of));
  }

  /** The run while this node holds it (running, waiting, or recently ended). */
  public Optional<Run> live(UUID runId) {
    return supervisor.flatMap(s -> s.find(runId));
  }

  /** The run as clients see it now. */
  public RunView view(Run run) {
    return RunView.of(run, supervisor.flatMap(s -> s.queuePosition(run.id())));
  }

  /**
   * Cancels a run, on this node or through the node that holds it; false when it had already
   * ended, or its node did not answer within {@code ENSEMBLE_RUN_CANCEL_WAIT_MS}.
   */
  public Future<Boolean> cancel(UUID runId) {
    if (live(runId).isPresent()) {
      return Future.succeededFuture(supervisor.map(s -> s.cancel(runId)).orElse(false));
    }
    return store.find(runId).compose(found -> found.isPresent() && !found.get().status().isFinal()
        ? relay.requestCancel(runId)
        : Future.succeededFuture(false));
  }

  /**
   * Delivers a run's output to {@code viewer} as it happens, and its end. On this node: what is
   * still in memory after {@code afterSeq}, then live, without gaps. Held by another node: what
   * that node publishes from now on, where chunks may skip (the store has them), and the end; a
   * stored run that has ended gets only the end.
   */
  public Future<RunWatch> watch(UUID runId, long afterSeq, RunSubscriber viewer) {
    Optional<Run> local = live(runId);
    if (local.isPresent()) {
      RunLog.Subscription s = local.get().log().subscribe(afterSeq, viewer);
      return Future.succeededFuture(s::cancel);
    }
    return relay.watch(runId, viewer);
  }

  /**
   * Confirms the runs this node holds, then ends runs whose node stopped confirming them for
   * {@code ENSEMBLE_RUN_ORPHAN_SECONDS} and tells every node.
   */
  private void confirmAndEndOrphans() {
    List<UUID> held = supervisor.map(RunSupervisor::holding).orElse(List.of());
    store.heartbeat(held)
        .compose(v -> store.endOrphans(settings.orphanAfter(), held))
        .onSuccess(ended -> ended.forEach(r -> {
          log.warn("run {} was held by a node that stopped confirming it; marked killed", r.id());
          announcements.publish(new RunAnnouncements.Notice(RunView.of(r), false));
          relay.endedInStore(r);
        }))
        .onFailure(e -> log.warn("confirming runs failed: {}", e.toString()));
  }

  /** A project's runs, newest first; live state wins over what is stored so far. */
  public Future<List<RunView>> history(UUID projectId, int limit) {
    return store.forProject(projectId, limit)
        .map(rows -> rows.stream().map(r -> live(r.id()).map(this::view).orElseGet(() -> RunView.of(r))).toList());
  }

  /**
   * Output after {@code afterSeq}, in order and without gaps, at most {@code limit} chunks: from the
   * store, then from memory for what is not stored yet. A chunk leaves memory only once stored, so
   * when memory no longer continues where the store read ended, the rest was stored meanwhile and
   * the next call reads it.
   */
  public Future<List<RunChunk>> chunksAfter(UUID runId, long afterSeq, int limit) {
    return store.chunksAfter(runId, afterSeq, limit, PAGE_BYTES).map(stored -> {
      long bytes = 0;
      for (RunChunk c : stored) {
        bytes += c.data().length;
      }
      if (stored.size() >= limit || bytes >= PAGE_BYTES) {
        return stored; // a full page: the store may hold more
      }
      long last = stored.isEmpty() ? afterSeq : stored.get(stored.size() - 1).seq();
      List<RunChunk> all = new ArrayList<>(stored);
      long storedThrough = last;
      List<RunChunk> memory = live(runId).map(run -> run.log().backlogAfter(storedThrough)).orElse(List.of());
      for (RunChunk c : memory) {
        if (c.seq() != last + 1 || all.size() >= limit || bytes >= PAGE_BYTES) {
          break;
        }
        all.add(c);
        bytes += c.data().length;
        last = c.seq();
      }
      return all;
    });
  }

  /**
   * The end of a run's output, both streams interleaved as written, at most {@code maxBytes}
   * bytes (cut at the front): what is stored, then what this node holds in memory beyond it.
   */
  public Future<String> outputTail(UUID runId, int maxBytes) {
    return store.lastChunks(runId, maxBytes).map(stored -> {
      java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
      long last = 0;
      for (RunChunk c : stored) {
        out.writeBytes(c.data());
        last = c.seq();
      }
      List<RunChunk> memory = live(runId).map(run -> run.log().backlogAfter(0)).orElse(List.of());
      for (RunChunk c : memory) {
        if (c.seq() > last) {
          out.writeBytes(c.data());
          last = c.seq();
        }
      }
      byte[] all = out.toByteArray();
      int from = Math.max(0, all.length - maxBytes);
      // a cut in the middle of a character shows as one replacement character
      return new String(all, from, all.length - from, java.nio.charset.StandardCharsets.UTF_8);
    });
  }

  /** Page size that suits {@link #chunksAfter}. */
  public static int page() {
    return PAGE;
  }

  /** Saved configurations first, then detected ones whose names are not taken. */
  public Future<List<RunConfiguration>> configurations(Project project) {
    return configurations.list(project.id()).compose(saved -> detect(project).map(detected -> {
      Set<String> names = saved.stream().map(RunConfiguration::name).collect(Collectors.toSet());
      List<RunConfiguration> all = new ArrayList<>(saved);
      detected.stream().filter(d -> !names.contains(d.name())).forEach(all::add);
      return all;
    }));
  }

  public Future<Void> saveConfigurations(Project project, List<RunConfiguration> list) {
    return configurations.replace(project.id(), list);
  }

  private Future<List<RunConfiguration>> detect(Project project) {
    return files.list(project).compose(entries -> {
      Set<String> present = entries.stream().map(e -> e.path()).collect(Collectors.toSet());
      Map<String, Future<Optional<ProjectFiles.Content>>> reads = new LinkedHashMap<>();
      for (String name : RunDetection.FILES) {
        if (present.contains(name)) {
          reads.put(name, files.read(project, new FilePath(name)));
        }
      }
      return Future.all(new ArrayList<>(reads.values())).map(all -> {
        Map<String, byte[]> contents = new HashMap<>();
        reads.forEach((name, f) -> f.result().ifPresent(c -> contents.put(name, c.bytes())));
        return RunDetection.detect(contents);
      });
    });
  }

  /** Stops every run on this node (their ends are recorded, bounded in time). */
  public Future<Void> close() {
    if (confirmTimer >= 0) {
      vertx.cancelTimer(confirmTimer);
    }
    Optional<RunSupervisor> s = supervisor;
    supervisor = Optional.empty();
    if (s.isEmpty()) {
      return Future.succeededFuture();
    }
    return vertx.executeBlocking(() -> {
      s.get().close();
      return null;
    }, false)
        .compose(v -> relay.settled(settings.cancelWait()))
        .compose(v -> announcements.sent().timeout(settings.cancelWait().toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)
            .otherwiseEmpty());
  }

  /** Records runs, tells the project about them, and shares them with the other nodes. */
  private final class Events implements RunEvents {
    @Override
    public void queued(Run run) {
      recorder.queued(run);
      reachable.put(run.id(), relay.host(run.id(), id -> supervisor.map(s -> s.cancel(id)).orElse(false)));
      announcements.publish(new RunAnnouncements.Notice(view(run), true));
    }

    @Override
    public void started(Run run) {
      recorder.started(run);
      RunSubscriber broadcast = relay.broadcast(run.id());
      broadcasts.put(run.id(), broadcast);
      run.log().subscribe(0, broadcast);
      announcements.publish(new RunAnnouncements.Notice(view(run), false));
    }

    @Override
    public void ended(Run run, RunResult result) {
      recorder.ended(run, result);
      reachable.remove(run.id());
      RunAnnouncements.Notice end = new RunAnnouncements.Notice(view(run), false);
      announcements.deliver(end);
      // Other nodes read what they missed from the store, so they hear of the end once it is there.
      Future<Void> stored = recorder.stored(run.id());
      stored.onComplete(x -> announcements.share(end));
      relay.ended(run.id(), result, stored, Optional.ofNullable(broadcasts.remove(run.id())));
    }
  }
}
