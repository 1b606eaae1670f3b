package dev.ensemble.git;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * Limits of the git integration, read from {@code ENSEMBLE_GIT_*} variables by {@link #fromEnv}
 * (documented in docs/git.md).
 *
 * @param maxFileBytes a file of the repository larger than this is not imported (it stays in git,
 *     untouched, and is never deleted by a commit)
 * @param maxFiles most files an import turns into documents; a bigger repository is refused
 * @param workers threads that run JGit work (one git operation per project at a time)
 * @param timeout network timeout of one clone, fetch or push
 * @param allowHttp accepts plain {@code http://} remotes (tests, intranets); HTTPS only otherwise
 * @param outbound which hosts and networks remotes may point at
 * @param providerTimeout longest wait for one GitHub/GitLab REST call (listing a user's repositories)
 * @param webhookMaxBytes largest webhook delivery body accepted (413 above)
 * @param statusCacheProjects projects whose last status this node remembers (0: none, every status
 *     is computed)
 * @param workspacesDir where the projects' working copies live; unset: {@code <data dir>/workspaces}.
 *     Nodes of one deployment point it at one shared directory so each serves every repository
 * @param lockWait longest wait for another node's git operation on the same project (409 after it)
 * @param jobOrphanAfter how long a job's node may go without confirming it before any node fails
 *     it as interrupted (with several nodes; the node confirms every quarter of it)
 */
public record GitSettings(long maxFileBytes, int maxFiles, int workers, Duration timeout, boolean allowHttp,
    OutboundPolicy outbound, Duration providerTimeout, long webhookMaxBytes, int statusCacheProjects,
    Optional<Path> workspacesDir, Duration lockWait, Duration jobOrphanAfter) {

  public static GitSettings defaults() {
    return fromEnv(Map.of());
  }

  /** Reads every {@code ENSEMBLE_GIT_*} variable, defaults for those unset; a bad value throws naming it. */
  public static GitSettings fromEnv(Map<String, String> env) {
    return new GitSettings(
        integer(env, "ENSEMBLE_GIT_MAX_FILE_BYTES", 5L * 1024 * 1024, 1, 1L << 30),
        (int) integer(env, "ENSEMBLE_GIT_MAX_FILES", 20_000, 1, 1_000_000),
        (int) integer(env, "ENSEMBLE_GIT_WORKERS", 4, 1, 256),
        Duration.ofSeconds(integer(env, "ENSEMBLE_GIT_TIMEOUT_SECONDS", 120, 1, 3600)),
        bool(env, "ENSEMBLE_GIT_ALLOW_HTTP"),
        OutboundPolicy.fromEnv(env),
        Duration.ofSeconds(integer(env, "ENSEMBLE_GIT_PROVIDER_TIMEOUT_SECONDS", 15, 1, 300)),
        // GitHub caps a delivery at 25 MB; a push of ordinary size is a few kilobytes.
        integer(env, "ENSEMBLE_GIT_WEBHOOK_MAX_BYTES", 1L << 20, 1024, 25L * 1024 * 1024),
        (int) integer(env, "ENSEMBLE_GIT_STATUS_CACHE_PROJECTS", 1000, 0, 1_000_000),
        directory(env, "ENSEMBLE_GIT_WORKSPACES_DIR"),
        Duration.ofSeconds(integer(env, "ENSEMBLE_GIT_LOCK_WAIT_SECONDS", 60, 1, 3600)),
        Duration.ofSeconds(integer(env, "ENSEMBLE_GIT_JOB_ORPHAN_SECONDS", 60, 4, 86_400)));
  }

  /**
   * Connections a node keeps for the projects' cross-node locks: one per project with a git
   * operation running or waiting on this node, up to this many; more wait (within
   * {@link #lockWait}) for one to come free.
   */
  public int lockConnections() {
    return 4 * workers;
  }

  /** How often the node running jobs confirms them, and every node looks for jobs whose node went away. */
  public Duration jobHeartbeat() {
    return Duration.ofMillis(Math.max(1_000, jobOrphanAfter.toMillis() / 4));
  }

  /** The directory holding each project's working copy ({@code <dir>/<projectId>}). */
  public Path workspaces(Path dataDir) {
    return workspacesDir.orElseGet(() -> dataDir.resolve("workspaces"));
  }

  public GitSettings {
    if (maxFileBytes < 1 || maxFiles < 1 || workers < 1 || timeout.isNegative() || timeout.isZero()
        || providerTimeout.isNegative() || providerTimeout.isZero() || webhookMaxBytes < 1
        || statusCacheProjects < 0 || lockWait.isNegative() || lockWait.isZero() || jobOrphanAfter.toSeconds() < 4) {
      throw new IllegalArgumentException("invalid git settings");
    }
  }

  private static long integer(Map<String, String> env, String name, long dflt, long min, long max) {
    return dev.ensemble.config.Env.number(env, name, dflt, min, max);
  }

  private static Optional<Path> directory(Map<String, String> env, String name) {
    return dev.ensemble.config.Env.value(env, name).map(dir -> {
      try {
        return Path.of(dir).toAbsolutePath().normalize();
      } catch (java.nio.file.InvalidPathException e) {
        throw new dev.ensemble.config.ConfigException(name, "is not a valid path: " + e.getMessage());
      }
    });
  }

  private static boolean bool(Map<String, String> env, String name) {
    return dev.ensemble.config.Env.bool(env, name, false);
  }
}
