package dev.ensemble.runs;

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
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs of projects on this node: starts them on a fresh copy of exactly what collaborators see,
 * records them, announces them to the project, and reads them back (live from the supervisor,
 * afterwards from the store). When the host cannot isolate runs the service still answers for
 * stored runs, and refuses new ones.
 */
public final class RunService {
  private static final Logger log = LoggerFactory.getLogger(RunService.class);
  private static final int PAGE = 64;

  private final Vertx vertx;
  private final RunSettings settings;
  private final RunStore store;
  private final RunConfigurationStore configurations;
  private final WorkingCopy workingCopy;
  private final ProjectFiles files;
  private final RunWorkspaces workspaces;
  private final boolean singleNode;
  private final RunRecorder recorder;
  private final RunAnnouncements announcements = new RunAnnouncements();
  private volatile Optional<RunSupervisor> supervisor = Optional.empty();
  private volatile Optional<RunSandbox> sandbox = Optional.empty();
  private volatile String unavailable = "the sandbox has not been checked yet";

  /**
   * @param singleNode true when no other node shares the database, so runs this node's previous
   *     life left unfinished can be marked as ended at start-up
   */
  public RunService(Vertx vertx, RunSettings settings, RunStore store, RunConfigurationStore configurations,
      WorkingCopy workingCopy, ProjectFiles files, Path dataDir, boolean singleNode) {
    this.vertx = vertx;
    this.settings = settings;
    this.store = store;
    this.configurations = configurations;
    this.workingCopy = workingCopy;
    this.files = files;
    this.workspaces = new RunWorkspaces(dataDir);
    this.singleNode = singleNode;
    this.recorder = new RunRecorder(store);
  }

  /**
   * Finds out (on a worker: it starts a probe sandbox) how this host isolates runs and gets ready
   * to run them; never fails: without isolation the server starts and refuses runs.
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
    return abandoned.recover(e -> Future.succeededFuture())
        .compose(v -> vertx.executeBlocking(() -> {
          SandboxSupport support = SandboxSupport.detect(settings.sandboxUid());
          try {
            RunSandbox s = RunSandbox.create(support, settings.sandboxUid(), settings.unsafeUnsandboxed());
            workspaces.prepare(support.root() && !s.unsandboxed());
            RunQueue queue = new RunQueue(settings.maxPerUser(), settings.maxPerProject(), settings.maxPerNode(),
                settings.queueMax());
            sandbox = Optional.of(s);
            supervisor = Optional.of(new RunSupervisor(s, settings.limits(), queue, settings.backlogBytes(),
                new Events(), true));
            if (s.unsandboxed()) {
              log.warn("runs execute WITHOUT isolation ({}): ENSEMBLE_RUN_UNSAFE_UNSANDBOXED is set; development only",
                  s.description());
            } else {
              log.info("runs are isolated with {} as uid {} ({})", s.description(), settings.sandboxUid(),
                  support.hostNotes());
            }
          } catch (IllegalStateException | java.io.IOException e) {
            unavailable = e.getMessage();
            log.warn("runs are disabled: {}", unavailable);
          }
          return null;
        }, false));
  }

  /** Which isolation is active ({@code bubblewrap+rlimits}), or {@code unavailable}. */
  public String isolation() {
    return sandbox.map(RunSandbox::description).orElse("unavailable");
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
    RunSandbox s = sandbox.orElseThrow();
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
          s.grantWorkspace(d);
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
        .compose(run -> recorder.recorded(run.id()).map(v -> view(run)));
  }

  /**
   * Whether runs can have network access on this server at all: the operator did not forbid it
   * ({@code ENSEMBLE_RUN_NETWORK=never}) and the host can connect a sandbox (slirp4netns).
   */
  public Optional<String> networkUnavailable() {
    if (!settings.networkForOwners()) {
      return Optional.of("the server's operator does not allow runs network access (ENSEMBLE_RUN_NETWORK=never)");
    }
    if (sandbox.isEmpty()) {
      return Optional.of("runs are disabled on this server: " + unavailable);
    }
    if (!sandbox.get().networkAvailable()) {
      return Optional.of(sandbox.get().unsandboxed()
          ? "runs are not sandboxed on this server, so they cannot be given a network of their own"
          : sandbox.get().network().unavailableReason());
    }
    return Optional.empty();
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

  /** Cancels a run on this node; false when it is not running or waiting here. */
  public boolean cancel(UUID runId) {
    return supervisor.map(s -> s.cancel(runId)).orElse(false);
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
    return store.chunksAfter(runId, afterSeq, limit).map(stored -> {
      if (stored.size() >= limit) {
        return stored;
      }
      long last = stored.isEmpty() ? afterSeq : stored.get(stored.size() - 1).seq();
      List<RunChunk> all = new ArrayList<>(stored);
      long storedThrough = last;
      List<RunChunk> memory = live(runId).map(run -> run.log().backlogAfter(storedThrough)).orElse(List.of());
      for (RunChunk c : memory) {
        if (c.seq() != last + 1 || all.size() >= limit) {
          break;
        }
        all.add(c);
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
    Optional<RunSupervisor> s = supervisor;
    supervisor = Optional.empty();
    if (s.isEmpty()) {
      return Future.succeededFuture();
    }
    return vertx.executeBlocking(() -> {
      s.get().close();
      return null;
    }, false);
  }

  /** Records runs and tells the project about them. */
  private final class Events implements RunEvents {
    @Override
    public void queued(Run run) {
      recorder.queued(run);
      announcements.publish(new RunAnnouncements.Notice(view(run), true));
    }

    @Override
    public void started(Run run) {
      recorder.started(run);
      announcements.publish(new RunAnnouncements.Notice(view(run), false));
    }

    @Override
    public void ended(Run run, RunResult result) {
      recorder.ended(run, result);
      announcements.publish(new RunAnnouncements.Notice(view(run), false));
    }
  }
}
