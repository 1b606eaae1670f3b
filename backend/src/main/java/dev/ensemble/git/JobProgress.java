package dev.ensemble.git;

import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.eclipse.jgit.lib.ProgressMonitor;

/**
 * A job's progress as JGit reports it (counting, receiving, resolving, checking out) and then as we
 * report it (creating documents); reads the job's cancellation flag for JGit.
 */
final class JobProgress implements ProgressMonitor {
  /** A snapshot: phase, units done, units in the phase (0 when unknown). */
  record Step(String phase, long done, long total) {}

  private static final long FLUSH_MILLIS = 200;

  private final AtomicBoolean cancelled;
  private final Consumer<Step> sink;
  private volatile String phase = "queued";
  private volatile long done;
  private volatile long total;
  private long lastFlush;

  JobProgress(AtomicBoolean cancelled, Consumer<Step> sink) {
    this.cancelled = cancelled;
    this.sink = sink;
  }

  @Override
  public void start(int totalTasks) {}

  @Override
  public synchronized void beginTask(String title, int totalWork) {
    phase(phaseOf(title), totalWork == UNKNOWN ? 0 : totalWork);
  }

  /** Starts a phase of our own. */
  synchronized void phase(String name, long totalWork) {
    phase = name;
    done = 0;
    total = totalWork;
    flush(true);
  }

  @Override
  public synchronized void update(int completed) {
    done += completed;
    flush(false);
  }

  @Override
  public synchronized void endTask() {
    flush(true);
  }

  @Override
  public boolean isCancelled() {
    return cancelled.get();
  }

  @Override
  public void showDuration(boolean enabled) {}

  Step step() {
    return new Step(phase, done, total);
  }

  private void flush(boolean always) {
    long now = System.currentTimeMillis();
    if (always || now - lastFlush >= FLUSH_MILLIS) {
      lastFlush = now;
      sink.accept(new Step(phase, done, total));
    }
  }

  /** JGit's task titles as the phases the API names. */
  static String phaseOf(String title) {
    String t = title.toLowerCase(Locale.ROOT);
    if (t.startsWith("counting") || t.startsWith("enumerating") || t.startsWith("finding")) {
      return "counting";
    } else if (t.startsWith("compressing")) {
      return "compressing";
    } else if (t.startsWith("receiving")) {
      return "receiving";
    } else if (t.startsWith("resolving")) {
      return "resolving";
    } else if (t.startsWith("checking out")) {
      return "checking out";
    } else if (t.startsWith("updating references")) {
      return "updating references";
    }
    return t.replaceAll("[:.]+$", "").strip();
  }
}
