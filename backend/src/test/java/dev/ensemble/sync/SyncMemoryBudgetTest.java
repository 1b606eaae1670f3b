package dev.ensemble.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ensemble.support.ApiClient;
import dev.ensemble.support.TestServer;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Documents nobody syncs leave memory beyond a budget instead of piling up until their idle timer
 * (an import of thousands of files would otherwise hold every one of them in native memory).
 */
class SyncMemoryBudgetTest {

  @Test
  void idleDocumentsBeyondTheBudgetLeaveMemoryAndReloadWhenRead() throws Exception {
    try (TestServer server = TestServer.start(Map.of(
        "ENSEMBLE_SYNC_MAX_IDLE_DOCUMENTS", "5",
        "ENSEMBLE_SYNC_IDLE_EVICTION_MS", "3600000"))) {
      ApiClient owner = server.client();
      owner.signup("budget", "correct horse battery");
      String project = owner.post("/api/projects", new JsonObject().put("name", "many files")).json().getString("id");
      for (int i = 0; i < 40; i++) {
        ApiClient.Response r = owner.sendBytes("PUT", "/api/projects/" + project + "/files/src/f" + i + ".txt",
            ("file " + i + "\n").getBytes(StandardCharsets.UTF_8));
        assertTrue(r.status() == 201 || r.status() == 200, r.toString());
      }

      long deadline = System.nanoTime() + 10_000_000_000L;
      double loaded;
      while ((loaded = gauge(server, "ensemble_documents_loaded")) > 6 && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      // 41 documents were written (the root and 40 files); at most the budget (plus one being
      // dropped) stays loaded, although none has reached its idle time.
      assertTrue(loaded <= 6, "loaded documents: " + loaded);
      assertTrue(gauge(server, "ensemble_documents_idle") <= 5);

      for (int i = 0; i < 40; i++) {
        assertEquals("file " + i + "\n", owner.get("/api/projects/" + project + "/files/src/f" + i + ".txt").body(),
            "an evicted document loads again from the store");
      }
    }
  }

  private static double gauge(TestServer server, String name) {
    String metrics = server.client().get("/metrics").body();
    return metrics.lines()
        .filter(l -> l.startsWith(name + " ") || l.startsWith(name + "{"))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .findFirst()
        .orElseThrow(() -> new AssertionError(name + " is not published"));
  }
}
