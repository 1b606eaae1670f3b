package dev.ensemble.runs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Builds the command line that runs user code inside bubblewrap: new user, pid, ipc, uts, cgroup and
 * (unless allowed) network namespaces; a read-only system; a tmpfs /etc holding only the files
 * programs need (never shadow, ssh keys or TLS private keys); the working copy at {@value #WORKSPACE}
 * as the only writable bind; a private size-capped /tmp; rlimits applied by {@code prlimit} inside.
 * When the server is root, bwrap itself is started as the sandbox uid so that RLIMIT_NPROC applies
 * and nothing in the sandbox holds a privileged uid on the host. A seccomp filter
 * ({@link SeccompFilter}) refuses the system calls user code has no business making.
 */
public final class RunSandbox {
  /** Where the working copy appears inside the sandbox. */
  public static final String WORKSPACE = "/workspace";

  private static final List<String> ETC_ALLOWED =
      List.of(
          "alternatives", "ssl/certs", "ca-certificates", "ca-certificates.conf", "ld.so.cache",
          "ld.so.conf", "ld.so.conf.d", "localtime", "timezone", "nsswitch.conf", "protocols",
          "services", "mime.types", "os-release", "debian_version", "bash.bashrc", "profile",
          "inputrc", "terminfo", "host.conf", "gai.conf", "magic", "magic.mime", "maven");
  private static final List<String> ETC_ALLOWED_PREFIXES = List.of("java-", "python3");
  private static final List<String> SYSTEM_DIRS = List.of("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32");

  /** The descriptor bubblewrap reads the seccomp program from. */
  private static final int SECCOMP_FD = 9;

  private final SandboxSupport support;
  private final int sandboxUid;
  private final boolean unsandboxed;
  private final Path generatedEtc;
  /** The compiled seccomp program, when this architecture has one. */
  private final Optional<Path> seccomp;
  private final SandboxNetwork network;

  private RunSandbox(SandboxSupport support, int sandboxUid, boolean unsandboxed, Path generatedEtc, Optional<Path> seccomp,
      SandboxNetwork network) {
    this.support = support;
    this.sandboxUid = sandboxUid;
    this.unsandboxed = unsandboxed;
    this.generatedEtc = generatedEtc;
    this.seccomp = seccomp;
    this.network = network;
  }

  /**
   * A sandbox for this host. Refuses (IllegalStateException) when the host cannot isolate runs,
   * unless {@code allowUnsandboxed} (ENSEMBLE_RUN_UNSAFE_UNSANDBOXED) is set.
   */
  public static RunSandbox create(SandboxSupport support, int sandboxUid, boolean allowUnsandboxed) {
    if (!support.isolated() && !allowUnsandboxed) {
      throw new IllegalStateException(
          "runs cannot be isolated on this host (" + support.description()
              + "); install bubblewrap, or set ENSEMBLE_RUN_UNSAFE_UNSANDBOXED=true for development only");
    }
    if (support.prlimit().isEmpty()) {
      throw new IllegalStateException("prlimit (util-linux) is required to limit runs");
    }
    boolean unsandboxed = !support.isolated();
    Path etc = writeEtc(sandboxUid);
    Optional<Path> seccomp = unsandboxed ? Optional.empty() : SeccompFilter.forThisMachine().map(program -> {
      try {
        Path file = etc.resolve("seccomp.bpf");
        Files.write(file, program);
        return file;
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write the seccomp program", e);
      }
    });
    return new RunSandbox(support, sandboxUid, unsandboxed, etc, seccomp, SandboxNetwork.detect(support.root()));
  }

  /** Which isolation is active, for logs and {@code /ready}, e.g. {@code bubblewrap+seccomp+rlimits}. */
  public String description() {
    if (unsandboxed) {
      return "UNSAFE unsandboxed+rlimits";
    }
    return seccomp.isPresent() ? support.description().replace("bubblewrap+", "bubblewrap+seccomp+") : support.description();
  }

  /** True when runs execute without isolation (development only). */
  public boolean unsandboxed() {
    return unsandboxed;
  }

  /** The host uid runs execute as when the server is root. */
  public int sandboxUid() {
    return sandboxUid;
  }

  /**
   * Makes a working copy writable by the sandbox: when the server runs as root the tree is handed
   * to the sandbox uid (its parents must be traversable by that uid).
   */
  public void grantWorkspace(Path dir) {
    if (!support.root() || unsandboxed) {
      return;
    }
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) all::iterator) {
        Files.setAttribute(p, "unix:uid", sandboxUid, LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(p, "unix:gid", sandboxUid, LinkOption.NOFOLLOW_LINKS);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot hand " + dir + " to the sandbox uid", e);
    }
  }

  /** How runs get network access when their project allows it. */
  public SandboxNetwork network() {
    return network;
  }


  /** The prefix that starts a program as the sandbox uid when the server is root. */
  private List<String> asSandboxUser() {
    if (!support.root()) {
      return List.of();
    }
    String uid = Integer.toString(sandboxUid);
    return List.of(support.setpriv().orElseThrow().toString(), "--reuid", uid, "--regid", uid, "--clear-groups", "--");
  }

  /** True when a run with network access can be started here. */
  public boolean networkAvailable() {
    return !unsandboxed && network.available();
  }

  /** The full command line for a run without network access. */
  public List<String> command(RunRequest run, RunLimits limits) {
    if (run.allowNetwork()) {
      throw new IllegalStateException("a run with network access needs its plumbing: see SandboxNetwork");
    }
    return command(run, limits, Optional.empty());
  }

  /**
   * The full command line for a run; with {@code plumbing} (network allowed) bubblewrap waits until
   * {@link SandboxNetwork#attach} has connected its network namespace.
   */
  public List<String> command(RunRequest run, RunLimits limits, Optional<SandboxNetwork.Plumbing> plumbing) {
    return command(run, limits, plumbing, List.of("/bin/sh", "-c", run.command()));
  }

  /**
   * The full command line that starts {@code program} (absolute path and arguments) in the run's
   * sandbox with its limits and without network access; the shared terminal starts its shell
   * this way.
   */
  public List<String> command(RunRequest run, RunLimits limits, List<String> program) {
    if (run.allowNetwork()) {
      throw new IllegalStateException("a program with network access needs its plumbing: see SandboxNetwork");
    }
    return command(run, limits, Optional.empty(), program);
  }

  private List<String> command(
      RunRequest run, RunLimits limits, Optional<SandboxNetwork.Plumbing> plumbing, List<String> program) {
    List<String> cmd = new ArrayList<>();
    List<String> redirections = new ArrayList<>();
    // bubblewrap reads the filter and the network plumbing from descriptors: a tiny sh opens
    // them for the chain (setpriv passes them on)
    seccomp.ifPresent(f -> redirections.add(SECCOMP_FD + "<'" + f + "'"));
    plumbing.ifPresent(p -> redirections.add(p.redirections()));
    if (!unsandboxed && !redirections.isEmpty()) {
      String script = "exec \"$@\" " + String.join(" ", redirections);
      if (script.chars().filter(c -> c == '\'').count() % 2 != 0) {
        throw new IllegalStateException("unexpected quote in a sandbox file path");
      }
      cmd.addAll(List.of("/bin/sh", "-c", script, "sandbox"));
    }
    if (!unsandboxed) {
      cmd.addAll(asSandboxUser());
      cmd.addAll(bubblewrap(run, limits, plumbing));
    }
    if (limits.niceness() > 0) {
      cmd.addAll(List.of("/usr/bin/nice", "-n", Integer.toString(limits.niceness())));
    }
    cmd.add(support.prlimit().orElseThrow().toString());
    cmd.add("--data=" + limits.memoryBytes());
    cmd.add("--cpu=" + limits.cpuSeconds());
    cmd.add("--nofile=" + limits.openFiles());
    cmd.add("--fsize=" + limits.diskBytes());
    cmd.add("--core=0");
    // Without a user namespace RLIMIT_NPROC would count every process of the server's uid.
    if (!unsandboxed) {
      cmd.add("--nproc=" + limits.maxProcesses());
    }
    cmd.add("--");
    cmd.addAll(program);
    return cmd;
  }

  /** The whole environment the run starts with (nothing is inherited from the server). */
  public Map<String, String> environment(RunRequest run) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("PATH", "/usr/local/bin:/usr/bin:/bin");
    env.put("HOME", unsandboxed ? run.workspace().toString() : WORKSPACE);
    env.put("TMPDIR", "/tmp");
    env.put("LANG", "C.UTF-8");
    env.put("TERM", "xterm-256color");
    env.put("USER", "sandbox");
    env.putAll(run.environment());
    return env;
  }

  /** The directory the process starts in, on the host side. */
  public Path hostDirectory(RunRequest run) {
    return unsandboxed ? run.workspace() : Path.of("/");
  }

  private List<String> bubblewrap(RunRequest run, RunLimits limits, Optional<SandboxNetwork.Plumbing> plumbing) {
    String uid = Integer.toString(sandboxUid);
    List<String> a = new ArrayList<>();
    a.add(support.bubblewrap().orElseThrow().toString());
    seccomp.ifPresent(f -> a.addAll(List.of("--seccomp", Integer.toString(SECCOMP_FD))));
    a.addAll(List.of("--die-with-parent", "--new-session", "--unshare-user", "--disable-userns",
        "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
        "--uid", uid, "--gid", uid, "--hostname", "ensemble"));
    // always a network namespace of its own; with network allowed slirp4netns connects it
    a.add("--unshare-net");
    plumbing.ifPresent(p -> a.addAll(p.bubblewrapArguments()));
    a.addAll(List.of("--ro-bind", "/usr", "/usr"));
    for (String dir : SYSTEM_DIRS) {
      Path p = Path.of(dir);
      try {
        if (Files.isSymbolicLink(p)) {
          a.addAll(List.of("--symlink", Files.readSymbolicLink(p).toString(), dir));
        } else if (Files.isDirectory(p)) {
          a.addAll(List.of("--ro-bind", dir, dir));
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    a.addAll(List.of("--tmpfs", "/etc"));
    for (String name : etcEntries()) {
      a.addAll(List.of("--ro-bind", "/etc/" + name, "/etc/" + name));
    }
    for (String name : List.of("passwd", "group", "hosts", "hostname")) {
      a.addAll(List.of("--ro-bind", generatedEtc.resolve(name).toString(), "/etc/" + name));
    }
    if (plumbing.isPresent()) {
      a.addAll(List.of("--ro-bind", generatedEtc.resolve("resolv.conf").toString(), "/etc/resolv.conf"));
    }
    a.addAll(List.of("--remount-ro", "/etc"));
    a.addAll(List.of("--proc", "/proc", "--dev", "/dev"));
    a.addAll(List.of("--size", Long.toString(Math.min(limits.diskBytes(), 64L << 20)), "--tmpfs", "/dev/shm"));
    a.addAll(List.of("--remount-ro", "/dev"));
    a.addAll(List.of("--size", Long.toString(limits.diskBytes()), "--tmpfs", "/tmp"));
    a.addAll(List.of("--bind", run.workspace().toString(), WORKSPACE, "--chdir", WORKSPACE));
    // bwrap's root is a writable tmpfs: make it read-only so it cannot be filled.
    a.addAll(List.of("--remount-ro", "/"));
    a.add("--");
    return a;
  }

  private static List<String> etcEntries() {
    List<String> names = new ArrayList<>();
    for (String name : ETC_ALLOWED) {
      if (Files.exists(Path.of("/etc", name))) {
        names.add(name);
      }
    }
    try (Stream<Path> etc = Files.list(Path.of("/etc"))) {
      etc.map(p -> p.getFileName().toString())
          .filter(n -> ETC_ALLOWED_PREFIXES.stream().anyMatch(n::startsWith))
          .sorted()
          .forEach(names::add);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return names;
  }

  /** passwd, group, hosts and hostname naming only the sandbox's own user and host. */
  private static Path writeEtc(int uid) {
    try {
      Path dir = Files.createTempDirectory("ensemble-sandbox-etc");
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
      Files.writeString(dir.resolve("passwd"),
          "root:x:0:0:root:/root:/usr/sbin/nologin\n"
              + "sandbox:x:" + uid + ":" + uid + ":sandbox:" + WORKSPACE + ":/bin/sh\n"
              + "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n");
      Files.writeString(dir.resolve("group"), "root:x:0:\nsandbox:x:" + uid + ":\nnogroup:x:65534:\n");
      Files.writeString(dir.resolve("hosts"), "127.0.0.1 localhost ensemble\n::1 localhost\n");
      Files.writeString(dir.resolve("hostname"), "ensemble\n");
      Files.writeString(dir.resolve("resolv.conf"), "nameserver " + SandboxNetwork.DNS + "\n");
      for (String f : List.of("passwd", "group", "hosts", "hostname", "resolv.conf")) {
        Files.setPosixFilePermissions(dir.resolve(f), PosixFilePermissions.fromString("rw-r--r--"));
      }
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the sandbox's /etc files", e);
    }
  }
}
