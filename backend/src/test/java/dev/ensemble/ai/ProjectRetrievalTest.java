package dev.ensemble.ai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ensemble.ai.support.AiProject;
import dev.ensemble.ai.support.ChatCall;
import dev.ensemble.ai.support.OpenAiWire;
import dev.ensemble.ai.support.ProviderStandIn;
import dev.ensemble.support.ApiClient;
import dev.ensemble.support.TestServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Retrieval with the real all-MiniLM-L6-v2 embeddings: a question finds the file it is about,
 * and an edit is found once it is stored, without anything but the edit happening.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ProjectRetrievalTest {
  private static ProviderStandIn provider;
  private static TestServer server;

  @BeforeAll
  static void start() {
    provider = ProviderStandIn.start();
    server = TestServer.start(Map.of(
        "ENSEMBLE_AI_PROVIDER", "openai-compatible",
        "ENSEMBLE_AI_BASE_URL", provider.baseUrl(),
        "ENSEMBLE_AI_CHAT_MODEL", "stand-in-coder",
        "ENSEMBLE_AI_REQUESTS_PER_MINUTE", "0",
        "ENSEMBLE_AI_RETRIEVAL_TOP_K", "2",
        "ENSEMBLE_AI_RETRIEVAL_DEBOUNCE_MS", "50"));
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
    if (provider != null) {
      provider.close();
    }
  }

  @Test
  void aQuestionRetrievesTheFileItIsAboutAndEditsAreRetrievable() {
    AiProject p = AiProject.create(server);
    write(p, "src/calendar_input.py", """
        from datetime import datetime


        def parse_timestamp(text):
            \"\"\"Parse a date string such as 2024-03-01 or 01/03/2024 into a datetime.\"\"\"
            for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
                try:
                    return datetime.strptime(text, pattern)
                except ValueError:
                    continue
            raise ValueError("not a date: " + text)
        """);
    write(p, "src/network.py", """
        import urllib.request


        def fetch(url, retries=3):
            \"\"\"Download a web page over HTTP, retrying when the connection fails.\"\"\"
            for attempt in range(retries):
                try:
                    with urllib.request.urlopen(url) as response:
                        return response.read()
                except OSError:
                    if attempt == retries - 1:
                        raise
        """);
    write(p, "styles/theme.css", """
        body { background: #fafafa; color: #222; font-family: sans-serif; }
        .button { border-radius: 4px; padding: 4px 8px; }
        """);
    write(p, "README.md", "# Shop\n\nA small web shop: products, a basket and a checkout page.\n");

    List<JsonObject> found = retrieved(p, "How are we parsing dates from user input?");
    assertEquals("src/calendar_input.py", found.get(0).getString("path"), "best match first: " + found);
    String request = lastUserMessage(provider.nextExchange().body());
    assertTrue(request.contains("datetime.strptime(text, pattern)"), request);

    // an edit, then at once a question about what the edit added
    write(p, "styles/theme.css", """
        body { background: #fafafa; }

        /* Colour of an invoice's status badge: paid invoices are green, overdue ones red. */
        .invoice-paid { color: green; }
        .invoice-overdue { color: red; }
        """);
    List<JsonObject> after = retrieved(p, "Which colour shows that an invoice is overdue?");
    assertEquals("styles/theme.css", after.get(0).getString("path"), "the edited file is found: " + after);
    String second = lastUserMessage(provider.nextExchange().body());
    assertTrue(second.contains(".invoice-overdue { color: red; }"), second);
  }

  /** Asks in chat and returns the retrieved pieces the answer's first event lists, best first. */
  private static List<JsonObject> retrieved(AiProject p, String question) {
    provider.enqueue(OpenAiWire.answer(List.of("Noted."), 10, 1));
    ChatCall call = p.chat(server, p.editorToken(), new JsonObject().put("message", question));
    assertEquals(200, call.status());
    JsonArray sent = call.next().data().getJsonArray("context");
    call.rest();
    return sent.stream().map(o -> (JsonObject) o).filter(o -> "retrieved".equals(o.getString("kind"))).toList();
  }

  private static void write(AiProject p, String path, String text) {
    ApiClient.Response r = p.editor().sendBytes("PUT", p.path("/files/" + path), text.getBytes(StandardCharsets.UTF_8));
    assertTrue(r.status() == 200 || r.status() == 201, r.toString());
  }

  private static String lastUserMessage(JsonObject request) {
    return request.getJsonArray("messages").stream().map(o -> (JsonObject) o)
        .filter(m -> "user".equals(m.getString("role")))
        .map(m -> String.valueOf(m.getValue("content")))
        .reduce((a, b) -> b).orElseThrow();
  }
}
