package dev.ensemble.terminal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ensemble.runs.RunLimits;
import dev.ensemble.runs.RunRequest;
import dev.ensemble.runs.RunSandbox;
import dev.ensemble.runs.SandboxSupport;
import dev.ensemble.support.HostSandbox;
import dev.ensemble.support.TempDirs;
import dev.ensemble.terminal.TerminalState.EndReason;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** One terminal session in the real sandbox: its limits end it, and ending it leaves nothing behind. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TerminalSessionTest {
  private static RunSandbox sandbox;
  private static final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor();

  @BeforeAll
  static void detect() {
    SandboxSupport support = HostSandbox.require();
    sandbox = RunSandbox.create(support, 61000, false);
  }

  @AfterAll
  static void stopTimers() {
    timers.shutdownNow();
  }

  @Test
  void typedInputRunsInTheSandboxAndExitEndsTheSessionWithItsCode() throws Exception {
    Started t = start(settings(Duration.ofMinutes(5), Duration.ofMinutes(5)));
    t.session.input("echo $((6*7)); id -u\r".getBytes(StandardCharsets.UTF_8));
    t.awaitText("42\n61000\n");
    t.session.input("exit 5\r".getBytes(StandardCharsets.UTF_8));
    TerminalState end = t.end.get(20, TimeUnit.SECONDS);
    assertEquals(EndReason.EXITED, end.endReason().orElseThrow());
    assertEquals(5, end.exitCode().orElseThrow());
    assertEquals("not_open", assertThrows(TerminalException.class, () -> t.session.input(new byte[] {'x'})).code());
  }

  @Test
  void anIdleTerminalIsClosedAndItsBackgroundJobsDie() throws Exception {
    Started t = start(settings(Duration.ofSeconds(2), Duration.ofMinutes(5)));
    String marker = "idle" + UUID.randomUUID().toString().substring(0, 8);
    t.session.input(("(exec -a " + marker + " sleep 600) & disown; echo started\r").getBytes(StandardCharsets.UTF_8));
    t.awaitText("started\n");
    assertTrue(!processesMatching(marker).isEmpty(), "the background job runs");
    TerminalState end = t.end.get(30, TimeUnit.SECONDS);
    assertEquals(EndReason.IDLE, end.endReason().orElseThrow());
    assertTrue(end.exitCode().isEmpty());
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!processesMatching(marker).isEmpty()) {
      assertTrue(System.nanoTime() < deadline, "the background job outlived its terminal");
      Thread.sleep(100);
    }
  }

  @Test
  void aBusyTerminalStillEndsAtItsLifetime() throws Exception {
    Started t = start(settings(Duration.ofMinutes(5), Duration.ofSeconds(3)));
    t.session.input("while true; do echo tick; sleep 0.2; done\r".getBytes(StandardCharsets.UTF_8));
    TerminalState end = t.end.get(30, TimeUnit.SECONDS);
    assertEquals(EndReason.LIFETIME, end.endReason().orElseThrow());
  }

  @Test
  void inputOverItsSizeOrRateIsRefused() throws Exception {
    TerminalSettings limits = new TerminalSettings(Duration.ofMinutes(5), Duration.ofMinutes(5), 64 * 1024, 4, 1024, 2048);
    Started t = start(limits);
    assertEquals("input_too_large", assertThrows(TerminalException.class, () -> t.session.input(new byte[1025])).code());
    byte[] kib = ": ".concat("x".repeat(1020)).concat("\r").getBytes(StandardCharsets.UTF_8);
    t.session.input(kib);
    t.session.input(kib);
    assertEquals("input_rate", assertThrows(TerminalException.class, () -> t.session.input(kib)).code());
    t.session.stop(EndReason.CLOSED);
    assertEquals(EndReason.CLOSED, t.end.get(20, TimeUnit.SECONDS).endReason().orElseThrow());
  }

  @Test
  void outputSplitInsideACharacterIsKeptWhole() {
    byte[] euro = "a€".getBytes(StandardCharsets.UTF_8); // 61 e2 82 ac
    assertEquals(1, TerminalSession.completeUtf8(java.util.Arrays.copyOf(euro, 2)));
    assertEquals(1, TerminalSession.completeUtf8(java.util.Arrays.copyOf(euro, 3)));
    assertEquals(4, TerminalSession.completeUtf8(euro));
    assertEquals(2, TerminalSession.completeUtf8("ab".getBytes(StandardCharsets.UTF_8)));
  }

  private static TerminalSettings settings(Duration idle, Duration lifetime) {
    return new TerminalSettings(idle, lifetime, 64 * 1024, 4, 4096, 65536);
  }

  /** A session with a subscriber that collects its output and end. */
  private static final class Started implements TerminalSubscriber {
    final CompletableFuture<TerminalState> end = new CompletableFuture<>();
    TerminalSession session;

    @Override
    public void onOutput(long seq) {}

    @Override
    public void onEnd(TerminalState state) {
      end.complete(state);
    }

    String text() {
      StringBuilder s = new StringBuilder();
      session.chunksAfter(0, Integer.MAX_VALUE).forEach(c -> s.append(c.data()));
      return s.toString();
    }

    /** Waits until whole lines of output read {@code lines} (escape sequences and CRs aside). */
    void awaitText(String lines) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (!TerminalLiveTest.plain(text()).contains("\n" + lines)) {
        assertTrue(System.nanoTime() < deadline, "output '" + lines + "' within 20 s; saw: " + text().replace("\r", "\\r").replace("\n", "\\n").replace("\u001b", "ESC"));
        Thread.sleep(50);
      }
    }
  }

  private static Started start(TerminalSettings settings) throws Exception {
    Path ws = TempDirs.create("ensemble-terminal-ws");
    sandbox.grantWorkspace(ws);
    RunRequest request = new RunRequest(UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID(), "bash -i", ws, Map.of(),
        false);
    RunLimits limits = RunLimits.defaults().withMaxProcesses(64);
    List<String> command = sandbox.command(request, limits,
        List.of("/usr/bin/setsid", "--wait", "--ctty", "/bin/bash", "-i"));
    Started t = new Started();
    t.session = TerminalSession.start(new TerminalSession.Owner(request.projectId(), request.userId(), "tester"),
        new Pty.Size(80, 24), command, sandbox.environment(request), sandbox.hostDirectory(request), settings,
        Duration.ofSeconds(1), timers, state -> {});
    t.session.subscribe(t);
    return t;
  }

  private static List<String> processesMatching(String marker) throws Exception {
    Process p = new ProcessBuilder("pgrep", "-af", marker).redirectErrorStream(true).start();
    List<String> lines = new String(p.getInputStream().readAllBytes()).lines().filter(l -> !l.contains("pgrep")).toList();
    p.waitFor(10, TimeUnit.SECONDS);
    return lines;
  }
}
