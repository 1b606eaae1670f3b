package dev.ensemble.terminal;

import dev.ensemble.terminal.TerminalState.EndReason;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One shared terminal: a shell on a {@link Pty}, its output numbered and kept in a bounded
 * backlog that subscribers read at their own pace, input written in arrival order by one writer
 * thread, and the limits that end it (idle time, lifetime). The reader and writer are dedicated
 * threads; nothing here blocks its caller except {@link #start}.
 *
 * <p>Stopping hangs the terminal up (the kernel sends SIGHUP to the shell and its jobs), then
 * after the grace period SIGKILLs every process under the sandbox, starting with its init, which
 * takes the whole pid namespace with it.
 */
public final class TerminalSession implements TerminalOutput {
  private static final Logger log = LoggerFactory.getLogger(TerminalSession.class);
  private static final int READ_SIZE = 16 * 1024;
  private static final int READ_WAIT_MS = 200;

  /** Who opened a terminal, and for which project. */
  public record Owner(UUID projectId, UUID userId, String username) {}

  private final UUID id;
  private final Owner owner;
  private final TerminalSettings settings;
  private final Duration killGrace;
  private final ScheduledExecutorService timers;
  private final Consumer<TerminalState> onChange;
  private final Instant startedAt = Instant.now();
  private final long startNanos = System.nanoTime();
  private final ExecutorService writer;
  private final AtomicReference<EndReason> stopReason = new AtomicReference<>();
  private Pty pty;
  private Process process;
  private ScheduledFuture<?> limitsCheck;

  private final TerminalBacklog backlog;

  // Guarded by this.
  private Pty.Size size;
  private long lastActivityNanos = startNanos;
  private long pendingInput;
  private double inputAllowance;
  private long allowanceAtNanos = startNanos;
  private Optional<TerminalState> end = Optional.empty();

  private TerminalSession(UUID id, Owner owner, Pty.Size size, TerminalSettings settings, Duration killGrace,
      ScheduledExecutorService timers, Consumer<TerminalState> onChange) {
    this.id = id;
    this.backlog = new TerminalBacklog(settings.backlogBytes());
    this.owner = owner;
    this.size = size;
    this.settings = settings;
    this.killGrace = killGrace;
    this.timers = timers;
    this.onChange = onChange;
    this.inputAllowance = settings.inputBytesPerSecond();
    this.writer = Executors.newSingleThreadExecutor(r -> daemon(r, "ensemble-terminal-input-" + id));
  }

  /**
   * Opens a terminal of {@code size} and starts {@code command} on it; {@code command} must make
   * the terminal its controlling terminal ({@code setsid --ctty}). {@code onChange} hears every
   * change of state (resize, end) on the session's own threads, the end before any subscriber
   * does. Blocking: call it from a worker.
   */
  public static TerminalSession start(Owner owner, Pty.Size size, List<String> command, Map<String, String> env,
      Path directory, TerminalSettings settings, Duration killGrace, ScheduledExecutorService timers,
      Consumer<TerminalState> onChange) throws IOException {
    return start(UUID.randomUUID(), owner, size, command, env, directory, settings, killGrace, timers, onChange);
  }

  /** {@link #start(Owner, Pty.Size, List, Map, Path, TerminalSettings, Duration, ScheduledExecutorService, Consumer)} with the session id chosen by the caller. */
  public static TerminalSession start(UUID id, Owner owner, Pty.Size size, List<String> command, Map<String, String> env,
      Path directory, TerminalSettings settings, Duration killGrace, ScheduledExecutorService timers,
      Consumer<TerminalState> onChange) throws IOException {
    TerminalSession s = new TerminalSession(id, owner, size, settings, killGrace, timers, onChange);
    try {
      s.pty = Pty.open(size);
      s.process = s.pty.start(command, env, directory);
    } catch (IOException | RuntimeException e) {
      if (s.pty != null) {
        s.pty.close();
      }
      s.writer.shutdownNow();
      throw e;
    }
    daemon(s::readLoop, "ensemble-terminal-output-" + s.id).start();
    s.limitsCheck = timers.scheduleWithFixedDelay(s::checkLimits, 1, 1, TimeUnit.SECONDS);
    return s;
  }

  @Override
  public UUID id() {
    return id;
  }

  public Owner owner() {
    return owner;
  }

  @Override
  public synchronized TerminalState state() {
    return end.orElseGet(() -> new TerminalState(id, owner.projectId(), true, size, owner.userId(), owner.username(),
        startedAt, Optional.empty(), Optional.empty()));
  }

  /**
   * Queues typed input for the shell. Refused (TerminalException) when the terminal has ended, the
   * piece is larger than allowed, the terminal's input rate is exceeded, or earlier input still
   * waits for a shell that is not reading.
   */
  public void input(byte[] data) {
    synchronized (this) {
      if (end.isPresent() || stopReason.get() != null) {
        throw new TerminalException("not_open", "the terminal has ended");
      }
      if (data.length > settings.inputMaxBytes()) {
        throw new TerminalException("input_too_large",
            "input may be at most " + settings.inputMaxBytes() + " bytes per message");
      }
      long now = System.nanoTime();
      double perNano = settings.inputBytesPerSecond() / 1e9;
      inputAllowance = Math.min(settings.inputBytesPerSecond(), inputAllowance + (now - allowanceAtNanos) * perNano);
      allowanceAtNanos = now;
      if (data.length > inputAllowance) {
        throw new TerminalException("input_rate",
            "input faster than " + settings.inputBytesPerSecond() + " bytes per second was refused");
      }
      if (pendingInput + data.length > settings.inputBytesPerSecond()) {
        throw new TerminalException("input_backlog", "the terminal is not reading its input; try again later");
      }
      inputAllowance -= data.length;
      pendingInput += data.length;
      lastActivityNanos = now;
    }
    submit(() -> {
      try {
        pty.write(data);
      } finally {
        synchronized (this) {
          pendingInput -= data.length;
        }
      }
    });
  }

  /** Changes the size (after any input already queued); everyone hears the new state. */
  public void resize(Pty.Size newSize) {
    synchronized (this) {
      if (end.isPresent() || stopReason.get() != null) {
        throw new TerminalException("not_open", "the terminal has ended");
      }
      size = newSize;
    }
    submit(() -> pty.resize(newSize));
    onChange.accept(state());
  }

  /** Ends the terminal for {@code reason}; the first reason wins. */
  public void stop(EndReason reason) {
    if (!stopReason.compareAndSet(null, reason)) {
      return;
    }
    log.info("terminal {} of project {} stopping: {}", id, owner.projectId(), reason.wire());
    // Hanging up sends SIGHUP to the shell, which passes it to its jobs.
    pty.close();
    try {
      timers.schedule(this::killAll, killGrace.toMillis(), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException shuttingDown) {
      killAll();
    }
  }

  @Override
  public List<TerminalChunk> chunksAfter(long afterSeq, int maxBytes) {
    return backlog.after(afterSeq, maxBytes);
  }

  /** The sequence number of the newest output (0 before any). */
  public long lastSeq() {
    return backlog.lastSeq();
  }

  @Override
  public AutoCloseable subscribe(TerminalSubscriber subscriber) {
    return backlog.subscribe(subscriber);
  }

  /** How the terminal ended, once it has. */
  public synchronized Optional<TerminalState> ended() {
    return end;
  }

  private void submit(IoTask task) {
    try {
      writer.execute(() -> {
        try {
          task.run();
        } catch (IOException e) {
          log.debug("terminal {} input not delivered: {}", id, e.toString());
        }
      });
    } catch (RejectedExecutionException ended) {
      throw new TerminalException("not_open", "the terminal has ended");
    }
  }

  private interface IoTask {
    void run() throws IOException;
  }

  private void readLoop() {
    byte[] buf = new byte[READ_SIZE];
    byte[] carry = new byte[0];
    try {
      while (true) {
        int n = pty.read(buf, READ_WAIT_MS);
        if (n > 0) {
          byte[] all = carry.length == 0 ? Arrays.copyOf(buf, n) : concat(carry, buf, n);
          int cut = completeUtf8(all);
          carry = Arrays.copyOfRange(all, cut, all.length);
          if (cut > 0) {
            append(new String(all, 0, cut, StandardCharsets.UTF_8), cut);
          }
        } else if (!process.isAlive() || stopReason.get() != null && n < 0) {
          break;
        } else if (n < 0) {
          // No process holds the slave yet (still starting) or any more (bwrap is leaving).
          Thread.sleep(50);
        }
      }
      if (carry.length > 0) {
        append(new String(carry, StandardCharsets.UTF_8), carry.length);
      }
      // A stopped terminal's shell has the grace period to go before it is killed.
      if (!process.waitFor(killGrace.toMillis() + 5000, TimeUnit.MILLISECONDS)) {
        killAll();
        process.waitFor(5, TimeUnit.SECONDS);
      }
    } catch (IOException e) {
      log.warn("terminal {} output failed: {}", id, e.toString());
      killAll();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      killAll();
    }
    finish();
  }

  private void append(String text, int bytes) {
    synchronized (this) {
      lastActivityNanos = System.nanoTime();
    }
    backlog.append(text, bytes);
  }

  private void finish() {
    EndReason reason = stopReason.get();
    Optional<Integer> code = process.isAlive() ? Optional.empty() : Optional.of(process.exitValue());
    TerminalState state;
    synchronized (this) {
      if (end.isPresent()) {
        return;
      }
      state = new TerminalState(id, owner.projectId(), false, size, owner.userId(), owner.username(), startedAt,
          reason == null ? code : Optional.empty(), Optional.of(reason == null ? EndReason.EXITED : reason));
      end = Optional.of(state);
    }
    // The owner hears the end before any viewer, so whoever a viewer tells finds the terminal
    // already gone from its project (no subscription answered with the session that just ended).
    onChange.accept(state);
    backlog.end(state);
    if (limitsCheck != null) {
      limitsCheck.cancel(false);
    }
    writer.shutdownNow();
    pty.close();
  }

  private void checkLimits() {
    long now = System.nanoTime();
    long idleFor;
    synchronized (this) {
      idleFor = now - lastActivityNanos;
    }
    if (now - startNanos >= settings.maxLifetime().toNanos()) {
      stop(EndReason.LIFETIME);
    } else if (idleFor >= settings.idleTimeout().toNanos()) {
      stop(EndReason.IDLE);
    }
  }

  /**
   * Kills the sandbox's init first: the kernel then kills the rest of its pid namespace and bwrap
   * reaps it and exits (as for runs, see RunProcess); bwrap itself goes a second later if still there.
   */
  private void killAll() {
    List<ProcessHandle> tree = process.descendants().toList();
    tree.forEach(ProcessHandle::destroyForcibly);
    if (tree.isEmpty()) {
      process.destroyForcibly();
      return;
    }
    try {
      timers.schedule(() -> {
        if (process.isAlive()) {
          process.destroyForcibly();
        }
      }, 1, TimeUnit.SECONDS);
    } catch (RejectedExecutionException shuttingDown) {
      process.destroyForcibly();
    }
  }

  /** How many bytes at the start of {@code b} are whole UTF-8 characters (the rest waits for more). */
  static int completeUtf8(byte[] b) {
    int n = b.length;
    for (int back = 1; back <= Math.min(3, n); back++) {
      int v = b[n - back] & 0xff;
      if ((v & 0xc0) == 0x80) {
        continue; // a continuation byte: look further back for its lead
      }
      int need = v >= 0xf0 ? 4 : v >= 0xe0 ? 3 : v >= 0xc0 ? 2 : 1;
      return need > back ? n - back : n;
    }
    return n;
  }

  private static byte[] concat(byte[] a, byte[] b, int bLength) {
    byte[] all = Arrays.copyOf(a, a.length + bLength);
    System.arraycopy(b, 0, all, a.length, bLength);
    return all;
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }
}
