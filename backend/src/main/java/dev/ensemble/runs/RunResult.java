package dev.ensemble.runs;

import java.time.Instant;
import java.util.Optional;

/**
 * How a run ended.
 *
 * @param status the final status
 * @param exitCode the exit code of the command when it exited by itself (128+n for signal n)
 * @param startedAt when the process started
 * @param durationMs wall time from start to exit
 * @param outputBytes stdout plus stderr bytes kept
 * @param truncated true when output beyond the cap was dropped
 */
public record RunResult(
    RunStatus status,
    Optional<Integer> exitCode,
    Instant startedAt,
    long durationMs,
    long outputBytes,
    boolean truncated) {}
