package dev.ensemble.ai.actions;

import java.util.Locale;
import java.util.Optional;

/** What the assistant can be asked to do with code, beyond chat. */
public enum CodeAction {
  /** Explain the selection (or the file). */
  EXPLAIN(false),
  /** Write or extend the tests of the file. */
  TESTS(true),
  /** Fix the error a failed run reported. */
  FIX(true),
  /** Restructure or rename as instructed, keeping behaviour. */
  REFACTOR(true),
  /** Add documentation comments. */
  DOCS(true);

  private final boolean proposesFiles;

  CodeAction(boolean proposesFiles) {
    this.proposesFiles = proposesFiles;
  }

  /** True when the answer carries new file contents to preview and apply. */
  public boolean proposesFiles() {
    return proposesFiles;
  }

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Optional<CodeAction> parse(String wire) {
    for (CodeAction a : values()) {
      if (a.wire().equals(wire)) {
        return Optional.of(a);
      }
    }
    return Optional.empty();
  }
}
