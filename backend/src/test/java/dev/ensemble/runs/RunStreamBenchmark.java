package dev.ensemble.runs;

import dev.ensemble.ai.support.AiProject;
import dev.ensemble.support.ApiClient;
import dev.ensemble.support.TestServer;
import io.netty.util.concurrent.EventExecutor;
import io.vertx.core.impl.VertxThread;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Figures for docs/benchmarks.md (not a JUnit test): a whole server streams one run's output to
 * ten viewers over the project's live WebSocket channel, as the web app receives it. Prints each
 * viewer's throughput (output characters from subscribing to the run's final status) and the
 * worst lateness of a 5 ms task scheduled on every one of the server's event loops during the
 * transfer, and the longest single dispatch on a loop (its wall time and the CPU time it used).
 * Arguments: megabytes of output (100), viewers (10), rounds (3), and {@code apart} to
 * run the viewers in a second JVM under {@code nice -n 19}, so that on a small machine their
 * JSON parsing does not take the CPU from the server whose lateness is measured.
 */
public final class RunStreamBenchmark {
  private static final long PROBE_MS = 5;

  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("viewers")) {
      viewersApart(args);
      return;
    }
    boolean apart = args.length > 3 && args[3].equals("apart");
    long megabytes = args.length > 0 ? Long.parseLong(args[0]) : 100;
    int viewers = args.length > 1 ? Integer.parseInt(args[1]) : 10;
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    long bytes = megabytes * 1024 * 1024;
    // ENSEMBLE_RUN_* in the benchmark's environment reach the server (ENSEMBLE_RUN_NICE=0, say).
    Map<String, String> settings = new java.util.HashMap<>();
    System.getenv().forEach((k, v) -> {
      if (k.startsWith("ENSEMBLE_RUN_")) {
        settings.put(k, v);
      }
    });
    settings.put("ENSEMBLE_RUN_OUTPUT_BYTES", Long.toString(bytes + 1024 * 1024));
    settings.put("ENSEMBLE_RUN_WALL_SECONDS", "600");
    settings.put("ENSEMBLE_RUN_CPU_SECONDS", "600");
    try (TestServer server = TestServer.start(settings)) {
      AiProject p = AiProject.create(server);
      System.out.printf("output %d MiB to %d viewers over /api/projects/{id}/live, %d rounds%s%n", megabytes, viewers,
          rounds, apart ? ", viewers in another JVM at nice 19" : "");
      for (int round = 1; round <= rounds; round++) {
        if (apart) {
          roundApart(server, p, bytes, viewers, round);
        } else {
          round(server, p, bytes, viewers, round);
        }
      }
    }
    System.exit(0);
  }

  private static void round(TestServer server, AiProject p, long bytes, int viewers, int round) throws Exception {
    List<Viewer> all = new ArrayList<>();
    for (int i = 0; i < viewers; i++) {
      all.add(Viewer.connect(server.port(), p.id(), p.viewerToken()));
    }
    ApiClient.Response created = p.editor().post(p.path("/runs"),
        new JsonObject().put("command", "head -c " + bytes + " /dev/zero | tr '\\0' x"));
    if (created.status() != 201) {
      throw new IllegalStateException("run not started: " + created);
    }
    String runId = created.json().getString("id");
    try (LagProbe probe = LagProbe.start((VertxInternal) server.app().vertx());
        DispatchProbe dispatches = DispatchProbe.start((VertxInternal) server.app().vertx())) {
      for (Viewer v : all) {
        v.subscribe(runId);
      }
      for (Viewer v : all) {
        v.done.get(10, TimeUnit.MINUTES);
      }
      System.out.printf("round %d: %s; worst event-loop lag %.1f ms; %s%n", round, summary(all, bytes),
          probe.worstNanos() / 1e6, dispatches.summary());
    } finally {
      all.forEach(Viewer::close);
    }
  }

  private static void roundApart(TestServer server, AiProject p, long bytes, int viewers, int round) throws Exception {
    Process child = new ProcessBuilder("nice", "-n", "19",
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), RunStreamBenchmark.class.getName(),
        "viewers", Integer.toString(server.port()), p.id(), p.viewerToken(), Long.toString(bytes), Integer.toString(viewers))
        .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
    Writer in = new OutputStreamWriter(child.getOutputStream(), StandardCharsets.UTF_8);
    if (!"ready".equals(out.readLine())) {
      throw new IllegalStateException("the viewers' JVM did not connect");
    }
    ApiClient.Response created = p.editor().post(p.path("/runs"),
        new JsonObject().put("command", "head -c " + bytes + " /dev/zero | tr '\\0' x"));
    if (created.status() != 201) {
      throw new IllegalStateException("run not started: " + created);
    }
    try (LagProbe probe = LagProbe.start((VertxInternal) server.app().vertx());
        DispatchProbe dispatches = DispatchProbe.start((VertxInternal) server.app().vertx())) {
      in.write(created.json().getString("id") + "\n");
      in.flush();
      String result = out.readLine();
      if (result == null || !child.waitFor(60, TimeUnit.SECONDS) || child.exitValue() != 0) {
        throw new IllegalStateException("the viewers' JVM failed");
      }
      System.out.printf("round %d: %s; worst event-loop lag %.1f ms; %s%n", round, result, probe.worstNanos() / 1e6,
          dispatches.summary());
    }
  }

  /** The second JVM: connects the viewers, says ready, reads the run id, prints their throughput. */
  private static void viewersApart(String[] args) throws Exception {
    int port = Integer.parseInt(args[1]);
    long bytes = Long.parseLong(args[4]);
    int viewers = Integer.parseInt(args[5]);
    List<Viewer> all = new ArrayList<>();
    for (int i = 0; i < viewers; i++) {
      all.add(Viewer.connect(port, args[2], args[3]));
    }
    System.out.println("ready");
    String runId = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
    for (Viewer v : all) {
      v.subscribe(runId);
    }
    for (Viewer v : all) {
      v.done.get(10, TimeUnit.MINUTES);
    }
    System.out.println(summary(all, bytes));
    all.forEach(Viewer::close);
    System.exit(0);
  }

  /** "per viewer N MB/s on average, slowest M MB/s"; fails when a viewer missed output. */
  private static String summary(List<Viewer> all, long bytes) {
    double slowest = Double.MAX_VALUE;
    double sum = 0;
    for (Viewer v : all) {
      if (v.received.get() != bytes) {
        throw new IllegalStateException("a viewer got " + v.received.get() + " of " + bytes + " characters");
      }
      double mbps = bytes / 1e6 / ((v.endedAt - v.subscribedAt) / 1e9);
      slowest = Math.min(slowest, mbps);
      sum += mbps;
    }
    return String.format("per viewer %.0f MB/s on average, slowest %.0f MB/s", sum / all.size(), slowest);
  }

  /** Schedules a task every 5 ms on each of the server's event loops and keeps the worst lateness. */
  private static final class LagProbe implements AutoCloseable {
    private final List<ScheduledFuture<?>> tasks = new ArrayList<>();
    private final AtomicLong worst = new AtomicLong();

    static LagProbe start(VertxInternal vertx) {
      LagProbe probe = new LagProbe();
      for (EventExecutor loop : vertx.nettyEventLoopGroup()) {
        long[] expected = {System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(PROBE_MS)};
        probe.tasks.add(loop.scheduleAtFixedRate(() -> {
          long now = System.nanoTime();
          probe.worst.accumulateAndGet(now - expected[0], Math::max);
          expected[0] = now + TimeUnit.MILLISECONDS.toNanos(PROBE_MS);
        }, PROBE_MS, PROBE_MS, TimeUnit.MILLISECONDS));
      }
      return probe;
    }

    long worstNanos() {
      return worst.get();
    }

    @Override
    public void close() {
      tasks.forEach(t -> t.cancel(false));
    }
  }

  /**
   * Measures how long the event loops are blocked in Vert.x's sense — one handler holding the loop
   * — which lateness alone cannot tell apart from the loop thread waiting for a CPU. A thread samples
   * every loop's current dispatch (the start time Vert.x's blocked-thread checker reads) every
   * millisecond and keeps, per dispatch, its wall time and the CPU time the loop thread used in it
   * (counted from the first sample that saw it, so short by at most one interval). Also counts the
   * JVM's garbage collections and their time over the transfer.
   */
  private static final class DispatchProbe implements AutoCloseable {
    private static final long SAMPLE_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final long BLOCKED_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    /** With -Dbench.stacks=N, prints a loop's stack when one dispatch passes N ms on CPU. */
    private static final long STACKS_NANOS = TimeUnit.MILLISECONDS.toNanos(Long.getLong("bench.stacks", 0));
    private final List<VertxThread> loops;
    private final Thread sampler;
    private final long gcCountAtStart;
    private final long gcMillisAtStart;
    private volatile boolean stop;
    private long worstWall;
    private long worstCpu;
    private int overWall;
    private int overCpu;

    private DispatchProbe(List<VertxThread> loops) {
      this.loops = loops;
      this.gcCountAtStart = gcCount();
      this.gcMillisAtStart = gcMillis();
      this.sampler = new Thread(this::sample, "dispatch-probe");
      sampler.setDaemon(true);
      sampler.setPriority(Thread.MAX_PRIORITY);
    }

    static DispatchProbe start(VertxInternal vertx) throws Exception {
      List<VertxThread> loops = new ArrayList<>();
      for (EventExecutor loop : vertx.nettyEventLoopGroup()) {
        loops.add((VertxThread) loop.submit(Thread::currentThread).get());
      }
      DispatchProbe probe = new DispatchProbe(loops);
      probe.sampler.start();
      return probe;
    }

    private void sample() {
      ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
      int n = loops.size();
      long[] current = new long[n];
      long[] cpuAtFirstSight = new long[n];
      boolean[] countedWall = new boolean[n];
      boolean[] countedCpu = new boolean[n];
      boolean[] printed = new boolean[n];
      while (!stop) {
        for (int i = 0; i < n; i++) {
          VertxThread loop = loops.get(i);
          long started = loop.startTime();
          if (started == 0) {
            current[i] = 0;
            continue;
          }
          long used = cpu.getThreadCpuTime(loop.getId());
          if (started != current[i]) {
            current[i] = started;
            cpuAtFirstSight[i] = used;
            countedWall[i] = false;
            countedCpu[i] = false;
            printed[i] = false;
            continue;
          }
          long wall = System.nanoTime() - started;
          long onCpu = used - cpuAtFirstSight[i];
          synchronized (this) {
            worstWall = Math.max(worstWall, wall);
            worstCpu = Math.max(worstCpu, onCpu);
            if (wall > BLOCKED_NANOS && !countedWall[i]) {
              countedWall[i] = true;
              overWall++;
            }
            if (onCpu > BLOCKED_NANOS && !countedCpu[i]) {
              countedCpu[i] = true;
              overCpu++;
            }
            if (STACKS_NANOS > 0 && onCpu > STACKS_NANOS && !printed[i]) {
              printed[i] = true;
              StringBuilder b = new StringBuilder("dispatch over " + STACKS_NANOS / 1_000_000 + " ms on CPU:\n");
              for (StackTraceElement e : loop.getStackTrace()) {
                b.append("    ").append(e).append('\n');
              }
              System.err.print(b);
            }
          }
        }
        LockSupport.parkNanos(SAMPLE_NANOS);
      }
    }

    synchronized String summary() {
      return String.format("longest dispatch %.1f ms wall (%d over 10 ms), %.1f ms on CPU (%d over 10 ms); "
              + "GC %d collections, %d ms", worstWall / 1e6, overWall, worstCpu / 1e6, overCpu,
          gcCount() - gcCountAtStart, gcMillis() - gcMillisAtStart);
    }

    private static long gcCount() {
      return ManagementFactory.getGarbageCollectorMXBeans().stream()
          .mapToLong(GarbageCollectorMXBean::getCollectionCount).sum();
    }

    private static long gcMillis() {
      return ManagementFactory.getGarbageCollectorMXBeans().stream()
          .mapToLong(GarbageCollectorMXBean::getCollectionTime).sum();
    }

    @Override
    public void close() throws InterruptedException {
      stop = true;
      sampler.join();
    }
  }

  /** One viewer: counts the characters of the run's output messages until its status arrives. */
  private static final class Viewer implements WebSocket.Listener {
    final AtomicLong received = new AtomicLong();
    final CompletableFuture<Void> done = new CompletableFuture<>();
    final CompletableFuture<Void> welcomed = new CompletableFuture<>();
    final StringBuilder partial = new StringBuilder();
    volatile long subscribedAt;
    volatile long endedAt;
    WebSocket ws;

    static Viewer connect(int port, String projectId, String token) throws Exception {
      Viewer v = new Viewer();
      v.ws = HttpClient.newHttpClient().newWebSocketBuilder()
          .buildAsync(URI.create("ws://127.0.0.1:" + port + "/api/projects/" + projectId
              + "/live?access_token=" + token), v)
          .get(10, TimeUnit.SECONDS);
      v.welcomed.get(10, TimeUnit.SECONDS);
      return v;
    }

    void subscribe(String runId) throws Exception {
      subscribedAt = System.nanoTime();
      ws.sendText(new JsonObject().put("type", "subscribe-run").put("runId", runId).put("afterSeq", 0).encode(), true)
          .get(10, TimeUnit.SECONDS);
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        JsonObject m = new JsonObject(partial.toString());
        partial.setLength(0);
        if ("welcome".equals(m.getString("type"))) {
          welcomed.complete(null);
        } else if ("run".equals(m.getString("channel"))) {
          if ("output".equals(m.getString("event"))) {
            received.addAndGet(m.getString("data").length());
          } else if ("status".equals(m.getString("event")) && m.getString("status") != null
              && !"running".equals(m.getString("status")) && !"queued".equals(m.getString("status"))) {
            endedAt = System.nanoTime();
            done.complete(null);
          }
        }
      }
      webSocket.request(1);
      return null;
    }

    void close() {
      ws.sendClose(WebSocket.NORMAL_CLOSURE, "done");
    }
  }
}
