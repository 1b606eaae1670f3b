package dev.ensemble.support;

import dev.ensemble.config.DatabaseUrl;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;

/**
 * Two Ensemble nodes on one fresh PostgreSQL database, sharing a real Redis: 127.0.0.1:6379 when
 * it answers, otherwise a {@code redis-server} started here. Without either, the calling test is
 * skipped with a message, unless ENSEMBLE_REQUIRE_REDIS=true.
 */
public final class TwoNodes implements AutoCloseable {
  private final DatabaseUrl db;
  private final int redisPort;
  private final Map<String, String> overrides;
  private Process ownRedis;
  private final TestServer a;
  private final TestServer b;

  private TwoNodes(DatabaseUrl db, int redisPort, Map<String, String> overrides, Process ownRedis, TestServer a,
      TestServer b) {
    this.db = db;
    this.redisPort = redisPort;
    this.overrides = overrides;
    this.ownRedis = ownRedis;
    this.a = a;
    this.b = b;
  }

  /** Starts both nodes; {@code what} names the test in the skip message. */
  public static TwoNodes start(String what) throws Exception {
    return start(what, Map.of());
  }

  /** Starts both nodes with these ENSEMBLE_* settings added. */
  public static TwoNodes start(String what, Map<String, String> overrides) throws Exception {
    Process[] started = new Process[1];
    Optional<Integer> port = redisPort(started);
    if (port.isEmpty()) {
      String why = "no Redis at 127.0.0.1:6379 and no redis-server on the PATH";
      if ("true".equalsIgnoreCase(System.getenv("ENSEMBLE_REQUIRE_REDIS"))) {
        throw new AssertionError(why + " (ENSEMBLE_REQUIRE_REDIS=true)");
      }
      Assumptions.abort(why + ": skipping " + what);
    }
    return on(port.get(), started[0], overrides);
  }

  /**
   * Starts both nodes on a {@code redis-server} of their own (so that {@link #killAndRestartRedis}
   * cannot disturb anyone else); without redis-server on the PATH the calling test is skipped,
   * unless ENSEMBLE_REQUIRE_REDIS=true.
   */
  public static TwoNodes startWithOwnRedis(String what, Map<String, String> overrides) throws Exception {
    int port = TestServer.freePort();
    Optional<Process> redis = startRedis(port);
    if (redis.isEmpty()) {
      String why = "no redis-server on the PATH";
      if ("true".equalsIgnoreCase(System.getenv("ENSEMBLE_REQUIRE_REDIS"))) {
        throw new AssertionError(why + " (ENSEMBLE_REQUIRE_REDIS=true)");
      }
      Assumptions.abort(why + ": skipping " + what);
    }
    return on(port, redis.get(), overrides);
  }

  private static TwoNodes on(int port, Process ownRedis, Map<String, String> overrides) throws Exception {
    DatabaseUrl db = TestDatabase.fresh();
    return new TwoNodes(db, port, overrides, ownRedis, node(db, port, overrides), node(db, port, overrides));
  }

  /** Starts one more node in this JVM on the same database and Redis, with these settings added; the caller closes it. */
  public TestServer startNode(Map<String, String> extra) throws IOException {
    Map<String, String> env = env(db, redisPort, overrides);
    env.putAll(extra);
    return TestServer.startWith(env, Path.of(env.get("ENSEMBLE_DATA_DIR")));
  }

  /**
   * Starts one more node on the same database and Redis, with the same settings, in a JVM of its
   * own: one that {@link NodeProcess#kill} can make vanish without a word.
   */
  public NodeProcess startProcessNode() throws IOException, InterruptedException {
    Map<String, String> env = env(db, redisPort, overrides);
    return NodeProcess.start(env, Path.of(env.get("ENSEMBLE_DATA_DIR")));
  }

  /**
   * Kills this test's own Redis with SIGKILL (whatever was in flight is lost), waits
   * {@code downMillis} and starts a new, empty one on the same port.
   */
  public void killAndRestartRedis(long downMillis) throws Exception {
    if (ownRedis == null) {
      throw new IllegalStateException("these nodes share a Redis that this test did not start");
    }
    ownRedis.destroyForcibly().waitFor();
    Thread.sleep(downMillis);
    ownRedis = startRedis(redisPort).orElseThrow(() -> new AssertionError("redis-server did not start again"));
  }

  /** The port of the Redis both nodes share. */
  public int redisPort() {
    return redisPort;
  }

  public TestServer a() {
    return a;
  }

  public TestServer b() {
    return b;
  }

  /** The database both nodes share. */
  public DatabaseUrl database() {
    return db;
  }

  public static String syncUrl(TestServer node, String project, String token) {
    return "ws://127.0.0.1:" + node.port() + "/sync?project=" + project + "&access_token=" + token;
  }

  @Override
  public void close() {
    a.close();
    b.close();
    TestDatabase.drop(db);
    if (ownRedis != null) {
      ownRedis.destroy();
    }
  }

  private static TestServer node(DatabaseUrl db, int redisPort, Map<String, String> overrides) throws IOException {
    Map<String, String> env = env(db, redisPort, overrides);
    return TestServer.startWith(env, Path.of(env.get("ENSEMBLE_DATA_DIR")));
  }

  /** A node's settings: its own port and data directory, the shared database and Redis, then the overrides. */
  private static Map<String, String> env(DatabaseUrl db, int redisPort, Map<String, String> overrides) throws IOException {
    Map<String, String> env = new HashMap<>();
    env.put("ENSEMBLE_HTTP_PORT", Integer.toString(TestServer.freePort()));
    env.put("ENSEMBLE_DATA_DIR", Files.createTempDirectory("ensemble-node").toString());
    env.put("ENSEMBLE_DATABASE_URL", TestDatabase.urlOf(db));
    env.put("ENSEMBLE_REDIS_URL", "redis://127.0.0.1:" + redisPort);
    env.putAll(overrides);
    return env;
  }

  /** The port of a Redis that answers PING: the usual one, or one we start (returned in started[0]). */
  private static Optional<Integer> redisPort(Process[] started) throws InterruptedException {
    if (pings(6379)) {
      return Optional.of(6379);
    }
    int port = TestServer.freePort();
    Optional<Process> redis = startRedis(port);
    redis.ifPresent(p -> started[0] = p);
    return redis.map(p -> port);
  }

  /** A redis-server on {@code port} that answers PING, or empty when none can be started. */
  private static Optional<Process> startRedis(int port) throws InterruptedException {
    Process redis;
    try {
      redis = new ProcessBuilder(List.of("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
          "--save", "", "--appendonly", "no"))
          .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    } catch (IOException e) {
      return Optional.empty();
    }
    for (int i = 0; i < 100; i++) {
      if (pings(port)) {
        return Optional.of(redis);
      }
      Thread.sleep(50);
    }
    redis.destroy();
    return Optional.empty();
  }

  private static boolean pings(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 300);
      s.setSoTimeout(1000);
      OutputStream out = s.getOutputStream();
      out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      byte[] buf = new byte[7];
      int n = in.readNBytes(buf, 0, 7);
      return new String(buf, 0, n, StandardCharsets.US_ASCII).startsWith("+PONG");
    } catch (IOException e) {
      return false;
    }
  }
}
