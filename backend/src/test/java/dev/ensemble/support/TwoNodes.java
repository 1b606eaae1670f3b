package dev.ensemble.support;

import dev.ensemble.config.DatabaseUrl;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Two Ensemble nodes on one fresh PostgreSQL database, sharing a real Redis: 127.0.0.1:6379 when
 * it answers, otherwise a {@code redis-server} started here. Without either, the calling test is
 * skipped with a message, unless ENSEMBLE_REQUIRE_REDIS=true.
 */
public final class TwoNodes implements AutoCloseable {
  private final DatabaseUrl db;
  private final TestRedis redis;
  private final Map<String, String> overrides;
  private final TestServer a;
  private final TestServer b;

  private TwoNodes(DatabaseUrl db, TestRedis redis, Map<String, String> overrides, TestServer a, TestServer b) {
    this.db = db;
    this.redis = redis;
    this.overrides = overrides;
    this.a = a;
    this.b = b;
  }

  /** Starts both nodes; {@code what} names the test in the skip message. */
  public static TwoNodes start(String what) throws Exception {
    return start(what, Map.of());
  }

  /** Starts both nodes with these ENSEMBLE_* settings added. */
  public static TwoNodes start(String what, Map<String, String> overrides) throws Exception {
    return on(TestRedis.shared(what), overrides);
  }

  /**
   * Starts both nodes on a {@code redis-server} of their own (so that {@link #killAndRestartRedis}
   * cannot disturb anyone else); without redis-server on the PATH the calling test is skipped,
   * unless ENSEMBLE_REQUIRE_REDIS=true.
   */
  public static TwoNodes startWithOwnRedis(String what, Map<String, String> overrides) throws Exception {
    return on(TestRedis.own(what), overrides);
  }

  private static TwoNodes on(TestRedis redis, Map<String, String> overrides) throws Exception {
    DatabaseUrl db = TestDatabase.fresh();
    return new TwoNodes(db, redis, overrides, node(db, redis.url(), overrides), node(db, redis.url(), overrides));
  }

  /** Starts one more node in this JVM on the same database and Redis, with these settings added; the caller closes it. */
  public TestServer startNode(Map<String, String> extra) throws IOException {
    Map<String, String> env = env(db, redis.url(), overrides);
    env.putAll(extra);
    return TestServer.startWith(env, Path.of(env.get("ENSEMBLE_DATA_DIR")));
  }

  /**
   * Starts one more node on the same database and Redis, with the same settings, in a JVM of its
   * own: one that {@link NodeProcess#kill} can make vanish without a word.
   */
  public NodeProcess startProcessNode() throws IOException, InterruptedException {
    Map<String, String> env = env(db, redis.url(), overrides);
    return NodeProcess.start(env, Path.of(env.get("ENSEMBLE_DATA_DIR")));
  }

  /**
   * Kills this test's own Redis with SIGKILL (whatever was in flight is lost), waits
   * {@code downMillis} and starts a new, empty one on the same port.
   */
  public void killAndRestartRedis(long downMillis) throws Exception {
    redis.killAndRestart(downMillis);
  }

  /** The port of the Redis both nodes share. */
  public int redisPort() {
    return redis.port();
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
    redis.close();
  }

  private static TestServer node(DatabaseUrl db, String redisUrl, Map<String, String> overrides) throws IOException {
    Map<String, String> env = env(db, redisUrl, overrides);
    return TestServer.startWith(env, Path.of(env.get("ENSEMBLE_DATA_DIR")));
  }

  /** A node's settings: its own port and data directory, the shared database and Redis, then the overrides. */
  private static Map<String, String> env(DatabaseUrl db, String redisUrl, Map<String, String> overrides)
      throws IOException {
    Map<String, String> env = new HashMap<>();
    env.put("ENSEMBLE_HTTP_PORT", Integer.toString(TestServer.freePort()));
    env.put("ENSEMBLE_DATA_DIR", Files.createTempDirectory("ensemble-node").toString());
    env.put("ENSEMBLE_DATABASE_URL", TestDatabase.urlOf(db));
    env.put("ENSEMBLE_REDIS_URL", redisUrl);
    env.putAll(overrides);
    return env;
  }
}
