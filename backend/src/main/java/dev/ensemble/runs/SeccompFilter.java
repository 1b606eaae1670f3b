package dev.ensemble.runs;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A seccomp program (classic BPF, as bubblewrap's {@code --seccomp} reads it) that refuses, with
 * EPERM, the system calls user code never needs and that widen the kernel's attack surface or
 * reach outside the sandbox: tracing other processes, loading kernel modules or BPF programs,
 * keyrings, mounting, new namespaces, changing the clock, perf events, userfaultfd, io_uring,
 * handle-based opens. Everything else is allowed (rlimits and namespaces do the rest). Calls made
 * through another ABI (32-bit or x32 on x86_64) are refused as a whole, so the list cannot be
 * sidestepped by numbering.
 */
public final class SeccompFilter {
  private static final int EPERM = 1;
  private static final int RET_ALLOW = 0x7fff0000;
  private static final int RET_ERRNO = 0x00050000;
  private static final short LD_W_ABS = 0x20;
  private static final short JEQ_K = 0x15;
  private static final short JGE_K = 0x35;
  private static final short RET_K = 0x06;
  /** Offsets in struct seccomp_data. */
  private static final int NR = 0;
  private static final int ARCH = 4;
  private static final int X32_BIT = 0x40000000;

  /** The refused calls by name; numbered per architecture below. */
  static final List<String> REFUSED = List.of(
      "ptrace", "process_vm_readv", "process_vm_writev", "kcmp",
      "mount", "umount2", "pivot_root", "move_mount", "open_tree", "fsopen", "fsconfig", "fsmount", "fspick",
      "mount_setattr", "unshare", "setns",
      "init_module", "finit_module", "delete_module", "kexec_load", "kexec_file_load",
      "bpf", "perf_event_open", "userfaultfd",
      "add_key", "request_key", "keyctl",
      "open_by_handle_at", "name_to_handle_at", "lookup_dcookie",
      "acct", "swapon", "swapoff", "reboot", "syslog", "quotactl", "vhangup",
      "settimeofday", "clock_settime", "clock_adjtime", "adjtimex",
      "io_uring_setup", "io_uring_enter", "io_uring_register");

  private static final Map<String, Integer> X86_64 = Map.ofEntries(
      Map.entry("ptrace", 101), Map.entry("process_vm_readv", 310), Map.entry("process_vm_writev", 311),
      Map.entry("kcmp", 312), Map.entry("mount", 165), Map.entry("umount2", 166), Map.entry("pivot_root", 155),
      Map.entry("move_mount", 429), Map.entry("open_tree", 428), Map.entry("fsopen", 430), Map.entry("fsconfig", 431),
      Map.entry("fsmount", 432), Map.entry("fspick", 433), Map.entry("mount_setattr", 442), Map.entry("unshare", 272),
      Map.entry("setns", 308), Map.entry("init_module", 175), Map.entry("finit_module", 313),
      Map.entry("delete_module", 176), Map.entry("kexec_load", 246), Map.entry("kexec_file_load", 320),
      Map.entry("bpf", 321), Map.entry("perf_event_open", 298), Map.entry("userfaultfd", 323),
      Map.entry("add_key", 248), Map.entry("request_key", 249), Map.entry("keyctl", 250),
      Map.entry("open_by_handle_at", 304), Map.entry("name_to_handle_at", 303), Map.entry("lookup_dcookie", 212),
      Map.entry("acct", 163), Map.entry("swapon", 167), Map.entry("swapoff", 168), Map.entry("reboot", 169),
      Map.entry("syslog", 103), Map.entry("quotactl", 179), Map.entry("vhangup", 153),
      Map.entry("settimeofday", 164), Map.entry("clock_settime", 227), Map.entry("clock_adjtime", 305),
      Map.entry("adjtimex", 159), Map.entry("io_uring_setup", 425), Map.entry("io_uring_enter", 426),
      Map.entry("io_uring_register", 427));

  /** The generic (asm-generic/unistd.h) numbering arm64 uses. */
  private static final Map<String, Integer> AARCH64 = Map.ofEntries(
      Map.entry("ptrace", 117), Map.entry("process_vm_readv", 270), Map.entry("process_vm_writev", 271),
      Map.entry("kcmp", 272), Map.entry("mount", 40), Map.entry("umount2", 39), Map.entry("pivot_root", 41),
      Map.entry("move_mount", 429), Map.entry("open_tree", 428), Map.entry("fsopen", 430), Map.entry("fsconfig", 431),
      Map.entry("fsmount", 432), Map.entry("fspick", 433), Map.entry("mount_setattr", 442), Map.entry("unshare", 97),
      Map.entry("setns", 268), Map.entry("init_module", 105), Map.entry("finit_module", 273),
      Map.entry("delete_module", 106), Map.entry("kexec_load", 104), Map.entry("kexec_file_load", 294),
      Map.entry("bpf", 280), Map.entry("perf_event_open", 241), Map.entry("userfaultfd", 282),
      Map.entry("add_key", 217), Map.entry("request_key", 218), Map.entry("keyctl", 219),
      Map.entry("open_by_handle_at", 265), Map.entry("name_to_handle_at", 264), Map.entry("lookup_dcookie", 18),
      Map.entry("acct", 89), Map.entry("swapon", 224), Map.entry("swapoff", 225), Map.entry("reboot", 142),
      Map.entry("syslog", 116), Map.entry("quotactl", 60), Map.entry("vhangup", 58),
      Map.entry("settimeofday", 170), Map.entry("clock_settime", 112), Map.entry("clock_adjtime", 266),
      Map.entry("adjtimex", 171), Map.entry("io_uring_setup", 425), Map.entry("io_uring_enter", 426),
      Map.entry("io_uring_register", 427));

  private SeccompFilter() {}

  /** The program for this JVM's architecture; empty where we have no syscall table. */
  public static Optional<byte[]> forThisMachine() {
    String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
    return switch (arch) {
      case "amd64", "x86_64" -> Optional.of(program(0xc000003e, X86_64, true));
      case "aarch64", "arm64" -> Optional.of(program(0xc00000b7, AARCH64, false));
      default -> Optional.empty();
    };
  }

  /** Syscall number of a refused call on x86_64 (for tests). */
  static int x86_64(String name) {
    return X86_64.get(name);
  }

  static byte[] program(int auditArch, Map<String, Integer> numbers, boolean refuseX32) {
    List<Integer> nrs = REFUSED.stream().map(name -> {
      Integer nr = numbers.get(name);
      if (nr == null) {
        throw new IllegalStateException("no syscall number for " + name);
      }
      return nr;
    }).toList();
    int length = 4 + (refuseX32 ? 1 : 0) + nrs.size() + 2;
    ByteBuffer out = ByteBuffer.allocate(length * 8).order(ByteOrder.nativeOrder());
    int deny = length - 1; // index of the "refuse" return
    int pc = 0;
    pc = insn(out, pc, LD_W_ABS, 0, 0, ARCH);
    pc = insn(out, pc, JEQ_K, 1, 0, auditArch); // native ABI: go on
    pc = insn(out, pc, RET_K, 0, 0, RET_ERRNO | EPERM); // any other ABI: refused
    pc = insn(out, pc, LD_W_ABS, 0, 0, NR);
    if (refuseX32) {
      pc = insn(out, pc, JGE_K, deny - pc - 1, 0, X32_BIT);
    }
    for (int nr : nrs) {
      pc = insn(out, pc, JEQ_K, deny - pc - 1, 0, nr);
    }
    pc = insn(out, pc, RET_K, 0, 0, RET_ALLOW);
    insn(out, pc, RET_K, 0, 0, RET_ERRNO | EPERM);
    return out.array();
  }

  private static int insn(ByteBuffer out, int pc, short code, int jt, int jf, int k) {
    if (jt > 255 || jf > 255) {
      throw new IllegalStateException("jump too far in the seccomp program");
    }
    out.putShort(code).put((byte) jt).put((byte) jf).putInt(k);
    return pc + 1;
  }
}
