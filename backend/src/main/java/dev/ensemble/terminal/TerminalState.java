package dev.ensemble.terminal;

import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/**
 * What a project's terminal is now: running at a size, or ended (with the shell's exit code when
 * it exited by itself, and why).
 *
 * @param sessionId the terminal session; a new one each time a terminal is opened
 * @param startedById the editor who opened it
 * @param startedBy their username
 * @param exitCode the shell's exit status, once ended by exit
 * @param endReason why it ended, once ended
 */
public record TerminalState(
    UUID sessionId,
    UUID projectId,
    boolean running,
    Pty.Size size,
    UUID startedById,
    String startedBy,
    Instant startedAt,
    Optional<Integer> exitCode,
    Optional<EndReason> endReason) {

  /** Why a terminal ended; the wire form is the lower-case name. */
  public enum EndReason {
    /** The shell exited (typed {@code exit}, or was killed from inside). */
    EXITED,
    /** An editor closed it. */
    CLOSED,
    /** Neither input nor output for ENSEMBLE_TERMINAL_IDLE_SECONDS. */
    IDLE,
    /** It reached ENSEMBLE_TERMINAL_MAX_LIFETIME_SECONDS. */
    LIFETIME,
    /** The server stopped. */
    SHUTDOWN;

    public String wire() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }
}
