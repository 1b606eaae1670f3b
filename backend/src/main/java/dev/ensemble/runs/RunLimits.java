package dev.ensemble.runs;

import java.time.Duration;
import java.util.Map;

/**
 * What one run may use. Each field is an {@code ENSEMBLE_RUN_*} setting documented in docs/runs.md.
 *
 * @param wallTime how long a run may take from start to exit, then it is stopped as timed out
 * @param cpuSeconds CPU time per process (RLIMIT_CPU); exceeding it kills that process
 * @param memoryBytes data segment and private writable mappings per process (RLIMIT_DATA)
 * @param maxProcesses processes and threads inside one sandbox (RLIMIT_NPROC, counted per sandbox)
 * @param openFiles open file descriptors per process (RLIMIT_NOFILE)
 * @param outputBytes stdout plus stderr kept and streamed; beyond it the run is truncated and killed
 * @param diskBytes the largest file a run may write (RLIMIT_FSIZE) and the size of its private /tmp
 * @param workspaceBytes everything a run's working directory may hold; checked every
 *     {@code workspaceCheck}, and a run found above it is killed
 * @param workspaceCheck how often a running run's working directory is measured
 * @param killGrace how long a stopped run gets between SIGTERM and SIGKILL
 * @param niceness the scheduling niceness user code starts with (0-19), so that a busy run yields
 *     the CPU to the server's event loops on a small machine
 */
public record RunLimits(
    Duration wallTime,
    long cpuSeconds,
    long memoryBytes,
    int maxProcesses,
    int openFiles,
    long outputBytes,
    long diskBytes,
    long workspaceBytes,
    Duration workspaceCheck,
    Duration killGrace,
    int niceness) {

  private static final long MIB = 1024L * 1024L;

  public RunLimits {
    if (wallTime.isNegative() || wallTime.isZero()) {
      throw new IllegalArgumentException("wallTime must be positive");
    }
    if (cpuSeconds < 1 || memoryBytes < MIB || maxProcesses < 1 || openFiles < 16
        || outputBytes < 1 || diskBytes < 1 || workspaceBytes < 1 || workspaceCheck.isNegative()
        || workspaceCheck.isZero() || killGrace.isNegative() || niceness < 0 || niceness > 19) {
      throw new IllegalArgumentException("run limits out of range: " + this);
    }
  }

  /** The defaults used when no setting is given. */
  public static RunLimits defaults() {
    return new RunLimits(
        Duration.ofMinutes(5), 120, 1024 * MIB, 256, 1024, 16 * MIB, 256 * MIB, 1024 * MIB, Duration.ofMillis(500),
        Duration.ofSeconds(2), 10);
  }

  /** Reads the {@code ENSEMBLE_RUN_*} limit settings; a bad value throws naming its variable. */
  public static RunLimits fromEnv(Map<String, String> env) {
    RunLimits d = defaults();
    return new RunLimits(
        Duration.ofSeconds(number(env, "ENSEMBLE_RUN_WALL_SECONDS", d.wallTime.toSeconds(), 1, 86_400)),
        number(env, "ENSEMBLE_RUN_CPU_SECONDS", d.cpuSeconds, 1, 86_400),
        number(env, "ENSEMBLE_RUN_MEMORY_BYTES", d.memoryBytes, 16 * MIB, 1L << 40),
        (int) number(env, "ENSEMBLE_RUN_MAX_PROCESSES", d.maxProcesses, 4, 65_536),
        (int) number(env, "ENSEMBLE_RUN_OPEN_FILES", d.openFiles, 16, 1_048_576),
        number(env, "ENSEMBLE_RUN_OUTPUT_BYTES", d.outputBytes, 1024, 1L << 34),
        number(env, "ENSEMBLE_RUN_DISK_BYTES", d.diskBytes, MIB, 1L << 40),
        number(env, "ENSEMBLE_RUN_WORKSPACE_BYTES", d.workspaceBytes, MIB, 1L << 44),
        Duration.ofMillis(number(env, "ENSEMBLE_RUN_WORKSPACE_CHECK_MS", d.workspaceCheck.toMillis(), 10, 60_000)),
        Duration.ofSeconds(number(env, "ENSEMBLE_RUN_KILL_GRACE_SECONDS", d.killGrace.toSeconds(), 0, 60)),
        (int) number(env, "ENSEMBLE_RUN_NICE", d.niceness, 0, 19));
  }

  /** A copy with another wall time (tests and per-configuration overrides). */
  public RunLimits withWallTime(Duration value) {
    return new RunLimits(value, cpuSeconds, memoryBytes, maxProcesses, openFiles, outputBytes, diskBytes,
        workspaceBytes, workspaceCheck, killGrace, niceness);
  }

  /** A copy with another cap on the working directory and how often it is measured. */
  public RunLimits withWorkspace(long bytes, Duration check) {
    return new RunLimits(wallTime, cpuSeconds, memoryBytes, maxProcesses, openFiles, outputBytes, diskBytes, bytes,
        check, killGrace, niceness);
  }

  /** A copy with another output cap. */
  public RunLimits withOutputBytes(long value) {
    return new RunLimits(wallTime, cpuSeconds, memoryBytes, maxProcesses, openFiles, value, diskBytes,
        workspaceBytes, workspaceCheck, killGrace, niceness);
  }

  /** A copy with another memory cap. */
  public RunLimits withMemoryBytes(long value) {
    return new RunLimits(wallTime, cpuSeconds, value, maxProcesses, openFiles, outputBytes, diskBytes,
        workspaceBytes, workspaceCheck, killGrace, niceness);
  }

  /** A copy with another process cap. */
  public RunLimits withMaxProcesses(int value) {
    return new RunLimits(wallTime, cpuSeconds, memoryBytes, value, openFiles, outputBytes, diskBytes,
        workspaceBytes, workspaceCheck, killGrace, niceness);
  }

  static long number(Map<String, String> env, String name, long fallback, long min, long max) {
    return dev.ensemble.config.Env.number(env, name, fallback, min, max);
  }
}
