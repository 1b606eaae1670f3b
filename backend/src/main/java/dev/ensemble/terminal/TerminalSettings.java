package dev.ensemble.terminal;

import dev.ensemble.config.Env;
import java.time.Duration;
import java.util.Map;

/**
 * Every {@code ENSEMBLE_TERMINAL_*} setting of the shared terminal, documented in docs/runs.md.
 * The shell's other limits (CPU, memory, processes, files, disk) are the runs' own.
 *
 * @param idleTimeout a terminal with neither input nor output for this long is closed
 * @param maxLifetime a terminal is closed this long after it started, busy or not
 * @param backlogBytes recent output kept in memory for viewers who join late or fall behind
 * @param maxPerNode terminals open at once on this node (each project has at most one)
 * @param inputMaxBytes the largest piece of input one message may carry
 * @param inputBytesPerSecond input accepted per terminal per second, from all editors together;
 *     also the most input that may wait for a shell that is not reading
 * @param lease with several nodes: how long a node's hold on a project's terminal lasts without
 *     its heartbeat (every third of it) before another node may open one
 * @param relayWait with several nodes: how long to wait for the terminal's node to answer
 */
public record TerminalSettings(
    Duration idleTimeout,
    Duration maxLifetime,
    long backlogBytes,
    int maxPerNode,
    int inputMaxBytes,
    int inputBytesPerSecond,
    Duration lease,
    Duration relayWait) {

  public TerminalSettings {
    if (lease.toMillis() < 3000 || relayWait.toMillis() < 100 || idleTimeout.toMillis() < 1000 || maxLifetime.toMillis() < 1000 || backlogBytes < 1024 || maxPerNode < 1
        || inputMaxBytes < 1 || inputBytesPerSecond < inputMaxBytes) {
      throw new IllegalArgumentException("terminal settings out of range");
    }
  }

  /** The single-node settings with the default lease and relay wait. */
  public TerminalSettings(Duration idleTimeout, Duration maxLifetime, long backlogBytes, int maxPerNode,
      int inputMaxBytes, int inputBytesPerSecond) {
    this(idleTimeout, maxLifetime, backlogBytes, maxPerNode, inputMaxBytes, inputBytesPerSecond,
        Duration.ofSeconds(30), Duration.ofSeconds(5));
  }

  public static TerminalSettings defaults() {
    return fromEnv(Map.of());
  }

  /** Reads every {@code ENSEMBLE_TERMINAL_*} variable; a bad value throws naming its variable. */
  public static TerminalSettings fromEnv(Map<String, String> env) {
    int inputMax = Env.integer(env, "ENSEMBLE_TERMINAL_INPUT_MAX_BYTES", 16 * 1024, 1, 32 * 1024);
    return new TerminalSettings(
        Duration.ofSeconds(Env.number(env, "ENSEMBLE_TERMINAL_IDLE_SECONDS", 1800, 1, 604_800)),
        Duration.ofSeconds(Env.number(env, "ENSEMBLE_TERMINAL_MAX_LIFETIME_SECONDS", 14_400, 1, 2_592_000)),
        Env.number(env, "ENSEMBLE_TERMINAL_BACKLOG_BYTES", 256 * 1024, 1024, 64L << 20),
        Env.integer(env, "ENSEMBLE_TERMINAL_MAX_PER_NODE", 8, 1, 10_000),
        inputMax,
        Env.integer(env, "ENSEMBLE_TERMINAL_INPUT_BYTES_PER_SECOND", 64 * 1024, inputMax, 16 << 20),
        Duration.ofSeconds(Env.number(env, "ENSEMBLE_TERMINAL_LEASE_SECONDS", 30, 3, 3600)),
        Duration.ofMillis(Env.number(env, "ENSEMBLE_TERMINAL_RELAY_WAIT_MS", 5000, 100, 60_000)));
  }
}
