package dev.ensemble.git;

import dev.ensemble.config.DatabaseUrl;
import dev.ensemble.git.support.GeneratedTree;
import dev.ensemble.git.support.GitHttpServer;
import dev.ensemble.git.support.Workbench;
import dev.ensemble.support.ApiClient;
import dev.ensemble.support.TempDirs;
import dev.ensemble.support.TestDatabase;
import dev.ensemble.support.TestServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Figures for docs/benchmarks.md (not a JUnit test): a repository of N generated files (default
 * 10,000) imported over the local smart-HTTP server into a whole server on real PostgreSQL. Prints
 * the wall time from the POST to the job's success, the time in each phase the job reported, files
 * per second, the server's heap and resident memory before and after, and how much the database
 * grew; then checks that every file arrived. Argument: the number of files. {@code ENSEMBLE_SYNC_*}
 * and {@code ENSEMBLE_GIT_*} variables of its environment are passed to the server.
 */
public final class GitImportBenchmark {
  private static final long SEED = 20_240_601L;
  private static final int SAMPLES = 200;

  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
    GeneratedTree tree = new GeneratedTree(n, SEED);
    Path remoteRoot = TempDirs.create("ensemble-bench-remote");
    long t0 = System.nanoTime();
    long bytes = tree.writeBare(remoteRoot, "big");
    System.out.printf("repository: %d files, %.1f MiB, %d binary; written in %.1f s%n", n, bytes / 1048576.0,
        java.util.stream.IntStream.range(0, n).filter(tree::binary).count(), (System.nanoTime() - t0) / 1e9);

    DatabaseUrl db = TestDatabase.fresh();
    Path dataDir = Files.createTempDirectory("ensemble-bench-data");
    Map<String, String> env = new java.util.HashMap<>();
    // ENSEMBLE_SYNC_* and ENSEMBLE_GIT_* of the benchmark's own environment tune the server.
    System.getenv().forEach((k, v) -> {
      if (k.startsWith("ENSEMBLE_SYNC_") || k.startsWith("ENSEMBLE_GIT_")) {
        env.put(k, v);
        System.out.println("server setting: " + k + "=" + v);
      }
    });
    env.put("ENSEMBLE_HTTP_PORT", Integer.toString(TestServer.freePort()));
    env.put("ENSEMBLE_DATA_DIR", dataDir.toString());
    env.put("ENSEMBLE_DATABASE_URL", TestDatabase.urlOf(db));
    env.put("ENSEMBLE_GIT_ALLOW_HTTP", "true");
    env.putIfAbsent("ENSEMBLE_GIT_DENIED_NETWORKS", "none"); // the git server is on loopback
    try (GitHttpServer remote = GitHttpServer.start(remoteRoot); TestServer server = TestServer.startWith(env, dataDir)) {
      ApiClient client = server.client();
      client.signup("bench", "correct horse battery");
      Workbench.storeCredentials(client, remote, GitHttpServer.PASSWORD);

      Memory before = Memory.now();
      long dbBefore = databaseSize(db);
      long start = System.nanoTime();
      ApiClient.Response started = client.post("/api/projects/import", new JsonObject().put("url", remote.url("big")));
      if (started.status() != 202) {
        throw new IllegalStateException("import refused: " + started);
      }
      String jobId = started.json().getString("jobId");
      Map<String, Double> phases = new LinkedHashMap<>();
      long peakHeap = 0;
      long peakRss = 0;
      String phase = "";
      long phaseStart = start;
      JsonObject job;
      while (true) {
        job = client.get("/api/jobs/" + jobId).json();
        long now = System.nanoTime();
        peakHeap = Math.max(peakHeap, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        peakRss = Math.max(peakRss, Memory.residentBytes());
        String seen = job.getJsonObject("progress").getString("phase");
        if (!seen.equals(phase)) {
          if (!phase.isEmpty()) {
            phases.merge(phase, (now - phaseStart) / 1e9, Double::sum);
          }
          phase = seen;
          phaseStart = now;
        }
        String state = job.getString("state");
        if (!state.equals("queued") && !state.equals("running")) {
          break;
        }
        Thread.sleep(100);
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      if (!job.getString("state").equals("succeeded")) {
        throw new IllegalStateException("import did not succeed: " + job.encode());
      }
      Memory after = Memory.now();
      long dbAfter = databaseSize(db);

      System.out.printf("import: %.1f s wall (POST to job succeeded), %.0f files/s, %.2f MiB/s%n",
          seconds, n / seconds, bytes / 1048576.0 / seconds);
      phases.forEach((name, s) -> System.out.printf("  phase %-20s %6.1f s (as polled every 100 ms)%n", name, s));
      System.out.printf("heap used after GC: before %.0f MiB, after %.0f MiB (+%.0f MiB); peak sampled without GC %.0f MiB;"
          + " max heap %.0f MiB%n", mib(before.heap), mib(after.heap), mib(after.heap - before.heap), mib(peakHeap),
          mib(ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getMax()));
      System.out.printf("resident set (JVM incl. Automerge's native memory): before %.0f MiB, after %.0f MiB,"
          + " peak sampled %.0f MiB%n", mib(before.rss), mib(after.rss), mib(peakRss));
      System.out.printf("database: %.1f MiB before, %.1f MiB after (+%.1f MiB); %s%n", mib(dbBefore), mib(dbAfter),
          mib(dbAfter - dbBefore), rowCounts(db));

      verify(client, server, started.json().getString("projectId"), tree);
    } finally {
      TestDatabase.drop(db);
      RepositoryImport.deleteTree(dataDir);
      RepositoryImport.deleteTree(remoteRoot);
    }
    System.exit(0);
  }

  /** Every path listed, and a sample of files read back byte for byte. */
  private static void verify(ApiClient client, TestServer server, String projectId, GeneratedTree tree) throws Exception {
    JsonArray listed = client.get("/api/projects/" + projectId + "/files").array();
    if (listed.size() != tree.size()) {
      throw new IllegalStateException("listed " + listed.size() + " files of " + tree.size());
    }
    Workbench w = new Workbench(client, server.baseUrl(), projectId);
    int step = Math.max(1, tree.size() / SAMPLES);
    int checked = 0;
    for (int i = 0; i < tree.size(); i += step) {
      if (!Arrays.equals(tree.content(i), w.bytes(tree.path(i)))) {
        throw new IllegalStateException("file " + tree.path(i) + " differs");
      }
      checked++;
    }
    System.out.printf("verified: %d files listed, %d read back identical%n", listed.size(), checked);
  }

  private static long databaseSize(DatabaseUrl db) throws Exception {
    try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
        Statement s = c.createStatement();
        ResultSet r = s.executeQuery("SELECT pg_database_size(current_database())")) {
      r.next();
      return r.getLong(1);
    }
  }

  private static String rowCounts(DatabaseUrl db) throws Exception {
    try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
        Statement s = c.createStatement();
        ResultSet r = s.executeQuery("SELECT (SELECT count(*) FROM documents), (SELECT count(*) FROM document_changes),"
            + " (SELECT count(*) FROM blobs)")) {
      r.next();
      return r.getLong(1) + " documents, " + r.getLong(2) + " change rows, " + r.getLong(3) + " blobs";
    }
  }

  private static double mib(long bytes) {
    return bytes / 1048576.0;
  }

  /** Heap used after a full collection, and the process's resident set. */
  private record Memory(long heap, long rss) {
    static Memory now() throws InterruptedException {
      for (int i = 0; i < 3; i++) {
        System.gc();
        Thread.sleep(100);
      }
      return new Memory(ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed(), residentBytes());
    }

    static long residentBytes() {
      try {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
          if (line.startsWith("VmRSS:")) {
            return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
          }
        }
      } catch (java.io.IOException e) {
        return 0;
      }
      return 0;
    }
  }
}
