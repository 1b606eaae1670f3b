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
 * The web app in a real browser (Debian's chromium driven by playwright-core, from web/e2e):
 * sign up, create a project, invite a second browser context, accept, and take the README's
 * screenshot. Skipped only when chromium is absent and ENSEMBLE_REQUIRE_BROWSER is not true.
 */
class BrowserFlowTest {
  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");

  @Test
  void signUpCreateProjectInviteAndAcceptInTwoBrowsers() throws Exception {
    boolean required = "true".equalsIgnoreCase(System.getenv("ENSEMBLE_REQUIRE_BROWSER"));
    if (!Files.isExecutable(CHROMIUM)) {
      assertTrue(!required, "ENSEMBLE_REQUIRE_BROWSER=true but /usr/bin/chromium is missing (apt-get install chromium)");
      Assumptions.abort("no /usr/bin/chromium; install Debian's chromium to run the browser test");
    }
    Path web = Path.of("..", "web").toAbsolutePath().normalize();
    assertTrue(Files.isDirectory(web.resolve("node_modules/playwright-core")),
        "web/node_modules is missing: build from the repository root (./mvnw verify) so npm ci runs first");
    assertTrue(Files.exists(Path.of("target/classes/webroot/index.html")),
        "the web app is not on the classpath: build from the repository root so web/dist is packaged");
    Path out = Path.of("target", "e2e").toAbsolutePath();
    Files.createDirectories(out);
    Path log = out.resolve("browser.log");
    try (TestServer server = TestServer.start()) {
      ProcessBuilder pb = new ProcessBuilder("node", "e2e/foundation.e2e.mjs").directory(web.toFile());
      pb.environment().put("ENSEMBLE_BASE_URL", server.baseUrl());
      pb.environment().put("ENSEMBLE_SCREENSHOT", out.resolve("screenshot.png").toString());
      pb.redirectErrorStream(true).redirectOutput(log.toFile());
      Process p = pb.start();
      boolean finished = p.waitFor(3, TimeUnit.MINUTES);
      if (!finished) {
        p.destroyForcibly();
      }
      String output = Files.readString(log);
      assertTrue(finished, "browser flow did not finish in 3 minutes:\n" + output);
      assertEquals(0, p.exitValue(), "browser flow failed:\n" + output);
      assertTrue(Files.size(out.resolve("screenshot.png")) > 10_000, "a real screenshot was taken");
    }
  }
}
