package dev.ensemble.terminal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The pseudo-terminal adapter with a real bash as the session leader on its slave side. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PtyTest {
  private Pty pty;
  private Process shell;
  private final StringBuilder seen = new StringBuilder();

  @BeforeEach
  void startShell() throws IOException {
    pty = Pty.open(new Pty.Size(80, 24));
    shell = pty.start(
        List.of("/usr/bin/setsid", "--wait", "--ctty", "/bin/bash", "--norc", "--noprofile", "-i"),
        Map.of("PATH", "/usr/bin:/bin", "TERM", "dumb", "PS1", "$ "),
        Path.of("/"));
  }

  @AfterEach
  void stop() {
    shell.destroyForcibly();
    pty.close();
  }

  @Test
  void typedCommandsRunAndTheirOutputComesBack() throws Exception {
    assertTrue(pty.slavePath().startsWith("/dev/pts/"), pty.slavePath());
    type("echo hi-$((40+2))\n");
    awaitOutput("hi-42");
    type("tty; test -t 0 && echo stdin-is-a-terminal\n");
    awaitOutput("stdin-is-a-terminal");
  }

  @Test
  void resizingChangesWhatProgramsSee() throws Exception {
    type("stty size\n");
    awaitOutput("24 80");
    pty.resize(new Pty.Size(132, 40));
    assertEquals(new Pty.Size(132, 40), pty.size());
    type("stty size\n");
    awaitOutput("40 132");
  }

  @Test
  void controlCInterruptsTheForegroundJobOnly() throws Exception {
    type("sleep 30; echo sleep-finished\n");
    Thread.sleep(300);
    type("\u0003");
    type("echo still-here\n");
    awaitOutput("still-here");
    assertTrue(!seen.toString().contains("\nsleep-finished\r\n"), seen.toString());
    assertTrue(shell.isAlive(), "the shell survives Ctrl-C");
  }

  @Test
  void exitEndsTheSessionAndReadsReportTheEnd() throws Exception {
    type("exit 7\n");
    assertTrue(shell.waitFor(10, TimeUnit.SECONDS), "the shell exits");
    assertEquals(7, shell.exitValue());
    byte[] buf = new byte[4096];
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    int n;
    while ((n = pty.read(buf, 200)) >= 0) {
      assertTrue(System.nanoTime() < deadline, "the end of the terminal is reported");
    }
    assertEquals(-1, n);
  }

  private void type(String text) throws IOException {
    pty.write(text.getBytes(StandardCharsets.UTF_8));
  }

  /** Reads until {@code marker} appears on a line of output (not only in the echo of the input). */
  private void awaitOutput(String marker) throws IOException {
    byte[] buf = new byte[4096];
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!seen.toString().contains("\n" + marker + "\r\n")) {
      assertTrue(System.nanoTime() < deadline, "output '" + marker + "' within 20 s; saw: " + seen);
      int n = pty.read(buf, 200);
      assertTrue(n >= 0, "terminal ended early; saw: " + seen);
      seen.append(new String(buf, 0, n, StandardCharsets.UTF_8));
    }
  }
}
