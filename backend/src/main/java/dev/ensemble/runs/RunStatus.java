package dev.ensemble.runs;

import java.util.Locale;

/** Where a run is in its life; the wire form is the lower-case name ({@code timed_out}). */
public enum RunStatus {
  QUEUED,
  RUNNING,
  SUCCEEDED,
  FAILED,
  CANCELLED,
  TIMED_OUT,
  KILLED;

  /** The name used in JSON and in the database. */
  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses the wire form. */
  public static RunStatus fromWire(String value) {
    return valueOf(value.toUpperCase(Locale.ROOT));
  }

  /** True once the run can no longer change. */
  public boolean isFinal() {
    return this != QUEUED && this != RUNNING;
  }
}
