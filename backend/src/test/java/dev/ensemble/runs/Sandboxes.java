package dev.ensemble.runs;

import dev.ensemble.support.HostSandbox;
import dev.ensemble.support.TempDirs;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** The real sandbox of this host, and helpers to run commands in it and watch their output. */
final class Sandboxes {
  static final int UID = HostSandbox.UID;

  private Sandboxes() {}

  /** The host's sandbox; skips or fails the calling test without one (see {@link HostSandbox}). */
  static SandboxSupport support() {
    return HostSandbox.require();
  }

  /**
   * Skips the calling test when runs cannot get network access here (slirp4netns not installed),
   * unless ENSEMBLE_REQUIRE_SANDBOX is true (CI installs it).
   */
  static void requireNetwork(RunSandbox sandbox) {
    if (!sandbox.networkAvailable()) {
      String why = "runs cannot have network access here: " + sandbox.network().unavailableReason();
      if ("true".equalsIgnoreCase(System.getenv("ENSEMBLE_REQUIRE_SANDBOX"))) {
        throw new AssertionError("ENSEMBLE_REQUIRE_SANDBOX=true but " + why);
      }
      org.junit.jupiter.api.Assumptions.abort(why);
    }
  }

  /** An IPv4 address of this host other than loopback (the test skips without one). */
  static java.net.InetAddress nonLoopbackAddress() throws java.net.SocketException {
    for (java.net.NetworkInterface nic : java.util.Collections.list(java.net.NetworkInterface.getNetworkInterfaces())) {
      if (!nic.isUp() || nic.isLoopback()) {
        continue;
      }
      for (java.net.InetAddress a : java.util.Collections.list(nic.getInetAddresses())) {
        if (a instanceof java.net.Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress()) {
          return a;
        }
      }
    }
    org.junit.jupiter.api.Assumptions.abort("this host has no non-loopback IPv4 address to connect to");
    throw new IllegalStateException();
  }

  static RunSandbox sandbox() {
    return RunSandbox.create(support(), UID, false);
  }

  /** Quick limits for tests: short wall time and grace. */
  static RunLimits limits() {
    return RunLimits.defaults().withWallTime(Duration.ofSeconds(20))
        .withMemoryBytes(512L << 20).withMaxProcesses(128)
        .withOutputBytes(4L << 20);
  }

  /** A working copy the sandbox may write. */
  static Path workspace(RunSandbox sandbox) {
    Path dir = TempDirs.create("ensemble-run-ws");
    sandbox.grantWorkspace(dir);
    return dir;
  }

  /** Records everything a viewer receives. */
  static final class Viewer implements RunSubscriber {
    final List<RunChunk> chunks = new ArrayList<>();
    final CompletableFuture<RunResult> end = new CompletableFuture<>();

    @Override
    public synchronized void onChunk(RunChunk chunk) {
      chunks.add(chunk);
    }

    @Override
    public void onEnd(RunResult result) {
      end.complete(result);
    }

    synchronized List<RunChunk> chunks() {
      return List.copyOf(chunks);
    }

    synchronized String text(RunChunk.Stream stream) {
      StringBuilder s = new StringBuilder();
      for (RunChunk c : chunks) {
        if (c.stream() == stream) {
          s.append(c.text());
        }
      }
      return s.toString();
    }

    synchronized String all() {
      StringBuilder s = new StringBuilder();
      chunks.forEach(c -> s.append(c.text()));
      return s.toString();
    }

    RunResult await() throws Exception {
      return end.get(60, TimeUnit.SECONDS);
    }
  }

  /** Runs a command to its end and returns what a viewer saw. */
  static Viewer run(RunSupervisor supervisor, Path workspace, String command) throws Exception {
    return run(supervisor, RunRequest.of(UUID.randomUUID(), UUID.randomUUID(), command, workspace), limits());
  }

  static Viewer run(RunSupervisor supervisor, RunRequest request, RunLimits limits) throws Exception {
    Viewer v = new Viewer();
    Run run = supervisor.submit(request, limits);
    run.log().subscribe(0, v);
    v.await();
    return v;
  }

  /** Host processes whose command line contains {@code marker}. */
  static List<String> processesMatching(String marker) throws IOException, InterruptedException {
    Process p = new ProcessBuilder("pgrep", "-af", marker).redirectErrorStream(true).start();
    List<String> lines = new String(p.getInputStream().readAllBytes()).lines().toList();
    p.waitFor(10, TimeUnit.SECONDS);
    return lines;
  }
}
