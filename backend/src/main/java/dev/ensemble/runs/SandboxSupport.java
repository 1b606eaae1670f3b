package dev.ensemble.runs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * What this host offers for isolating runs, found once at start-up by looking for the tools and
 * trying them: bubblewrap, unprivileged user namespaces (probed by starting a real sandbox as the
 * sandbox uid), cgroups and {@code prlimit}.
 *
 * @param bubblewrap the bwrap binary, when installed
 * @param userNamespaces true when bwrap could create a user and pid namespace here
 * @param cgroupV2 true when /sys/fs/cgroup is the unified hierarchy
 * @param cgroupV1Controllers the v1 controllers mounted under /sys/fs/cgroup (empty on v2)
 * @param prlimit the prlimit binary, used to set rlimits inside the sandbox
 * @param setpriv the setpriv binary, used to drop root before bwrap starts
 * @param root true when the server runs as uid 0 (runs then use the sandbox uid)
 */
public record SandboxSupport(
    Optional<Path> bubblewrap,
    boolean userNamespaces,
    boolean cgroupV2,
    Set<String> cgroupV1Controllers,
    Optional<Path> prlimit,
    Optional<Path> setpriv,
    boolean root) {

  /** Looks at the host. Blocking (runs a probe process): call it from a worker. */
  public static SandboxSupport detect(int sandboxUid) {
    Optional<Path> bwrap = executable("/usr/bin/bwrap");
    Optional<Path> prlimit = executable("/usr/bin/prlimit");
    Optional<Path> setpriv = executable("/usr/bin/setpriv");
    boolean root = "root".equals(System.getProperty("user.name")) || uidIsZero();
    boolean v2 = Files.exists(Path.of("/sys/fs/cgroup/cgroup.controllers"));
    Set<String> v1 = new TreeSet<>();
    if (!v2) {
      for (String c : List.of("memory", "pids", "cpu", "freezer")) {
        if (Files.isDirectory(Path.of("/sys/fs/cgroup", c)) && Files.exists(Path.of("/sys/fs/cgroup", c, "tasks"))) {
          v1.add(c);
        }
      }
    }
    boolean userns = bwrap.isPresent() && (!root || setpriv.isPresent()) && probe(bwrap.get(), setpriv, root, sandboxUid);
    return new SandboxSupport(bwrap, userns, v2, Set.copyOf(v1), prlimit, setpriv, root);
  }

  /** True when runs can be isolated: bubblewrap works here and rlimits can be set. */
  public boolean isolated() {
    return bubblewrap.isPresent() && userNamespaces && prlimit.isPresent();
  }

  /** A short description for logs and {@code /ready}, for example {@code bubblewrap+rlimits}. */
  public String description() {
    if (!isolated()) {
      List<String> missing = new ArrayList<>();
      if (bubblewrap.isEmpty()) {
        missing.add("bubblewrap not installed");
      } else if (!userNamespaces) {
        missing.add("user namespaces unavailable");
      }
      if (prlimit.isEmpty()) {
        missing.add("prlimit not installed");
      }
      return "none (" + String.join(", ", missing) + ")";
    }
    // cgroups are only unshared (namespace), not used for limits yet: rlimits do the limiting.
    return "bubblewrap+rlimits";
  }

  /** What the host has that is not used yet, and warnings, for the start-up log. */
  public String hostNotes() {
    String cgroups = cgroupV2 ? "cgroup v2" : cgroupV1Controllers.isEmpty() ? "no cgroups" : "cgroup v1 " + cgroupV1Controllers;
    // bwrap's monitor can exit before the sandbox's init does; that init is then reaped by pid 1.
    return ProcessHandle.current().pid() == 1
        ? cgroups + "; WARNING: the server is pid 1, run it under an init (tini, docker --init) so exited sandboxes are reaped"
        : cgroups;
  }

  private static Optional<Path> executable(String path) {
    Path p = Path.of(path);
    return Files.isExecutable(p) ? Optional.of(p) : Optional.empty();
  }

  private static boolean uidIsZero() {
    try {
      return Files.readString(Path.of("/proc/self/status")).lines()
          .filter(l -> l.startsWith("Uid:"))
          .anyMatch(l -> l.split("\\s+")[1].equals("0"));
    } catch (IOException e) {
      return false;
    }
  }

  /** Starts the smallest sandbox that needs the same kernel features as a real run. */
  private static boolean probe(Path bwrap, Optional<Path> setpriv, boolean root, int uid) {
    List<String> cmd = new ArrayList<>();
    if (root) {
      cmd.addAll(List.of(setpriv.orElseThrow().toString(), "--reuid", Integer.toString(uid),
          "--regid", Integer.toString(uid), "--clear-groups", "--"));
    }
    cmd.addAll(List.of(bwrap.toString(), "--unshare-user", "--unshare-pid", "--unshare-net",
        "--unshare-ipc", "--unshare-uts", "--die-with-parent", "--ro-bind", "/", "/",
        "--proc", "/proc", "--dev", "/dev", "/usr/bin/true"));
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return false;
      }
      return p.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
