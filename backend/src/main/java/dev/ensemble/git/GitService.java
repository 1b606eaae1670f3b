package dev.ensemble.git;

import dev.ensemble.config.EnsembleConfig;
import dev.ensemble.http.ApiException;
import dev.ensemble.identity.AccountStore;
import dev.ensemble.identity.SecretBox;
import dev.ensemble.identity.User;
import dev.ensemble.projects.Project;
import dev.ensemble.projects.ProjectStore;
import dev.ensemble.sync.files.ProjectFiles;
import dev.ensemble.sync.store.DocumentStore.ProjectVersion;
import dev.ensemble.workspace.WorkingCopy;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;
import org.eclipse.jgit.lib.PersonIdent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Git for projects: import, status, diff, stage, commit, push, pull, branches. Each operation holds
 * the project's lock — on this node, then across the nodes sharing the working copies — materialises
 * the documents into the working copy ({@code <workspaces dir>/<projectId>}), runs JGit on the git
 * worker pool and, when git changed the files (pull, checkout), applies them back to the documents
 * as minimal edits. A failed operation leaves the documents as they were.
 */
public final class GitService {
  private static final Logger log = LoggerFactory.getLogger(GitService.class);

  /** How often a watch re-reads a job that may run on another node. */
  private static final long JOB_POLL_MILLIS = 1000;

  private final Vertx vertx;
  private final GitSettings settings;
  private final Path workspaces;
  private final ProjectStore projects;
  private final WorkingCopy workingCopy;
  private final WorkerExecutor workers;
  private final GitJobStore jobs;
  private final GitCredentialStore credentials;
  private final GitAccess access;
  private final RepositoryImport imports;
  private final ProjectFiles files;
  private final ProjectLocks locks = new ProjectLocks();
  private final ClusterLocks clusterLocks;
  private final RepositoryVersions versions;
  private final StatusCache statusCache;
  /** Status computations in flight, by project: callers at the same moment share one. */
  private final Map<UUID, Future<ComputedStatus>> computingStatus = new ConcurrentHashMap<>();
  private final AtomicLong statusComputed = new AtomicLong();
  private final AtomicLong statusCached = new AtomicLong();
  /** Cancellation flags of the jobs this node runs. */
  private final Map<UUID, AtomicBoolean> running = new ConcurrentHashMap<>();
  private volatile BiFunction<UUID, String, Future<Void>> remoteChanged = (id, url) -> Future.succeededFuture();
  private final boolean singleNode;
  private long jobTimer = -1;

  /**
   * @param lockPool connections that hold the projects' cross-node locks, used for nothing else
   * @param nodeId this node, named as the one running the jobs it accepts
   * @param singleNode true when no other node shares the database, so every unfinished job at
   *     start-up was left by this node's previous run
   * @param providerHosts git hosts whose credentials are a linked login, e.g. github.com → github
   */
  public GitService(Vertx vertx, GitSettings settings, Path dataDir, Pool pool, Pool lockPool, String nodeId,
      boolean singleNode, ProjectStore projects, ProjectFiles files, WorkingCopy workingCopy, AccountStore accounts,
      SecretBox secrets, Map<String, String> providerHosts) {
    this.vertx = vertx;
    this.singleNode = singleNode;
    this.settings = settings;
    this.workspaces = settings.workspaces(dataDir);
    this.clusterLocks = new ClusterLocks(lockPool, settings.lockWait());
    this.versions = new RepositoryVersions(pool);
    this.projects = projects;
    this.workingCopy = workingCopy;
    this.files = files;
    this.statusCache = new StatusCache(settings.statusCacheProjects());
    // JGit blocks (disk, network): its own pool, never an event loop. Long clones are expected.
    this.workers = vertx.createSharedWorkerExecutor("ensemble-git", settings.workers(), 1, TimeUnit.HOURS);
    this.jobs = new GitJobStore(pool, nodeId);
    this.credentials = new GitCredentialStore(pool, secrets);
    this.access = new GitAccess(settings, credentials, accounts, secrets, providerHosts);
    this.imports = new RepositoryImport(workers, settings, files);
  }

  /**
   * Fails the jobs nobody runs any more. A node alone fails every unfinished job (its previous run
   * left them); with several nodes, only jobs whose node stopped confirming them for
   * {@code ENSEMBLE_GIT_JOB_ORPHAN_SECONDS}, now and then every quarter of that, while confirming
   * its own. Never fails: a failed round is logged and the next one tries again.
   */
  public Future<Void> start() {
    if (singleNode) {
      return jobs.failInterrupted().<Void>map(n -> {
        if (n > 0) {
          log.warn("{} git jobs were interrupted by a restart and are marked failed", n);
        }
        return null;
      }).onFailure(e -> log.warn("failing interrupted git jobs failed: {}", e.toString())).otherwiseEmpty();
    }
    jobTimer = vertx.setPeriodic(settings.jobHeartbeat().toMillis(), t -> confirmAndFailOrphans());
    return confirmAndFailOrphans();
  }

  public Future<Void> close() {
    if (jobTimer >= 0) {
      vertx.cancelTimer(jobTimer);
    }
    running.values().forEach(flag -> flag.set(true));
    return workers.close();
  }

  /**
   * Confirms the jobs this node runs, then fails those whose node stopped confirming them and
   * tells this node's watchers (watchers on other nodes read the job's row within a second).
   */
  private Future<Void> confirmAndFailOrphans() {
    List<UUID> held = List.copyOf(running.keySet());
    return jobs.heartbeat(held)
        .onFailure(e -> log.warn("confirming this node's git jobs failed: {}", e.toString()))
        .transform(x -> jobs.failOrphans(settings.jobOrphanAfter(), held))
        .onSuccess(ended -> ended.forEach(job -> {
          log.warn("git job {} (project {}) was run by node {}, which stopped confirming it; marked failed",
              job.id(), job.projectId(), job.nodeId().orElse("unknown"));
          announce(job.id());
        }))
        .onFailure(e -> log.warn("failing git jobs of nodes that went away failed: {}", e.toString()))
        .<Void>mapEmpty()
        .otherwiseEmpty();
  }

  public GitSettings settings() {
    return settings;
  }

  // ---- import --------------------------------------------------------------------------------

  /** A started import. */
  public record ImportStarted(UUID projectId, UUID jobId) {}

  /** Creates the project and starts cloning into it; the job reports the rest. */
  public Future<ImportStarted> importRepository(User user, String url, Optional<String> branch, Optional<String> name) {
    GitAccess.Remote remote = access.remote(url, "url");
    String projectName = name.orElseGet(() -> nameOf(remote.url()));
    return reachable(remote)
        .compose(v -> access.login(user.id(), remote))
        .compose(login -> projects.create(user.id(), projectName)
        .compose(project -> jobs.create(user.id(), project.id(), "import").map(job -> {
          AtomicBoolean cancel = new AtomicBoolean();
          running.put(job.id(), cancel);
          runImport(project, job.id(), remote, branch, login, cancel);
          return new ImportStarted(project.id(), job.id());
        })));
  }

  private void runImport(Project project, UUID jobId, GitAccess.Remote remote, Optional<String> branch,
      Optional<GitAccess.Login> login, AtomicBoolean cancel) {
    Future<?>[] lastWrite = {Future.succeededFuture()};
    JobProgress progress = new JobProgress(cancel, step -> {
      synchronized (lastWrite) { // in order, whichever thread reports
        lastWrite[0] = lastWrite[0].transform(x ->
                jobs.progress(jobId, GitJobStore.State.RUNNING, step.phase(), step.done(), step.total()))
            .andThen(x -> announce(jobId));
      }
    });
    Path dir = workspace(project.id());
    locked(project.id(), true, () -> imports.run(project, dir, remote, branch, login, progress))
        .transform(result -> {
          Future<?> flushed;
          synchronized (lastWrite) {
            flushed = lastWrite[0];
          }
          return flushed.transform(x -> result.succeeded()
              ? jobs.succeed(jobId, progress.step().done(), progress.step().total(), result.result().skipped(),
                  skipsJson(result.result().skips()))
              : abandonImport(project, dir, jobId, cancel.get(), result.cause()));
        })
        .onComplete(x -> {
          statusCache.forget(project.id());
          running.remove(jobId);
          announce(jobId);
        });
  }

  /** Tells this node's watchers of the job that it changed. */
  private void announce(UUID jobId) {
    vertx.eventBus().publish(JobWatch.address(jobId), null);
  }

  private static JsonArray skipsJson(List<RepositoryImport.Skip> skips) {
    return new JsonArray(skips.stream()
        .map(s -> new JsonObject().put("path", s.path()).put("reason", s.reason()).put("message", s.message()))
        .toList());
  }

  /** A failed or cancelled import leaves nothing behind: no project, no working copy. */
  private Future<Void> abandonImport(Project project, Path dir, UUID jobId, boolean cancelled, Throwable cause) {
    Throwable mapped = GitErrors.map(cause);
    GitJobStore.State state = cancelled ? GitJobStore.State.CANCELLED : GitJobStore.State.FAILED;
    Optional<String> code = Optional.of(cancelled ? "cancelled"
        : mapped instanceof ApiException a ? a.code() : "internal");
    Optional<String> message = Optional.of(cancelled ? "the import was cancelled"
        : mapped instanceof ApiException ? mapped.getMessage() : "the import failed");
    if (!cancelled && !(mapped instanceof ApiException)) {
      log.error("import into project {} failed", project.id(), cause);
    }
    return projects.delete(project.id())
        .transform(x -> workers.executeBlocking(() -> {
          RepositoryImport.deleteTree(dir);
          return null;
        }, false))
        .transform(x -> jobs.finish(jobId, state, code, message));
  }

  public Future<JsonObject> job(UUID jobId, UUID userId) {
    return jobs.find(jobId, userId).map(j -> j.orElseThrow(() -> ApiException.notFound("job")).toJson());
  }

  /**
   * Follows the user's job: {@code listener} gets it now and after every change until it
   * finishes (then {@link JobWatch#ended()} completes); 404 when it is not theirs.
   */
  public Future<JobWatch> watch(UUID jobId, UUID userId, java.util.function.Consumer<JsonObject> listener) {
    return new JobWatch(vertx, jobs, jobId, userId, listener, JOB_POLL_MILLIS).start();
  }

  /** Asks a running job to stop; it ends as cancelled once it has undone its work. */
  public Future<JsonObject> cancel(UUID jobId, UUID userId) {
    return jobs.find(jobId, userId).map(found -> {
      GitJobStore.Job j = found.orElseThrow(() -> ApiException.notFound("job"));
      if (j.state().finished()) {
        throw ApiException.conflict("job_finished", "the job has already " + j.state().wire());
      }
      AtomicBoolean flag = running.get(jobId);
      if (flag == null) {
        throw ApiException.conflict("job_elsewhere", "the job runs on another server node");
      }
      flag.set(true);
      return j.toJson();
    });
  }

  // ---- credentials ---------------------------------------------------------------------------

  public Future<Void> saveCredential(UUID userId, String host, Optional<String> username, String token) {
    return credentials.save(userId, GitAccess.host(host, "host"), username, token);
  }

  public Future<JsonArray> credentials(UUID userId) {
    return credentials.list(userId).map(list -> new JsonArray(list.stream()
        .map(c -> new JsonObject().put("host", c.host()).put("username", c.username().orElse(null))
            .put("updatedAt", c.updatedAt().toInstant().toString()))
        .toList()));
  }

  public Future<Boolean> deleteCredential(UUID userId, String host) {
    return credentials.delete(userId, GitAccess.host(host, "host"));
  }

  // ---- operations on a project's working copy -----------------------------------------------

  /**
   * What an operation does to the repository: only reads it; may change it (index, HEAD, refs,
   * config: the repository version is raised first); changes it and the files, which go back to the
   * documents; or may create it.
   */
  private enum Access {
    READ(false, false, false), CHANGE(true, false, false), CHANGE_FILES(true, true, false), CREATE(true, false, true);

    final boolean changes;
    final boolean applyBack;
    final boolean create;

    Access(boolean changes, boolean applyBack, boolean create) {
      this.changes = changes;
      this.applyBack = applyBack;
      this.create = create;
    }
  }

  /** JGit work on the working copy: blocking, may throw. */
  @FunctionalInterface
  private interface Work<T> {
    T run(GitWorkspace w) throws Exception;
  }

  /**
   * The project's status. Answered from {@link StatusCache} while the project's stored documents
   * are exactly those the remembered status was computed from (on any node) and no git operation
   * changed the repository since; otherwise computed (materialise, then JGit), one computation
   * shared by the callers that ask meanwhile.
   */
  public Future<JsonObject> status(Project p) {
    return Future.all(files.storedVersion(p), versions.current(p.id()))
        .map(both -> new StatusCache.Version(both.resultAt(0), both.<Long>resultAt(1)))
        .compose(now -> {
          Optional<JsonObject> cached = statusCache.get(p.id(), now);
          if (cached.isPresent()) {
            statusCached.incrementAndGet();
            return Future.succeededFuture(cached.get());
          }
          boolean[] started = {false};
          Future<ComputedStatus> shared = computingStatus.computeIfAbsent(p.id(), id -> {
            started[0] = true;
            return computeStatus(p);
          });
          if (started[0]) {
            shared.onComplete(x -> computingStatus.remove(p.id(), shared));
          }
          // A computation already running may have read the files before this call began: its answer
          // serves this call only when it shows the files and the repository as they are now.
          return shared.compose(c -> started[0] || c.version().equals(Optional.of(now))
              ? Future.succeededFuture(c.status().copy())
              : computeStatus(p).map(ComputedStatus::status));
        });
  }

  /** A computed status and, when it shows exactly what the store holds, the version it shows. */
  private record ComputedStatus(JsonObject status, Optional<StatusCache.Version> version) {}

  /**
   * Materialises and asks JGit; then, still under the lock, compares the stored version of every
   * document that was read with the store's: only a status computed from exactly the stored
   * documents is remembered (not one that saw edits still being stored, or a node's copy that
   * had not caught up with another node's change yet), with the repository version read under the
   * same lock (no operation can have changed the repository meanwhile, on any node).
   */
  private Future<ComputedStatus> computeStatus(Project p) {
    statusComputed.incrementAndGet();
    return inWorkspace(p, Access.READ, GitWorkspace::status, (base, status) -> {
      if (base.storedSeqs().isEmpty()) {
        statusCache.forget(p.id());
        return Future.succeededFuture(new ComputedStatus(status, Optional.empty()));
      }
      return Future.all(files.storedSeqs(p), versions.current(p.id())).map(both -> {
        Map<dev.ensemble.sync.protocol.DocumentId, Long> stored = both.resultAt(0);
        boolean exact = base.storedSeqs().get().entrySet().stream()
            .allMatch(e -> e.getValue().equals(stored.get(e.getKey())));
        if (!exact) {
          statusCache.forget(p.id());
          return new ComputedStatus(status, Optional.empty());
        }
        StatusCache.Version version = new StatusCache.Version(ProjectVersion.of(stored), both.<Long>resultAt(1));
        statusCache.put(p.id(), version, status);
        return new ComputedStatus(status, Optional.of(version));
      });
    });
  }

  /** How many status answers this node computed ({@code cached} false) or gave from its cache. */
  public long statusAnswers(boolean cached) {
    return cached ? statusCached.get() : statusComputed.get();
  }

  /** An operation that may change the repository (index, HEAD, refs, config): the remembered status is void after it. */
  private <T> Future<T> changing(Project p, Future<T> operation) {
    return operation.andThen(x -> statusCache.forget(p.id()));
  }

  public Future<JsonObject> diff(Project p, Optional<String> path, boolean staged) {
    return inWorkspace(p, Access.READ, w -> w.diff(path, staged));
  }

  public Future<JsonObject> stage(Project p, List<String> paths) {
    return changing(p, inWorkspace(p, Access.CHANGE, w -> {
      w.stage(paths);
      return w.status();
    }));
  }

  public Future<JsonObject> unstage(Project p, List<String> paths) {
    return changing(p, inWorkspace(p, Access.CHANGE, w -> {
      w.unstage(paths);
      return w.status();
    }));
  }

  public Future<JsonObject> commit(Project p, User author, String message, List<String> paths) {
    return changing(p, inWorkspace(p, Access.CHANGE, w -> w.commit(message, paths, ident(author))));
  }

  public Future<JsonObject> push(Project p, User user) {
    return changing(p, remoteLogin(p, user).compose(login -> inWorkspace(p, Access.CHANGE, w -> w.push(login))));
  }

  public Future<JsonObject> pull(Project p, User user) {
    return changing(p, remoteLogin(p, user).compose(login -> inWorkspace(p, Access.CHANGE_FILES, w -> w.pull(login, ident(user)))));
  }

  public Future<JsonArray> log(Project p, int limit) {
    return inWorkspace(p, Access.READ, w -> w.log(limit));
  }

  public Future<JsonObject> branches(Project p) {
    return inWorkspace(p, Access.READ, GitWorkspace::branches);
  }

  public Future<JsonObject> createBranch(Project p, String name, Optional<String> from) {
    return changing(p, inWorkspace(p, Access.CHANGE, w -> {
      w.createBranch(name, from);
      return w.branches();
    }));
  }

  public Future<JsonObject> checkout(Project p, String branch) {
    return changing(p, inWorkspace(p, Access.CHANGE_FILES, w -> {
      w.checkout(branch);
      return w.status();
    }));
  }

  /** Connects the project to a remote (creating its repository when it has none). */
  public Future<JsonObject> connect(Project p, String url) {
    GitAccess.Remote remote = access.remote(url, "url");
    return changing(p, reachable(remote).compose(v -> inWorkspace(p, Access.CREATE, w -> {
      w.setRemote(remote.url());
      return w.status();
    }))).compose(status -> remoteChanged.apply(p.id(), remote.url()).map(status));
  }

  /** The outbound policy's verdict on a remote, reached on a git worker (it resolves names). */
  private Future<Void> reachable(GitAccess.Remote remote) {
    return workers.executeBlocking(() -> {
      access.checkReachable(remote, "url");
      return null;
    }, false);
  }

  /** Told the project id and new URL whenever a project's origin changes (webhooks follow it). */
  public void onRemoteChanged(BiFunction<UUID, String, Future<Void>> listener) {
    this.remoteChanged = listener;
  }

  /**
   * What the project's working copy follows: origin's URL and the remote ref its current branch
   * pulls (its upstream, else the branch of the same name). Read without the lock: a snapshot.
   */
  public record Tracking(Optional<String> remoteUrl, Optional<String> upstreamRef) {}

  public Future<Tracking> tracking(UUID projectId) {
    Path dir = workspace(projectId);
    return workers.executeBlocking(() -> {
      if (!java.nio.file.Files.isDirectory(dir.resolve(".git"))) {
        return new Tracking(Optional.empty(), Optional.empty());
      }
      try (var repo = new org.eclipse.jgit.storage.file.FileRepositoryBuilder().setGitDir(dir.resolve(".git").toFile()).build()) {
        var config = repo.getConfig();
        Optional<String> url = Optional.ofNullable(config.getString("remote", GitWorkspace.REMOTE, "url"));
        String full = repo.getFullBranch();
        Optional<String> upstream = full == null || !full.startsWith("refs/heads/") ? Optional.empty()
            : Optional.of(Optional.ofNullable(config.getString("branch", repo.getBranch(), "merge")).orElse(full));
        return new Tracking(url, upstream);
      }
    }, false);
  }

  /**
   * The caller's credentials for the project's origin, read before the lock is taken. The origin
   * is checked against the outbound policy again (it may have changed since the remote was set),
   * in the same worker hop that reads it.
   */
  private Future<Optional<GitAccess.Login>> remoteLogin(Project p, User user) {
    Path config = workspace(p.id()).resolve(".git").resolve("config");
    return workers.<GitAccess.Remote>executeBlocking(() -> {
          if (!java.nio.file.Files.isRegularFile(config)) {
            throw GitErrors.noRepository();
          }
          var c = new org.eclipse.jgit.storage.file.FileBasedConfig(config.toFile(), org.eclipse.jgit.util.FS.DETECTED);
          c.load();
          String url = c.getString("remote", GitWorkspace.REMOTE, "url");
          if (url == null) {
            throw GitErrors.noRemote();
          }
          GitAccess.Remote remote = access.remote(url, "remote");
          access.checkReachable(remote, "url");
          return remote;
        }, false)
        .compose(remote -> access.login(user.id(), remote))
        .recover(e -> Future.failedFuture(GitErrors.map(e)));
  }

  /**
   * Under the project's lock: materialise, put back what is not a document, run the work, and
   * when {@code applyBack} give the documents what git left in the working tree.
   */
  private <T> Future<T> inWorkspace(Project p, Access access, Work<T> work) {
    return inWorkspace(p, access, work, (base, result) -> Future.succeededFuture(result));
  }

  /** As above, then {@code then} with the materialised snapshot and the result, still under the lock. */
  private <T, R> Future<R> inWorkspace(Project p, Access access, Work<T> work,
      BiFunction<WorkingCopy.Snapshot, T, Future<R>> then) {
    Path dir = workspace(p.id());
    boolean applyBack = access.applyBack;
    boolean create = access.create;
    return locked(p.id(), access.changes, () -> workers.<Boolean>executeBlocking(
                () -> create || java.nio.file.Files.isDirectory(dir.resolve(".git")), false)
            .compose(exists -> exists ? workingCopy.materialise(p, dir) : Future.failedFuture(GitErrors.noRepository()))
            .compose(base -> workers.<T>executeBlocking(() -> {
              try (GitWorkspace w = create ? GitWorkspace.openOrInit(dir, settings) : GitWorkspace.open(dir, settings)) {
                w.restore(w.notDocuments());
                T result = work.run(w);
                if (applyBack) {
                  List<String> keepOut = new ArrayList<>(w.notDocuments());
                  w.removeFromTree(keepOut);
                }
                return result;
              }
            }, false)
            .compose(result -> applyBack
                ? workingCopy.applyBack(p, base).map(applied -> {
                    if (!applied.skipped().isEmpty()) {
                      log.info("project {}: files kept as they were after a git operation: {}", p.id(), applied.skipped());
                    }
                    return result;
                  })
                : Future.succeededFuture(result))
            .compose(result -> then.apply(base, result))))
        .recover(e -> Future.failedFuture(GitErrors.map(e)));
  }

  /**
   * Runs {@code operation} holding the project's lock on this node, then across the nodes (so one
   * connection per project and node waits for the database's lock); one that may change the
   * repository raises its version first, before it touches it.
   */
  private <T> Future<T> locked(UUID projectId, boolean changes, java.util.function.Supplier<Future<T>> operation) {
    return locks.run(projectId, () -> clusterLocks.run(projectId,
        () -> changes ? versions.raise(projectId).compose(v -> operation.get()) : operation.get()));
  }

  private Path workspace(UUID projectId) {
    return workspaces.resolve(projectId.toString());
  }

  /** The user as a git author: their display name and email, or a no-reply address. */
  static PersonIdent ident(User u) {
    String name = u.displayName() == null || u.displayName().isBlank() ? u.username() : u.displayName();
    return new PersonIdent(name, u.email().orElse(u.username() + "@users.noreply.ensemble"));
  }

  /** The hosts of the configured GitHub and GitLab logins, whose linked tokens serve git there. */
  public static Map<String, String> providerHosts(EnsembleConfig config) {
    Map<String, String> hosts = new java.util.HashMap<>();
    config.github().ifPresent(p -> hosts.put(GitAccess.hostKey(p.siteUrl()), "github"));
    config.gitlab().ifPresent(p -> hosts.put(GitAccess.hostKey(p.siteUrl()), "gitlab"));
    return Map.copyOf(hosts);
  }

  /** "https://host/team/app.git" → "app". */
  static String nameOf(String url) {
    String path = url.replaceAll("[/]+$", "");
    String last = path.substring(path.lastIndexOf('/') + 1).replaceAll("\\.git$", "");
    return last.isBlank() ? "imported" : last.length() > 100 ? last.substring(0, 100) : last;
  }
}
