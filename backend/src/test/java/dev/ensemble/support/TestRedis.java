package dev.ensemble.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;

/**
 * A real Redis for a test: 127.0.0.1:6379 when it answers, otherwise a {@code redis-server}
 * started here (and stopped on close). Without either the calling test is skipped with a message,
 * unless ENSEMBLE_REQUIRE_REDIS=true.
 */
public final class TestRedis implements AutoCloseable {
  private final int port;
  private Process own;

  private TestRedis(int port, Process own) {
    this.port = port;
    this.own = own;
  }

  /** The usual Redis, or one of our own; {@code what} names the test in the skip message. */
  public static TestRedis shared(String what) throws InterruptedException {
    if (pings(6379)) {
      return new TestRedis(6379, null);
    }
    return own(what);
  }

  /** A redis-server of the test's own (so that {@link #killAndRestart} disturbs nobody else). */
  public static TestRedis own(String what) throws InterruptedException {
    int port = TestServer.freePort();
    Optional<Process> redis = startRedis(port);
    if (redis.isEmpty()) {
      String why = "no Redis at 127.0.0.1:6379 and no redis-server on the PATH";
      if ("true".equalsIgnoreCase(System.getenv("ENSEMBLE_REQUIRE_REDIS"))) {
        throw new AssertionError(why + " (ENSEMBLE_REQUIRE_REDIS=true)");
      }
      Assumptions.abort(why + ": skipping " + what);
    }
    return new TestRedis(port, redis.get());
  }

  public int port() {
    return port;
  }

  public String url() {
    return "redis://127.0.0.1:" + port;
  }

  /**
   * Kills this test's own Redis with SIGKILL (whatever was in flight is lost), waits
   * {@code downMillis} and starts a new, empty one on the same port.
   */
  public void killAndRestart(long downMillis) throws InterruptedException {
    if (own == null) {
      throw new IllegalStateException("this Redis is shared; the test did not start it");
    }
    own.destroyForcibly().waitFor();
    Thread.sleep(downMillis);
    own = startRedis(port).orElseThrow(() -> new AssertionError("redis-server did not start again"));
  }

  @Override
  public void close() {
    if (own != null) {
      own.destroy();
    }
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
