package dev.ensemble.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ensemble.ai.support.OpenAiWire;
import dev.ensemble.ai.support.ProviderStandIn;
import dev.ensemble.ai.support.ProviderStandIn.Exchange;
import dev.ensemble.git.support.BareRepo;
import dev.ensemble.git.support.GitHttpServer;
import dev.ensemble.support.TempDirs;
import dev.ensemble.support.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.eclipse.jgit.revwalk.RevCommit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The web app in a real browser (Debian's chromium driven by playwright-core, scripts in web/e2e):
 * sign-up, projects and invites across two browser contexts, and two people editing one file
 * live, uploading, moving and searching files and editing offline, importing, editing, committing
 * and pushing a git repository, the shared terminal typed by one and watched by another (that
 * one needs the sandbox too), and the assistant's answer streaming to two people and applied to a
 * file (against a local model stand-in). They take the README's
 * screenshots. Skipped only when chromium is absent and
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
  void uploadMoveFindAndEditOfflineThenMergeWhenBackOnline() throws Exception {
    runScript("ide.e2e.mjs", "ENSEMBLE_SCREENSHOT_FILES", "screenshot-files.png",
        Map.of("ENSEMBLE_SYNC_MAX_FILE_BYTES", "200000"), Map.of("ENSEMBLE_E2E_MAX_FILE_BYTES", "200000"));
  }

  @Test
  void importARepositoryEditCommitAndPushFromTheBrowser() throws Exception {
    String username = "gina_" + Long.toHexString(System.nanoTime());
    String message = "Answer the question, from the browser";
    String line = "answer = 42  # typed in the browser";
    try (GitHttpServer remote = GitHttpServer.start(TempDirs.create("ensemble-e2e-git"))) {
      BareRepo repo = BareRepo.create(remote.root(), "webgit-demo", BareRepo.text(Map.of(
          "README.md", "# Demo\n",
          "src/app.py", "print('hello')\n",
          "notes.txt", "keep me\n")));
      runScript("git.e2e.mjs", "ENSEMBLE_SCREENSHOT_GIT", "screenshot-git.png",
          Map.of("ENSEMBLE_GIT_ALLOW_HTTP", "true"),
          Map.of("ENSEMBLE_GIT_REPO_URL", remote.url("webgit-demo"),
              "ENSEMBLE_GIT_USERNAME", GitHttpServer.USER,
              "ENSEMBLE_GIT_TOKEN", GitHttpServer.PASSWORD,
              "ENSEMBLE_E2E_USERNAME", username,
              "ENSEMBLE_E2E_DISPLAY_NAME", "Gina Git",
              "ENSEMBLE_E2E_COMMIT_MESSAGE", message,
              "ENSEMBLE_E2E_EDIT_LINE", line));

      RevCommit head = repo.head();
      assertEquals(message, head.getFullMessage());
      assertEquals("Gina Git", head.getAuthorIdent().getName());
      assertEquals(username + "@users.noreply.ensemble", head.getAuthorIdent().getEmailAddress());
      assertEquals("print('hello')\n" + line + "\n", repo.text("src/app.py").orElseThrow());
      assertEquals("keep me\n", repo.text("notes.txt").orElseThrow());
      assertEquals(1, head.getParentCount(), "one commit on top of the imported one");
    }
  }

  @Test
  void anOwnerTypesInTheSharedTerminalWhileAViewerWatches() throws Exception {
    runScript("terminal.e2e.mjs", "ENSEMBLE_SCREENSHOT_TERMINAL", "screenshot-terminal.png");
  }

  @Test
  void twoPeopleWatchAnAnswerStreamInThenApplyItsCodeToTheSharedFile() throws Exception {
    try (ProviderStandIn model = ProviderStandIn.start()) {
      // Held after the code block's first line until the script has seen both screens so.
      var answer = OpenAiWire.answerHeldUntil("rest-of-answer",
          List.of("Use the built-in ", "`sum`:", "\n\n```python path=main.py\n", "def total(xs):\n"),
          List.of("    return sum(xs)\n", "```\n", "\n```html\n", "<img src=x onerror=\"window.pwned = 1\">\n",
              "```\n", "\nThat is all", "."),
          30);
      // Ghost text only where the editor typed `print(`; nothing for the owner's typing.
      var suggestion = OpenAiWire.completion("total([1, 2]))", 12, 5, 0);
      var nothing = OpenAiWire.completion("", 12, 0, 0);
      model.always(request -> !request.containsKey("prompt") ? answer.apply(request)
          : request.getString("prompt").endsWith("print(") ? suggestion.apply(request) : nothing.apply(request));
      runScript("assistant.e2e.mjs", "ENSEMBLE_SCREENSHOT_ASSISTANT", "screenshot-assistant.png",
          Map.of("ENSEMBLE_AI_PROVIDER", "openai-compatible",
              "ENSEMBLE_AI_BASE_URL", model.baseUrl(),
              "ENSEMBLE_AI_CHAT_MODEL", "stand-in-coder",
              "ENSEMBLE_AI_COMPLETION_MODE", "fim",
              "ENSEMBLE_AI_REQUESTS_PER_MINUTE", "0",
              // No embedding model to load: the scenario is about the web app, not retrieval.
              "ENSEMBLE_AI_RETRIEVAL_TOP_K", "0"),
          Map.of("ENSEMBLE_E2E_RELEASE_ANSWER_URL", model.signalUrl("rest-of-answer")));

      List<Exchange> asked = model.drainExchanges().stream()
          .filter(e -> e.path().equals("/v1/chat/completions"))
          .toList();
      assertEquals(1, asked.size(), "one question reached the model");
      assertTrue(asked.get(0).body().encode().contains("main.py"), "the open file went with the question");
    }
  }

  /** Runs one web/e2e script against a fresh server; it exits 0 only when its scenario passed. */
  private static void runScript(String script, String screenshotVariable, String screenshot) throws Exception {
    runScript(script, screenshotVariable, screenshot, Map.of(), Map.of());
  }

  /**
   * Runs one web/e2e script against a fresh server (started with {@code serverEnv}, the script
   * given {@code scriptEnv}); it exits 0 only when its scenario passed.
   */
  private static void runScript(String script, String screenshotVariable, String screenshot,
      Map<String, String> serverEnv, Map<String, String> scriptEnv) throws Exception {
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
    try (TestServer server = TestServer.start(serverEnv)) {
      ProcessBuilder pb = new ProcessBuilder("node", "e2e/" + script).directory(web.toFile());
      pb.environment().putAll(scriptEnv);
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
