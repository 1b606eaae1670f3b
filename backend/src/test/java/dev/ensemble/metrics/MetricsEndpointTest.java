package dev.ensemble.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ensemble.support.ApiClient;
import dev.ensemble.support.TestServer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What an operator scrapes from /metrics, and the health endpoints beside it. */
class MetricsEndpointTest {
  private static TestServer server;

  @BeforeAll
  static void start() {
    server = TestServer.start();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void prometheusTextCoversJvmEventLoopHttpByRouteAndPool() throws Exception {
    ApiClient alice = server.client();
    alice.signup("metrics_alice", "long enough pw");
    alice.post("/api/projects", new JsonObject().put("name", "Scraped"));
    Thread.sleep(500); // let the event-loop lag gauge take a first reading
    ApiClient.Response metrics = alice.get("/metrics");
    assertEquals(200, metrics.status());
    assertTrue(metrics.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
    String text = metrics.body();
    for (String family :
        new String[] {
          "jvm_memory_used_bytes",
          "ensemble_event_loop_lag_seconds",
          "vertx_pool_in_use",
          "vertx_http_server_active_connections",
          "vertx_http_server_response_time_seconds_bucket"
        }) {
      assertTrue(text.contains(family), "missing " + family);
    }
    assertTrue(
        text.lines().anyMatch(l -> l.startsWith("vertx_http_server_requests_total")
            && l.contains("route=\"/api/projects\"") && l.contains("code=\"201\"")),
        "HTTP requests counted by route");
  }

  @Test
  void healthAndReadinessAnswerJson() {
    ApiClient anyone = server.client();
    assertEquals("UP", anyone.get("/health").json().getString("status"));
    JsonObject ready = anyone.get("/ready").json();
    assertEquals("UP", ready.getString("status"));
    assertEquals("UP", ready.getJsonObject("checks").getString("migrations"));
  }
}
