package dev.ensemble.runs;

import java.util.Map;

/**
 * Every {@code ENSEMBLE_RUN_*} setting: the limits of one run, who runs it, and how many may run
 * and wait at once. Read by {@link #fromEnv} as part of the server's configuration; documented in
 * docs/runs.md.
 *
 * @param limits what one run may use
 * @param sandboxUid the host uid runs execute as when the server is root
 * @param unsafeUnsandboxed run user code without isolation when the host has none (development only)
 * @param maxPerUser concurrent runs per user
 * @param maxPerProject concurrent runs per project
 * @param maxPerNode concurrent runs on this node
 * @param queueMax runs that may wait for a slot; beyond it new runs are refused
 * @param backlogBytes recent output kept in memory per run for late viewers; also the most output of
 *     one run waiting to go out on the bus between nodes
 * @param networkForOwners whether project owners may let their runs use the network
 *     ({@code ENSEMBLE_RUN_NETWORK}: {@code owner}, the default, or {@code never})
 * @param orphanAfter how long a run's node may go without confirming it before any node marks the
 *     run killed (nodes confirm their runs every quarter of this)
 * @param cancelWait how long a node waits for another node's answer to a cancel it passed on, and
 *     when stopping, for the ends of its runs to reach the other nodes
 * @param kubernetes where runs execute: empty for this host's sandbox ({@code ENSEMBLE_RUN_EXECUTOR=local},
 *     the default), or the Kubernetes Job executor's settings
 */
public record RunSettings(
    RunLimits limits,
    int sandboxUid,
    boolean unsafeUnsandboxed,
    int maxPerUser,
    int maxPerProject,
    int maxPerNode,
    int queueMax,
    long backlogBytes,
    boolean networkForOwners,
    java.time.Duration orphanAfter,
    java.time.Duration cancelWait,
    java.util.Optional<KubernetesRunSettings> kubernetes) {

  public RunSettings {
    if (sandboxUid < 1 || maxPerUser < 1 || maxPerProject < 1 || maxPerNode < 1 || queueMax < 0 || backlogBytes < 1024
        || orphanAfter.toSeconds() < 4 || cancelWait.toMillis() < 1) {
      throw new IllegalArgumentException("run settings out of range");
    }
  }

  public static RunSettings defaults() {
    return fromEnv(Map.of());
  }

  /** Reads every {@code ENSEMBLE_RUN_*} variable; a bad value throws naming its variable. */
  public static RunSettings fromEnv(Map<String, String> env) {
    return new RunSettings(
        RunLimits.fromEnv(env),
        (int) RunLimits.number(env, "ENSEMBLE_RUN_SANDBOX_UID", 61_000, 1, Integer.MAX_VALUE - 1),
        bool(env, "ENSEMBLE_RUN_UNSAFE_UNSANDBOXED"),
        (int) RunLimits.number(env, "ENSEMBLE_RUN_MAX_PER_USER", 2, 1, 10_000),
        (int) RunLimits.number(env, "ENSEMBLE_RUN_MAX_PER_PROJECT", 2, 1, 10_000),
        (int) RunLimits.number(env, "ENSEMBLE_RUN_MAX_PER_NODE", 4, 1, 10_000),
        (int) RunLimits.number(env, "ENSEMBLE_RUN_QUEUE_MAX", 100, 0, 1_000_000),
        RunLimits.number(env, "ENSEMBLE_RUN_BACKLOG_BYTES", 1L << 20, 1024, 1L << 30),
        networkPolicy(env),
        java.time.Duration.ofSeconds(RunLimits.number(env, "ENSEMBLE_RUN_ORPHAN_SECONDS", 60, 4, 86_400)),
        java.time.Duration.ofMillis(RunLimits.number(env, "ENSEMBLE_RUN_CANCEL_WAIT_MS", 3_000, 1, 60_000)),
        KubernetesRunSettings.fromEnv(env));
  }

  private static boolean networkPolicy(Map<String, String> env) {
    String v = dev.ensemble.config.Env.value(env, "ENSEMBLE_RUN_NETWORK").orElse("owner");
    return switch (v.toLowerCase(java.util.Locale.ROOT)) {
      case "owner" -> true;
      case "never" -> false;
      default -> throw new dev.ensemble.config.ConfigException("ENSEMBLE_RUN_NETWORK", "must be owner or never, got '" + v + "'");
    };
  }

  private static boolean bool(Map<String, String> env, String name) {
    return dev.ensemble.config.Env.bool(env, name, false);
  }
}
