package dev.ensemble.runs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ensemble.support.TempDirs;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Hostile programs, each contained with a clear status. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SandboxEscapeTest {
  static RunSandbox sandbox;
  static RunSupervisor supervisor;

  @BeforeAll
  static void start() {
    sandbox = Sandboxes.sandbox();
    supervisor = new RunSupervisor(sandbox, Sandboxes.limits(), new RunQueue(8, 8, 8, 100));
  }

  @AfterAll
  static void stop() {
    supervisor.close();
  }

  @Test
  void writingOutsideTheProjectFailsWhileTheProjectIsWritable() throws Exception {
    Path ws = Sandboxes.workspace(sandbox);
    Path outside = TempDirs.create("ensemble-outside");
    // Writable by anyone on the host, so only the sandbox can stop the write.
    Files.setPosixFilePermissions(outside, PosixFilePermissions.fromString("rwxrwxrwx"));
    String script = "for f in " + outside + "/escaped /usr/escaped /etc/escaped /escaped /dev/escaped; do"
        + " if echo x > $f; then echo WROTE $f; fi; done; echo ok > inside; cat inside";
    Sandboxes.Viewer v = Sandboxes.run(supervisor, ws, script);
    assertEquals(RunStatus.SUCCEEDED, v.await().status(), v.all());
    assertFalse(v.all().contains("WROTE"), v.all());
    assertFalse(Files.exists(outside.resolve("escaped")));
    assertEquals("ok\n", Files.readString(ws.resolve("inside")));
  }

  @Test
  void etcShadowAndTheServerDataDirectoryAreNotVisible() throws Exception {
    Path ws = Sandboxes.workspace(sandbox);
    Path dataDir = TempDirs.create("ensemble-data");
    Files.writeString(dataDir.resolve("secret"), "server-secret");
    Files.setPosixFilePermissions(dataDir.resolve("secret"), PosixFilePermissions.fromString("rw-r--r--"));
    Sandboxes.Viewer v = Sandboxes.run(supervisor, ws,
        "cat /etc/shadow; cat " + dataDir + "/secret; ls " + dataDir.getParent() + "; ls /etc; exit 0");
    assertEquals(RunStatus.SUCCEEDED, v.await().status());
    assertFalse(v.all().contains("root:"), v.all());
    assertFalse(v.all().contains("server-secret"), v.all());
    assertFalse(v.text(RunChunk.Stream.STDOUT).contains("shadow"), v.all());
    assertFalse(v.text(RunChunk.Stream.STDOUT).contains(dataDir.getFileName().toString()), v.all());
  }

  @Test
  void socketsToTheHostAndTheInternetFailUnlessNetworkIsAllowed() throws Exception {
    Path ws = Sandboxes.workspace(sandbox);
    try (ServerSocket listener = new ServerSocket(0, 10, InetAddress.getByName("127.0.0.1"))) {
      listener.setSoTimeout(300);
      String probe = "import socket,sys\n"
          + "for host, port in [('127.0.0.1', " + listener.getLocalPort() + "), ('127.0.0.1', 5432), ('1.1.1.1', 53)]:\n"
          + "    try:\n        socket.create_connection((host, port), timeout=3); print('CONNECTED', host)\n"
          + "    except OSError as e:\n        print('refused', host, e)\n";
      Files.writeString(ws.resolve("probe.py"), probe);
      Sandboxes.Viewer v = Sandboxes.run(supervisor, ws, "python3 probe.py");
      assertEquals(RunStatus.SUCCEEDED, v.await().status(), v.all());
      assertFalse(v.all().contains("CONNECTED"), v.all());
      assertTrue(v.all().contains("refused 127.0.0.1"), v.all());
      assertTrue(v.all().contains("refused 1.1.1.1"), v.all());
      assertNoConnection(listener);

    }
  }

  @Test
  void withNetworkAllowedARunReachesOtherHostsButNeverTheServersLoopback() throws Exception {
    Sandboxes.requireNetwork(sandbox);
    InetAddress outside = Sandboxes.nonLoopbackAddress();
    Path ws = Sandboxes.workspace(sandbox);
    try (ServerSocket loopback = new ServerSocket(0, 10, InetAddress.getByName("127.0.0.1"));
        ServerSocket external = new ServerSocket(0, 10, outside)) {
      loopback.setSoTimeout(300);
      String probe = "import socket\n"
          + "for host, port in [('" + outside.getHostAddress() + "', " + external.getLocalPort() + "),"
          + " ('127.0.0.1', " + loopback.getLocalPort() + "), ('10.0.2.2', " + loopback.getLocalPort() + ")]:\n"
          + "    try:\n        socket.create_connection((host, port), timeout=3); print('CONNECTED', host)\n"
          + "    except OSError as e:\n        print('refused', host, e)\n"
          + "print(open('/etc/resolv.conf').read().strip())\n";
      Files.writeString(ws.resolve("probe.py"), probe);
      java.util.concurrent.CompletableFuture<Boolean> accepted = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
        try (java.net.Socket s = external.accept()) {
          return true;
        } catch (java.io.IOException e) {
          return false;
        }
      });

      Sandboxes.Viewer v = Sandboxes.run(supervisor,
          RunRequest.of(UUID.randomUUID(), UUID.randomUUID(), "python3 probe.py", ws).withNetwork(true),
          Sandboxes.limits());

      assertEquals(RunStatus.SUCCEEDED, v.await().status(), v.all());
      assertTrue(v.all().contains("CONNECTED " + outside.getHostAddress()), "another host is reachable: " + v.all());
      assertTrue(accepted.get(10, java.util.concurrent.TimeUnit.SECONDS), "the connection arrived");
      assertTrue(v.all().contains("refused 127.0.0.1"), "the sandbox's loopback is its own: " + v.all());
      // The host's loopback is out of reach: nothing arrived at the listener on 127.0.0.1 (below).
      // Whether 10.0.2.2 itself answers says nothing: on some networks it is also a real host.
      assertTrue(v.all().contains("nameserver " + SandboxNetwork.DNS), v.all());
      assertNoConnection(loopback);
    }
  }

  @Test
  void kernelFacingSystemCallsAreRefusedBySeccomp() throws Exception {
    Path ws = Sandboxes.workspace(sandbox);
    StringBuilder probe = new StringBuilder("import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\n");
    for (String call : List.of("ptrace", "keyctl", "bpf", "mount", "unshare", "perf_event_open", "userfaultfd",
        "io_uring_setup", "init_module", "process_vm_readv")) {
      probe.append("r = libc.syscall(").append(SeccompFilter.x86_64(call)).append(", 0, 0, 0, 0, 0)\n")
          .append("print('").append(call).append("', r, ctypes.get_errno())\n");
    }
    // an ordinary call still works
    probe.append("print('getpid', 1 if libc.syscall(39) > 0 else 0, 0)\n");
    Files.writeString(ws.resolve("probe.py"), probe.toString());
    org.junit.jupiter.api.Assumptions.assumeTrue(System.getProperty("os.arch").matches("amd64|x86_64"),
        "the probe uses x86_64 syscall numbers");
    assertTrue(sandbox.description().contains("seccomp"), sandbox.description());

    Sandboxes.Viewer v = Sandboxes.run(supervisor, ws, "python3 probe.py");

    assertEquals(RunStatus.SUCCEEDED, v.await().status(), v.all());
    for (String line : v.text(RunChunk.Stream.STDOUT).strip().split("\n")) {
      String[] f = line.split(" ");
      if (f[0].equals("getpid")) {
        assertEquals("1", f[1], line);
      } else {
        assertEquals("-1 1", f[1] + " " + f[2], "refused with EPERM: " + line);
      }
    }
    assertEquals(11, v.text(RunChunk.Stream.STDOUT).strip().split("\n").length, v.all());
  }

  @Test
  void fillingTheWorkingDirectoryPastItsLimitKillsTheRun() throws Exception {
    Path ws = Sandboxes.workspace(sandbox);
    Sandboxes.Viewer v = Sandboxes.run(supervisor,
        request(ws, "for i in $(seq 1 200); do head -c 1000000 /dev/zero > f$i; sleep 0.02; done; echo all-written"),
        Sandboxes.limits().withWorkspace(8L << 20, java.time.Duration.ofMillis(100)));

    assertEquals(RunStatus.KILLED, v.await().status(), v.all());
    assertTrue(v.all().contains("ENSEMBLE_RUN_WORKSPACE_BYTES"), "the run is told why: " + v.all());
    assertFalse(v.all().contains("all-written"), v.all());
    long written;
    try (var files = Files.list(ws)) {
      written = files.filter(f -> f.getFileName().toString().matches("f[0-9]+")).count();
    }
    assertTrue(written < 50, "stopped soon after passing 8 MB, not at 200 MB: " + written + " files");
  }

  @Test
  void forkBombIsHeldAtTheProcessLimit() throws Exception {
    Path ws = Sandboxes.workspace(sandbox);
    Files.writeString(ws.resolve("bomb.py"),
        "import os, time\nn = 0\ntry:\n    while True:\n        if os.fork() == 0:\n"
            + "            time.sleep(30); os._exit(0)\n        n += 1\n"
            + "except OSError as e:\n    print('forks', n, e.errno)\n    raise SystemExit(1)\n");
    RunLimits limits = Sandboxes.limits().withMaxProcesses(64);
    Sandboxes.Viewer v = Sandboxes.run(supervisor, request(ws, "python3 bomb.py"), limits);
    RunResult r = v.await();
    assertEquals(RunStatus.FAILED, r.status(), v.all());
    int forks = Integer.parseInt(v.all().trim().split(" ")[1]);
    assertTrue(forks < 64, v.all());
    assertTrue(Sandboxes.processesMatching("bomb.py").isEmpty(), "children outlived the run");

    // The classic shell bomb churns until the wall clock stops it; the host keeps working.
    Sandboxes.Viewer classic = Sandboxes.run(supervisor, request(ws, "bash -c 'b(){ b|b& }; b; sleep 30' forkbomb1000"),
        limits.withWallTime(Duration.ofSeconds(3)));
    assertTrue(Set.of(RunStatus.TIMED_OUT, RunStatus.FAILED, RunStatus.SUCCEEDED).contains(classic.await().status()));
    assertTrue(new ProcessBuilder("true").start().waitFor(10, TimeUnit.SECONDS));
    assertTrue(Sandboxes.processesMatching("forkbomb1000").isEmpty());
  }

  @Test
  void memoryHogIsRefusedMemory() throws Exception {
    Path ws = Sandboxes.workspace(sandbox);
    RunLimits limits = Sandboxes.limits().withMemoryBytes(256L << 20);
    Sandboxes.Viewer v = Sandboxes.run(supervisor,
        request(ws, "python3 -c \"a=[]\nwhile True: a.append(bytearray(10**7))\""), limits);
    RunResult r = v.await();
    assertEquals(RunStatus.FAILED, r.status(), v.all());
    assertTrue(v.text(RunChunk.Stream.STDERR).contains("MemoryError"), v.all());
  }

  @Test
  void infiniteOutputIsTruncatedAndKilled() throws Exception {
    Path ws = Sandboxes.workspace(sandbox);
    Sandboxes.Viewer v = Sandboxes.run(supervisor, request(ws, "yes infinite"), Sandboxes.limits().withOutputBytes(65536));
    RunResult r = v.await();
    assertEquals(RunStatus.KILLED, r.status());
    assertTrue(r.truncated());
    assertEquals(65536, r.outputBytes());
    assertEquals(65536, v.all().length());
  }

  @Test
  void sleepingPastTheLimitTimesOut() throws Exception {
    Path ws = Sandboxes.workspace(sandbox);
    Sandboxes.Viewer v = Sandboxes.run(supervisor, request(ws, "sleep 1000.31"),
        Sandboxes.limits().withWallTime(Duration.ofSeconds(1)));
    RunResult r = v.await();
    assertEquals(RunStatus.TIMED_OUT, r.status());
    assertTrue(r.durationMs() >= 1000 && r.durationMs() < 10_000, "took " + r.durationMs());
    assertTrue(Sandboxes.processesMatching("sleep 1000.31").isEmpty());
  }

  @Test
  void childIgnoringSigtermDiesWithItsSandbox() throws Exception {
    Path ws = Sandboxes.workspace(sandbox);
    // The shell takes SIGTERM and exits; its child ignores it and is killed with the pid namespace.
    Sandboxes.Viewer v = Sandboxes.run(supervisor,
        request(ws, "python3 -c 'import signal,time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print(1, flush=True); time.sleep(1000.32)'; echo after"),
        Sandboxes.limits().withWallTime(Duration.ofSeconds(1)));
    RunResult r = v.await();
    assertEquals(RunStatus.TIMED_OUT, r.status());
    assertTrue(r.durationMs() < 10_000, "took " + r.durationMs());
    assertTrue(Sandboxes.processesMatching("1000.32").isEmpty());
  }

  @Test
  void mainProcessIgnoringSigtermIsKilledAfterTheGrace() throws Exception {
    Path ws = Sandboxes.workspace(sandbox);
    Sandboxes.Viewer v = Sandboxes.run(supervisor,
        request(ws, "exec python3 -c 'import signal,time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print(1, flush=True); time.sleep(1000.34)'"),
        Sandboxes.limits().withWallTime(Duration.ofSeconds(1)));
    RunResult r = v.await();
    assertEquals(RunStatus.TIMED_OUT, r.status());
    // wall time plus the two-second grace before SIGKILL
    assertTrue(r.durationMs() >= 2900 && r.durationMs() < 10_000, "took " + r.durationMs());
    assertTrue(Sandboxes.processesMatching("1000.34").isEmpty());
  }

  @Test
  void daemonDoesNotOutliveItsRun() throws Exception {
    Path ws = Sandboxes.workspace(sandbox);
    Sandboxes.Viewer v = Sandboxes.run(supervisor, ws,
        "setsid nohup sleep 1000.33 > /dev/null 2>&1 & sleep 0.3; echo detached");
    assertEquals(RunStatus.SUCCEEDED, v.await().status(), v.all());
    assertEquals("detached\n", v.all());
    Thread.sleep(200);
    assertTrue(Sandboxes.processesMatching("1000.33").isEmpty());
  }

  static RunRequest request(Path ws, String command) {
    return new RunRequest(UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID(), command, ws, Map.of(), false);
  }

  static void assertNoConnection(ServerSocket listener) throws Exception {
    try {
      listener.accept().close();
      throw new AssertionError("the sandbox reached the host's loopback");
    } catch (SocketTimeoutException expected) {
      // nothing connected
    }
  }
}
