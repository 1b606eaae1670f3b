package dev.ensemble;

import dev.ensemble.config.ConfigException;
import dev.ensemble.config.EnsembleConfig;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Entry point: {@code java -jar ensemble.jar}. Configuration comes from ENSEMBLE_* variables. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    EnsembleConfig config;
    try {
      config = EnsembleConfig.fromEnv(System.getenv());
    } catch (ConfigException e) {
      System.err.println("ensemble: bad configuration: " + e.getMessage());
      System.exit(2);
      return;
    }
    if (LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME) instanceof ch.qos.logback.classic.Logger root) {
      root.setLevel(ch.qos.logback.classic.Level.toLevel(config.logLevel()));
    }
    Logger log = LoggerFactory.getLogger(Main.class);
    Ensemble app;
    try {
      app = Ensemble.start(config).toCompletionStage().toCompletableFuture().get(5, TimeUnit.MINUTES);
    } catch (Exception e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      log.error("ensemble: could not start: {}", cause.getMessage(), cause);
      System.exit(1);
      return;
    }
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  log.info("shutting down");
                  try {
                    app.stop()
                        .toCompletionStage()
                        .toCompletableFuture()
                        .get(config.shutdownTimeout().toSeconds(), TimeUnit.SECONDS);
                    log.info("stopped");
                  } catch (Exception e) {
                    log.warn("shutdown did not finish cleanly: {}", e.toString());
                  }
                },
                "ensemble-shutdown"));
  }
}
