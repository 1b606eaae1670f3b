package dev.ensemble.support;

import dev.ensemble.Ensemble;
import dev.ensemble.config.DatabaseUrl;
import dev.ensemble.config.EnsembleConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** A whole Ensemble server on a random port, on a fresh database, for one test class. */
public final class TestServer implements AutoCloseable {
  private final Ensemble app;
  private final Path dataDir;
  private java.util.Optional<DatabaseUrl> ownDatabase = java.util.Optional.empty();

  private TestServer(Ensemble app, Path dataDir) {
    this.app = app;
    this.dataDir = dataDir;
  }

  public static TestServer start() {
    return start(Map.of());
  }

  /** Starts with extra ENSEMBLE_* settings on top of the test defaults. */
  public static TestServer start(Map<String, String> overrides) {
    DatabaseUrl db = TestDatabase.fresh();
    try {
      Path dataDir = Files.createTempDirectory("ensemble-test-data");
      Map<String, String> env = new HashMap<>();
      // A concrete port (not 0) so that the default public URL, used in links and OAuth
      // callbacks, names the port the server really listens on.
      env.put("ENSEMBLE_HTTP_PORT", Integer.toString(freePort()));
      env.put("ENSEMBLE_DATA_DIR", dataDir.toString());
      env.put("ENSEMBLE_DATABASE_URL", TestDatabase.urlOf(db));
      // The tests' git servers listen on loopback, which the default outbound policy refuses.
      env.put("ENSEMBLE_GIT_DENIED_NETWORKS", "none");
      env.putAll(overrides);
      TestServer server = startWith(env, dataDir);
      server.ownDatabase = java.util.Optional.of(db);
      return server;
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  public static int freePort() {
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      return s.getLocalPort();
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Starts with exactly these settings. */
  public static TestServer startWith(Map<String, String> env, Path dataDir) {
    try {
      Ensemble app =
          Ensemble.start(EnsembleConfig.fromEnv(env)).toCompletionStage().toCompletableFuture().get(3, TimeUnit.MINUTES);
      return new TestServer(app, dataDir);
    } catch (Exception e) {
      throw new IllegalStateException("test server did not start: " + e.getMessage(), e);
    }
  }

  public String baseUrl() {
    return "http://127.0.0.1:" + app.port();
  }

  public int port() {
    return app.port();
  }

  public Ensemble app() {
    return app;
  }

  public Path dataDir() {
    return dataDir;
  }

  /** A new HTTP client with its own cookie jar (a separate browser, in effect). */
  public ApiClient client() {
    return new ApiClient(baseUrl());
  }

  @Override
  public void close() {
    try {
      app.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("test server did not stop: " + e.getMessage(), e);
    }
    ownDatabase.ifPresent(TestDatabase::drop);
  }
}
