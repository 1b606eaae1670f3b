package dev.ensemble.sync;

import dev.ensemble.config.DatabaseUrl;
import dev.ensemble.support.ApiClient;
import dev.ensemble.support.TestDatabase;
import dev.ensemble.sync.protocol.DocumentId;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Figures for docs/benchmarks.md, "Sync" (not a JUnit test). Starts a whole server in its own JVM
 * ({@link SyncBenchServer}, so that its CPU and heap are measured apart from the clients'), and
 * runs {@link BenchPeer}s — Java clients speaking the automerge-repo protocol with real Automerge
 * documents — against it. Arguments name the scenarios (default: all, in this order):
 * <ul>
 *   <li>{@code latency:<clients>} — clients in one document, one of them typing at
 *       {@code SYNC_BENCH_RATE} (100) edits/s; edit-propagation latency from the writer's send to
 *       each receiver's applying it, delivered edits/s;
 *   <li>{@code throughput:<clients>} — the same at each rate of {@code SYNC_BENCH_RATES};
 *   <li>{@code idle:<connections>} — that many joined connections, each with one small document
 *       open ({@code SYNC_BENCH_IDLE_DOCS} documents shared round robin); server heap after GC;
 *   <li>{@code cold:<documents>} — documents of 100 KB, each requested by a fresh connection when
 *       it is not in memory (after a restart, then after eviction); request to full text.
 * </ul>
 * {@code SYNC_BENCH_SECONDS} (20) is each run's measured time after {@code SYNC_BENCH_WARMUP} (3) s.
 * {@code ENSEMBLE_SYNC_*} variables of its environment are passed to the server;
 * {@code SYNC_BENCH_SERVER_JVM} (default {@code -Xmx1g}) are the server JVM's options.
 */
public final class SyncBenchmark {
  private static final String PASSWORD = "correct horse battery staple";
  private static final int CONNECT_CONCURRENCY = 200;

  private final Path dataDir;
  private final DatabaseUrl db;
  private final Vertx vertx = Vertx.vertx();
  private final WebSocketClient wsClient = vertx.createWebSocketClient(new WebSocketClientOptions()
      .setMaxConnections(1_000_000).setMaxMessageSize(64 << 20).setMaxFrameSize(64 << 20)
      .setConnectTimeout(60_000));
  private final int seconds = intEnv("SYNC_BENCH_SECONDS", 20);
  private final int warmup = intEnv("SYNC_BENCH_WARMUP", 3);
  private SyncBenchServer.Running server;
  private ApiClient api;
  private String token;
  private String projectId;
  private int files;

  private SyncBenchmark(Path dataDir, DatabaseUrl db) {
    this.dataDir = dataDir;
    this.db = db;
  }

  public static void main(String[] args) throws Exception {
    List<String> scenarios = args.length > 0 ? List.of(args)
        : List.of("latency:50", "latency:200", "throughput:200", "idle:10000", "cold:100");
    DatabaseUrl db = TestDatabase.fresh();
    Path dataDir = Files.createTempDirectory("ensemble-sync-bench");
    System.out.printf("host: %d CPUs, load average %.2f; client JVM %s; open files limit: %s%n",
        Runtime.getRuntime().availableProcessors(),
        java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(),
        System.getProperty("java.version"), fileLimit());
    SyncBenchmark bench = new SyncBenchmark(dataDir, db);
    try {
      for (String s : scenarios) {
        String[] p = s.split(":");
        int n = Integer.parseInt(p[1]);
        switch (p[0]) {
          case "latency" -> bench.latency(n);
          case "throughput" -> bench.throughput(n);
          case "idle" -> bench.idle(n);
          case "cold" -> bench.cold(n);
          default -> throw new IllegalArgumentException("unknown scenario " + p[0]);
        }
      }
    } catch (Exception e) {
      e.printStackTrace();
      System.exit(1);
    } finally {
      bench.stopServer();
      TestDatabase.drop(db);
    }
    System.exit(0);
  }

  // ---- scenarios -------------------------------------------------------------------------------

  private void latency(int clients) throws Exception {
    startServer(Map.of());
    int rate = intEnv("SYNC_BENCH_RATE", 100);
    System.out.printf("%n== latency: %d clients in one document, one writer at %d edits/s, %d s (+%d s warm-up)%n",
        clients, rate, seconds, warmup);
    fanout(clients, rate).print();
    stopServer();
  }

  private void throughput(int clients) throws Exception {
    // The writer sends one message per edit plus one answer per server reply: above the default
    // limit of 500 messages/s per connection at these rates, so the limit is raised.
    startServer(Map.of("ENSEMBLE_SYNC_MAX_MESSAGES_PER_SECOND", "100000", "ENSEMBLE_SYNC_MESSAGE_BURST", "100000"));
    for (String r : env("SYNC_BENCH_RATES", "100,200,400,800").split(",")) {
      int rate = Integer.parseInt(r.trim());
      System.out.printf("%n== throughput: %d clients in one document, one writer at %d edits/s, %d s (+%d s warm-up)%n",
          clients, rate, seconds, warmup);
      fanout(clients, rate).print();
    }
    stopServer();
  }

  private void idle(int connections) throws Exception {
    startServer(Map.of());
    int docs = intEnv("SYNC_BENCH_IDLE_DOCS", 100);
    System.out.printf("%n== idle: %d connections, each joined with one of %d documents (1 KB text) open%n",
        connections, docs);
    List<DocumentId> ids = new ArrayList<>();
    for (int i = 0; i < docs; i++) {
      ids.add(createFile(text(1024, i)));
    }
    long[] before = server.heapAfterGc();
    long rssBefore = server.residentBytes();
    long t0 = System.nanoTime();
    List<BenchPeer> peers = connect(connections, "idle");
    long joinedAt = System.nanoTime();
    awaitAll(peers, (p, i) -> p.open(ids.get(i % docs), 1024));
    long openedAt = System.nanoTime();
    System.out.printf("connected and joined in %.1f s, documents open after %.1f s more%n",
        (joinedAt - t0) / 1e9, (openedAt - joinedAt) / 1e9);
    Thread.sleep(5_000);
    long[] after = server.heapAfterGc();
    long rss = server.residentBytes();
    long cpu0 = server.cpuNanos();
    long idleFor = intEnv("SYNC_BENCH_IDLE_SECONDS", 35);
    Thread.sleep(idleFor * 1000);
    long cpu1 = server.cpuNanos();
    long open = peers.stream().filter(p -> !p.isClosed()).count();
    System.out.printf("connections still open after %d s idle (keep-alive pings every 30 s): %d of %d%n",
        idleFor, open, connections);
    System.out.printf("server heap after full GC: %.1f MiB before connecting, %.1f MiB with them (%.1f KiB each);"
        + " committed %.0f MiB, max %.0f MiB%n", mib(before[0]), mib(after[0]),
        (after[0] - before[0]) / 1024.0 / connections, mib(after[1]), mib(after[2]));
    System.out.printf("server resident set: %.0f MiB before, %.0f MiB with them; %s%n", mib(rssBefore), mib(rss),
        metrics("ensemble_documents_loaded"));
    System.out.printf("server CPU while idle: %.1f%% of one core%n", (cpu1 - cpu0) / 1e7 / idleFor);
    closeAll(peers);
    stopServer();
  }

  private void cold(int documents) throws Exception {
    int chars = 100 * 1024;
    int passes = intEnv("SYNC_BENCH_COLD_PASSES", 3);
    // One idle document kept at most: a document the previous connection had open leaves memory as
    // soon as the next one is loaded, so every request below finds its document cold.
    Map<String, String> settings = Map.of("ENSEMBLE_SYNC_MAX_IDLE_DOCUMENTS", "1");
    startServer(settings);
    System.out.printf("%n== cold load: %d documents of %d characters (written once through PUT .../files),"
        + " each requested by a fresh connection%n", documents, chars);
    long t0 = System.nanoTime();
    List<DocumentId> ids = new ArrayList<>();
    for (int i = 0; i < documents; i++) {
      ids.add(createFile(text(chars, 1000 + i)));
    }
    System.out.printf("created in %.1f s; restarting the server%n", (System.nanoTime() - t0) / 1e9);
    stopServer();
    startServer(settings, false);
    for (int pass = 0; pass <= passes; pass++) {
      long[] first = new long[documents];
      long[] full = new long[documents];
      for (int i = 0; i < documents; i++) {
        BenchPeer p = await(BenchPeer.connect(vertx, wsClient, server.port(), projectId, token, "cold-" + pass + "-" + i));
        long start = System.nanoTime();
        await(p.open(ids.get(i), chars));
        full[i] = System.nanoTime() - start;
        first[i] = p.firstSyncAt() - start;
        await(p.close());
      }
      String what = pass == 0 ? "first pass after restart" : "pass " + pass + " (evicted since last pass)";
      System.out.printf("%-38s request → first sync frame: %s%n", what, BenchStats.of(first));
      System.out.printf("%-38s request → whole text applied: %s%n", "", BenchStats.of(full));
    }
    System.out.println(metrics("ensemble_documents_loaded"));
    stopServer();
  }

  // ---- one document, one writer, many receivers ----------------------------------------------

  private BenchFanout fanout(int clients, int rate) throws Exception {
    String initial = text(2048, clients + rate);
    DocumentId id = createFile(initial);
    List<BenchPeer> peers = connect(clients, "c" + rate);
    awaitAll(peers, (p, i) -> p.open(id, initial.length()));
    BenchPeer writer = peers.get(0);
    List<BenchPeer> receivers = peers.subList(1, peers.size());
    int warmEdits = rate * warmup;
    int total = rate * (warmup + seconds);
    BenchFanout f = new BenchFanout(clients, rate, total, warmEdits);
    long base = initial.length();
    long start = System.nanoTime() + 200_000_000L;
    f.windowStart = start + warmup * 1_000_000_000L;
    f.windowEnd = f.windowStart + seconds * 1_000_000_000L;
    for (BenchPeer r : receivers) {
      BenchFanout.Receiver rec = f.receiver();
      r.onApplied((p, now) -> rec.seen(p.length() - base, now));
    }
    Random random = new Random(rate);
    long[] made = {0};
    writer.run(() -> vertx.setPeriodic(1, timer -> {
      long now = System.nanoTime();
      long due = Math.min(total, Math.max(0, (now - start) * rate / 1_000_000_000L));
      // At most 20 edits a tick: a writer that cannot keep up falls behind (reported as the rate it
      // reached) instead of holding its event loop, and the receivers on it, for good.
      for (int n = 0; made[0] < due && n < 20; n++) {
        int k = (int) made[0]++;
        writer.typeOneCharacter(random.nextInt((int) (base + k) + 1), "x", () -> f.sentAt.set(k, System.nanoTime()));
      }
      if (made[0] >= total) {
        vertx.cancelTimer(timer);
      }
    }));
    sleepUntil(f.windowStart);
    long serverCpu0 = server.cpuNanos();
    long clientCpu0 = ownCpuNanos();
    sleepUntil(f.windowEnd);
    f.serverCpu = (server.cpuNanos() - serverCpu0) / (double) (f.windowEnd - f.windowStart);
    f.clientCpu = (ownCpuNanos() - clientCpu0) / (double) (f.windowEnd - f.windowStart);
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (!f.allSeen() && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    f.drainedAfter = (System.nanoTime() - f.windowEnd) / 1e6;
    f.writerMadeInWindow = f.madeBy(f.windowEnd) - f.madeBy(f.windowStart);
    f.writerSent = writer.sent;
    f.writerReceived = writer.received;
    f.heap = server.heapAfterGc();
    f.closed = peers.stream().filter(BenchPeer::isClosed).count();
    closeAll(peers);
    return f;
  }

  // ---- server and setup ----------------------------------------------------------------------

  private void startServer(Map<String, String> scenario) throws Exception {
    startServer(scenario, true);
  }

  /** Starts a server on the benchmark's database; with {@code newProject}, in a project of its own. */
  private void startServer(Map<String, String> scenario, boolean newProject) throws Exception {
    Map<String, String> env = new HashMap<>();
    System.getenv().forEach((k, v) -> {
      if (k.startsWith("ENSEMBLE_SYNC_")) {
        env.put(k, v);
      }
    });
    env.putAll(scenario);
    env.forEach((k, v) -> System.out.println("server setting: " + k + "=" + v));
    env.put("ENSEMBLE_HTTP_PORT", Integer.toString(dev.ensemble.support.TestServer.freePort()));
    env.put("ENSEMBLE_DATA_DIR", dataDir.toString());
    env.put("ENSEMBLE_DATABASE_URL", TestDatabase.urlOf(db));
    List<String> jvm = List.of(env("SYNC_BENCH_SERVER_JVM", "-Xmx1g").split(" "));
    server = SyncBenchServer.Running.start(jvm, env);
    System.out.println("PostgreSQL commit of one small row (the floor under every stored edit): " + commitProbe());
    api = ApiClient.at(server.baseUrl());
    if (token == null) {
      api.signup("bench", PASSWORD);
      token = api.post("/api/tokens", new JsonObject().put("name", "bench")).json().getString("token");
    }
    api.withBearer(token);
    if (!newProject) {
      return;
    }
    projectId = api.post("/api/projects", new JsonObject().put("name", "bench " + System.nanoTime()))
        .json().getString("id");
  }

  private void stopServer() throws Exception {
    if (server != null) {
      server.close();
      server = null;
    }
  }

  private DocumentId createFile(String content) {
    ApiClient.Response r = api.sendBytes("PUT", "/api/projects/" + projectId + "/files/bench/f" + (files++) + ".txt",
        content.getBytes(StandardCharsets.UTF_8));
    if (r.status() != 201) {
      throw new IllegalStateException("PUT failed: " + r);
    }
    return DocumentId.fromUrl(r.json().getString("docUrl")).orElseThrow();
  }

  /**
   * Times 200 one-row INSERTs, each its own transaction, on the benchmark's database: a change is
   * stored (and its commit flushed) before any peer hears of it, so this bounds edit latency.
   */
  private BenchStats commitProbe() throws Exception {
    try (java.sql.Connection c = java.sql.DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
        java.sql.Statement st = c.createStatement()) {
      st.execute("CREATE TABLE IF NOT EXISTS bench_commit_probe (x bigint)");
      long[] t = new long[200];
      for (int i = 0; i < t.length; i++) {
        long s = System.nanoTime();
        st.execute("INSERT INTO bench_commit_probe VALUES (" + i + ")");
        t[i] = System.nanoTime() - s;
      }
      st.execute("DROP TABLE bench_commit_probe");
      return BenchStats.of(t);
    }
  }

  private String metrics(String name) {
    return Arrays.stream(api.get("/metrics").body().split("\n"))
        .filter(l -> l.startsWith(name)).findFirst().orElse(name + " ?");
  }

  /** Connects and joins n peers, at most {@link #CONNECT_CONCURRENCY} upgrades at a time. */
  private List<BenchPeer> connect(int n, String prefix) throws Exception {
    BenchPeer[] peers = new BenchPeer[n];
    Semaphore slots = new Semaphore(CONNECT_CONCURRENCY);
    List<Future<BenchPeer>> all = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      slots.acquire();
      int k = i;
      all.add(BenchPeer.connect(vertx, wsClient, server.port(), projectId, token, prefix + "-" + i)
          .onComplete(ar -> slots.release())
          .onSuccess(p -> peers[k] = p));
    }
    await(Future.all(all));
    return Arrays.asList(peers);
  }

  private interface PeerTask {
    Future<Void> run(BenchPeer peer, int index);
  }

  private void awaitAll(List<BenchPeer> peers, PeerTask task) throws Exception {
    Semaphore slots = new Semaphore(CONNECT_CONCURRENCY);
    List<Future<Void>> all = new ArrayList<>();
    for (int i = 0; i < peers.size(); i++) {
      slots.acquire();
      all.add(task.run(peers.get(i), i).onComplete(ar -> slots.release()));
    }
    await(Future.all(all));
  }

  private void closeAll(List<BenchPeer> peers) throws Exception {
    await(Future.join(peers.stream().map(BenchPeer::close).toList()));
  }

  // ---- helpers -------------------------------------------------------------------------------

  /** Code-like ASCII text of exactly {@code chars} characters. */
  static String text(int chars, long seed) {
    Random r = new Random(seed);
    String[] words = {"return", "value", "if", "for", "const", "let", "function", "=", "+", "(", ")", "{", "}",
        "item", "index", "count", "result", "await", "async", "this", "map", "filter"};
    StringBuilder sb = new StringBuilder(chars + 16);
    while (sb.length() < chars) {
      sb.append("  ".repeat(r.nextInt(4)));
      int n = 3 + r.nextInt(8);
      for (int i = 0; i < n; i++) {
        sb.append(words[r.nextInt(words.length)]).append(' ');
      }
      sb.append(";\n");
    }
    return sb.substring(0, chars);
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.MINUTES);
  }

  private static void sleepUntil(long nanos) throws InterruptedException {
    long left = nanos - System.nanoTime();
    if (left > 0) {
      TimeUnit.NANOSECONDS.sleep(left);
    }
  }

  private static long ownCpuNanos() {
    return ProcessHandle.current().info().totalCpuDuration().map(java.time.Duration::toNanos).orElse(-1L);
  }

  private static String fileLimit() {
    try {
      return Files.readAllLines(Path.of("/proc/self/limits")).stream().filter(l -> l.startsWith("Max open files"))
          .map(l -> l.replaceAll("\\s+", " ").substring(15).trim()).findFirst().orElse("?");
    } catch (java.io.IOException e) {
      return "?";
    }
  }

  static double mib(long bytes) {
    return bytes / 1048576.0;
  }

  private static String env(String name, String dflt) {
    String v = System.getenv(name);
    return v == null || v.isBlank() ? dflt : v;
  }

  private static int intEnv(String name, int dflt) {
    return Integer.parseInt(env(name, Integer.toString(dflt)));
  }
}
