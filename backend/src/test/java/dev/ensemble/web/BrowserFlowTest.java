package dev.ensemble.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ensemble.support.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The web app in a real browser (Debian's chromium driven by playwright-core, scripts in web/e2e):
 * sign-up, projects and invites across two browser contexts, two people editing one file live,
 * and the shared terminal typed by one and watched by another (that one needs the sandbox too). They take the README's screenshots. Skipped only when chromium is absent and
 * ENSEMBLE_REQUIRE_BROWSER is not true.
 */
class BrowserFlowTest {
  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");

  @Test
  void signUpCreateProjectInviteAndAcceptInTwoBrowsers() throws Exception {
    runScript("foundation.e2e.mjs", "ENSEMBLE_SCREENSHOT", "screenshot.png");
  }

  @Test
  void twoPeopleTypeInTheSameFileAndSeeEachOthersTextAndCursor() throws Exception {
    runScript("collab.e2e.mjs", "ENSEMBLE_SCREENSHOT_IDE", "screenshot-ide.png");
  }

  @Test
  void anOwnerTypesInTheSharedTerminalWhileAViewerWatches() throws Exception {
    runScript("terminal.e2e.mjs", "ENSEMBLE_SCREENSHOT_TERMINAL", "screenshot-terminal.png");
  }

  /** Runs one web/e2e script against a fresh server; it exits 0 only when its scenario passed. */
  private static void runScript(String script, String screenshotVariable, String screenshot) throws Exception {
    boolean required = "true".equalsIgnoreCase(System.getenv("ENSEMBLE_REQUIRE_BROWSER"));
    if (!Files.isExecutable(CHROMIUM)) {
      assertTrue(!required, "ENSEMBLE_REQUIRE_BROWSER=true but /usr/bin/chromium is missing (apt-get install chromium)");
      Assumptions.abort("no /usr/bin/chromium; install Debian's chromium to run the browser tests");
    }
    Path web = Path.of("..", "web").toAbsolutePath().normalize();
    assertTrue(Files.isDirectory(web.resolve("node_modules/playwright-core")),
        "web/node_modules is missing: build from the repository root (./mvnw verify) so npm ci runs first");
    assertTrue(Files.exists(Path.of("target/classes/webroot/index.html")),
        "the web app is not on the classpath: build from the repository root so web/dist is packaged");
    Path out = Path.of("target", "e2e").toAbsolutePath();
    Files.createDirectories(out);
    Path log = out.resolve(script + ".log");
    try (TestServer server = TestServer.start()) {
      ProcessBuilder pb = new ProcessBuilder("node", "e2e/" + script).directory(web.toFile());
      pb.environment().put("ENSEMBLE_BASE_URL", server.baseUrl());
      pb.environment().put(screenshotVariable, out.resolve(screenshot).toString());
      pb.redirectErrorStream(true).redirectOutput(log.toFile());
      Process p = pb.start();
      boolean finished = p.waitFor(3, TimeUnit.MINUTES);
      if (!finished) {
        p.destroyForcibly();
      }
      String output = Files.readString(log);
      assertTrue(finished, script + " did not finish in 3 minutes:\n" + output);
      assertEquals(0, p.exitValue(), script + " failed:\n" + output);
      assertTrue(Files.size(out.resolve(screenshot)) > 10_000, "a real screenshot was taken");
    }
  }
}
