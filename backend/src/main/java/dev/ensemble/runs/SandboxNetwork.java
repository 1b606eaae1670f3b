package dev.ensemble.runs;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Network access for runs of projects whose owner allowed it. The sandbox still gets its own network
 * namespace; slirp4netns (Debian package {@code slirp4netns}) joins it to the outside through a
 * user-mode NAT, so programs can reach other hosts while the server's loopback (PostgreSQL, Redis,
 * Ensemble itself on 127.0.0.1) stays out of reach ({@code --disable-host-loopback}).
 *
 * <p>How a run is wired: bubblewrap writes its child's pid to an info file ({@code --info-fd}) and
 * waits on a FIFO ({@code --block-fd}) before running anything; {@link #attach} reads the pid, starts
 * slirp4netns on that namespace, waits until it has configured {@code tap0} (address 10.0.2.100,
 * DNS 10.0.2.3) and only then lets the sandbox go, so user code never starts without its network.
 */
public final class SandboxNetwork {
  /** slirp4netns's built-in DNS forwarder, written to the sandbox's resolv.conf. */
  public static final String DNS = "10.0.2.3";
  static final int INFO_FD = 3;
  static final int BLOCK_FD = 4;
  private static final int READY_FD = 5;

  private final Optional<Path> slirp;
  private final boolean root;
  private final Path stateDir;

  private SandboxNetwork(Optional<Path> slirp, boolean root, Path stateDir) {
    this.slirp = slirp;
    this.root = root;
    this.stateDir = stateDir;
  }

  /**
   * Looks for slirp4netns; per-run files go to a private directory only the server can read.
   *
   * @param root whether the server runs as root, which entering a sandbox's network namespace needs
   */
  static SandboxNetwork detect(boolean root) {
    Path binary = Path.of("/usr/bin/slirp4netns");
    try {
      Path dir = Files.createTempDirectory("ensemble-sandbox-net", PosixFilePermissions.asFileAttribute(
          PosixFilePermissions.fromString("rwx------")));
      return new SandboxNetwork(Files.isExecutable(binary) ? Optional.of(binary) : Optional.empty(), root, dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the sandbox network directory", e);
    }
  }

  public boolean available() {
    return slirp.isPresent() && root;
  }

  /** Why network access cannot be given on this host, for the API and logs. */
  public String unavailableReason() {
    return slirp.isEmpty()
        ? "slirp4netns is not installed on the server (Debian package slirp4netns)"
        : "the server does not run as root, which connecting a sandbox's network needs";
  }

  /** The files that connect one run's bubblewrap to {@link #attach}. */
  public record Plumbing(Path dir) {
    Path info() {
      return dir.resolve("info.json");
    }

    Path block() {
      return dir.resolve("block.fifo");
    }

    Path ready() {
      return dir.resolve("ready");
    }

    /** Shell redirections opening the descriptors bubblewrap is told about. */
    String redirections() {
      // 4<> opens the FIFO without waiting for a writer; bubblewrap then blocks reading it.
      return INFO_FD + ">'" + info() + "' " + BLOCK_FD + "<>'" + block() + "'";
    }

    List<String> bubblewrapArguments() {
      return List.of("--info-fd", Integer.toString(INFO_FD), "--block-fd", Integer.toString(BLOCK_FD));
    }
  }

  /** Creates a run's files (the FIFO through mkfifo). Blocking. */
  Plumbing prepare(UUID runId) throws IOException, InterruptedException {
    if (slirp.isEmpty()) {
      throw new IllegalStateException(unavailableReason());
    }
    Path dir = Files.createDirectory(stateDir.resolve(runId.toString()));
    Plumbing p = new Plumbing(dir);
    Process mkfifo = new ProcessBuilder("mkfifo", "-m", "600", p.block().toString()).redirectErrorStream(true).start();
    if (!mkfifo.waitFor(10, TimeUnit.SECONDS) || mkfifo.exitValue() != 0) {
      mkfifo.destroyForcibly();
      throw new IOException("mkfifo failed: " + new String(mkfifo.getInputStream().readAllBytes()));
    }
    return p;
  }

  /** A connected run: closing it stops slirp4netns and removes the run's files. */
  public record Attached(Process slirp, Path dir) implements AutoCloseable {
    @Override
    public void close() {
      slirp.destroy();
      try {
        if (!slirp.waitFor(2, TimeUnit.SECONDS)) {
          slirp.destroyForcibly();
        }
      } catch (InterruptedException e) {
        slirp.destroyForcibly();
        Thread.currentThread().interrupt();
      }
      discard(dir);
    }
  }

  /**
   * After bubblewrap started: waits for its child's pid, starts slirp4netns on that network
   * namespace, waits until the interface is configured, then releases the sandbox. Blocking. On
   * failure nothing is left running but the (still blocked) sandbox, which the caller kills.
   */
  Attached attach(Plumbing p, Duration timeout) throws IOException, InterruptedException, TimeoutException {
    long deadline = System.nanoTime() + timeout.toNanos();
    long pid = childPid(p, deadline);
    String script = "exec \"$@\" " + READY_FD + ">'" + p.ready() + "'";
    // The namespace by path: slirp4netns then enters the network namespace directly (the server is
    // root) instead of the sandbox's inner user namespace, which does not own it. Once set up it
    // confines itself (--enable-sandbox: empty root, capabilities dropped; --enable-seccomp).
    List<String> command = List.of("/bin/sh", "-c", script, "slirp4netns",
        slirp.orElseThrow().toString(), "--configure", "--mtu=65520", "--disable-host-loopback",
        "--enable-sandbox", "--enable-seccomp", "--ready-fd=" + READY_FD,
        "--netns-type=path", "/proc/" + pid + "/ns/net", "tap0");
    Process process = new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(p.dir().resolve("slirp.log").toFile())
        .start();
    Attached attached = new Attached(process, p.dir());
    try {
      while (!readyWritten(p)) {
        if (!process.isAlive()) {
          throw new IOException("slirp4netns exited: " + Files.readString(p.dir().resolve("slirp.log")).strip());
        }
        waitABit(deadline, "slirp4netns to configure the sandbox's network");
      }
      try (OutputStream release = Files.newOutputStream(p.block())) {
        release.write('1');
      }
      return attached;
    } catch (IOException | InterruptedException | TimeoutException | RuntimeException e) {
      attached.close();
      throw e;
    }
  }

  /** Removes a run's files when it never got as far as {@link #attach}. */
  static void discard(Path dir) {
    try (var files = Files.list(dir)) {
      for (Path f : files.toList()) {
        Files.deleteIfExists(f);
      }
      Files.deleteIfExists(dir);
    } catch (IOException e) {
      // a temporary directory: left for the OS to clean
    }
  }

  private static long childPid(Plumbing p, long deadline) throws IOException, InterruptedException, TimeoutException {
    while (true) {
      String text = Files.exists(p.info()) ? Files.readString(p.info()) : "";
      int end = text.indexOf('}');
      if (end > 0) {
        try {
          return new JsonObject(text.substring(0, end + 1)).getLong("child-pid");
        } catch (RuntimeException partial) {
          // not complete yet
        }
      }
      waitABit(deadline, "the sandbox to report its process id");
    }
  }

  private static boolean readyWritten(Plumbing p) throws IOException {
    return Files.exists(p.ready()) && Files.size(p.ready()) > 0;
  }

  private static void waitABit(long deadline, String what) throws InterruptedException, TimeoutException {
    if (System.nanoTime() > deadline) {
      throw new TimeoutException("timed out waiting for " + what);
    }
    Thread.sleep(5);
  }
}
