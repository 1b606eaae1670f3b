package dev.ensemble.sync;

import dev.ensemble.support.TestServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.nio.file.Path;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The server side of {@link SyncBenchmark}, in its own JVM so that its CPU, heap and file
 * descriptors are its own: a whole server configured by the {@code ENSEMBLE_*} variables it was
 * started with. Prints {@code bench:port <n>} once listening; answers {@code gc} on stdin with
 * {@code bench:heap <used> <committed> <max>} (bytes, after two full collections) and stops at
 * {@code quit} or end of input.
 */
public final class SyncBenchServer {
  private SyncBenchServer() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> env = new HashMap<>();
    System.getenv().forEach((k, v) -> {
      if (k.startsWith("ENSEMBLE_")) {
        env.put(k, v);
      }
    });
    TestServer server = TestServer.startWith(env, Path.of(env.get("ENSEMBLE_DATA_DIR")));
    System.out.println("bench:port " + server.port());
    System.out.flush();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
    String line;
    while ((line = in.readLine()) != null && !line.equals("quit")) {
      if (line.equals("gc")) {
        System.gc();
        Thread.sleep(200);
        System.gc();
        MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        System.out.println("bench:heap " + heap.getUsed() + " " + heap.getCommitted() + " " + heap.getMax());
        System.out.flush();
      }
    }
    server.close();
    System.exit(0);
  }

  /** A server process started by the benchmark. */
  static final class Running implements AutoCloseable {
    private final Process process;
    private final int port;
    private final LinkedBlockingQueue<String> replies = new LinkedBlockingQueue<>();

    private Running(Process process) throws Exception {
      this.process = process;
      Thread reader = new Thread(() -> {
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream()))) {
          String line;
          while ((line = out.readLine()) != null) {
            if (line.startsWith("bench:")) {
              replies.add(line.substring(6));
            } else if (line.contains("WARN") || line.contains("ERROR") || line.contains("Exception")) {
              System.out.println("  [server] " + line);
            }
          }
        } catch (java.io.IOException e) {
          // the process ended
        }
      }, "bench-server-output");
      reader.setDaemon(true);
      reader.start();
      String first = replies.poll(3, TimeUnit.MINUTES);
      if (first == null || !first.startsWith("port ")) {
        process.destroyForcibly();
        throw new IllegalStateException("the server did not start");
      }
      this.port = Integer.parseInt(first.substring(5).trim());
    }

    /** Starts {@code java <jvmOptions> SyncBenchServer} on this JVM's class path with these variables. */
    static Running start(List<String> jvmOptions, Map<String, String> env) throws Exception {
      List<String> cmd = new ArrayList<>();
      cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      cmd.addAll(jvmOptions);
      cmd.add("-cp");
      cmd.add(System.getProperty("java.class.path"));
      cmd.add(SyncBenchServer.class.getName());
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
      pb.environment().putAll(env);
      return new Running(pb.start());
    }

    int port() {
      return port;
    }

    String baseUrl() {
      return "http://127.0.0.1:" + port;
    }

    /** CPU time (user + system) the server process has used so far. */
    long cpuNanos() {
      return process.toHandle().info().totalCpuDuration().map(java.time.Duration::toNanos).orElse(-1L);
    }

    /** Resident set of the server process, from /proc (includes Automerge's native memory). */
    long residentBytes() {
      try {
        for (String l : Files.readAllLines(Path.of("/proc/" + process.pid() + "/status"))) {
          if (l.startsWith("VmRSS:")) {
            return Long.parseLong(l.replaceAll("[^0-9]", "")) * 1024;
          }
        }
      } catch (java.io.IOException e) {
        // not Linux
      }
      return -1;
    }

    /** Heap used after two full collections in the server: {used, committed, max}. */
    long[] heapAfterGc() throws Exception {
      process.getOutputStream().write("gc\n".getBytes());
      process.getOutputStream().flush();
      String r = replies.poll(2, TimeUnit.MINUTES);
      if (r == null || !r.startsWith("heap ")) {
        throw new IllegalStateException("no heap figure from the server");
      }
      String[] f = r.substring(5).trim().split(" ");
      return new long[] {Long.parseLong(f[0]), Long.parseLong(f[1]), Long.parseLong(f[2])};
    }

    @Override
    public void close() throws Exception {
      try {
        process.getOutputStream().write("quit\n".getBytes());
        process.getOutputStream().flush();
      } catch (java.io.IOException e) {
        // already gone
      }
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
    }
  }
}
