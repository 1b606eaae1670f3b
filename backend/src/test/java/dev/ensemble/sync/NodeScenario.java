package dev.ensemble.sync;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs a scenario of {@code src/test/node/interop.mjs} (stock automerge-repo clients from npm) and
 * returns the JSON line it prints. Installs the locked npm dependencies first when missing.
 */
public final class NodeScenario {
  static final Path DIR = Path.of("src", "test", "node");

  private NodeScenario() {}

  static synchronized void install() {
    if (Files.isDirectory(DIR.resolve("node_modules").resolve("@automerge").resolve("automerge-repo"))) {
      return;
    }
    Result r = exec(List.of("npm", "ci", "--no-audit", "--no-fund"), Map.of(), 300);
    if (r.exit() != 0) {
      throw new IllegalStateException("npm ci failed in " + DIR + ":\n" + r.stdout() + r.stderr());
    }
  }

  public static JsonObject run(String scenario, Map<String, String> env) {
    install();
    Result r = exec(List.of("node", "interop.mjs", scenario), env, 120);
    if (r.exit() != 0) {
      throw new AssertionError("node scenario '" + scenario + "' failed (exit " + r.exit() + "):\n"
          + r.stderr() + "\nstdout:\n" + r.stdout());
    }
    String[] lines = r.stdout().strip().split("\n");
    return new JsonObject(lines[lines.length - 1]);
  }

  private record Result(int exit, String stdout, String stderr) {}

  private static Result exec(List<String> command, Map<String, String> env, int timeoutSeconds) {
    try {
      ProcessBuilder pb = new ProcessBuilder(command).directory(DIR.toFile());
      pb.environment().putAll(env);
      Process p = pb.start();
      CompletableFuture<String> out = read(p.getInputStream());
      CompletableFuture<String> err = read(p.getErrorStream());
      if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError(command + " did not finish in " + timeoutSeconds + " s:\n" + err.getNow(""));
      }
      return new Result(p.exitValue(), out.get(10, TimeUnit.SECONDS), err.get(10, TimeUnit.SECONDS));
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + command + " (is Node.js 20 on the PATH?)", e);
    } catch (Exception e) {
      throw new IllegalStateException(command + " failed: " + e, e);
    }
  }

  private static CompletableFuture<String> read(java.io.InputStream in) {
    return CompletableFuture.supplyAsync(() -> {
      try (in) {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        return "";
      }
    });
  }
}
