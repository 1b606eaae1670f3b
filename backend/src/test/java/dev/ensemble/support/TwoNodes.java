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
  private final TestServer a;
  private final TestServer b;

  private TwoNodes(DatabaseUrl db, TestRedis redis, TestServer a, TestServer b) {
    this.db = db;
    this.redis = redis;
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
    return new TwoNodes(db, redis, node(db, redis.url(), overrides), node(db, redis.url(), overrides));
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
    Path dataDir = Files.createTempDirectory("ensemble-node");
    Map<String, String> env = new HashMap<>();
    env.put("ENSEMBLE_HTTP_PORT", Integer.toString(TestServer.freePort()));
    env.put("ENSEMBLE_DATA_DIR", dataDir.toString());
    env.put("ENSEMBLE_DATABASE_URL", TestDatabase.urlOf(db));
    env.put("ENSEMBLE_REDIS_URL", redisUrl);
    env.putAll(overrides);
    return TestServer.startWith(env, dataDir);
  }
}
