package dev.ensemble.ai.support;

import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * {@code POST .../ai/complete} as the editor makes it, with a bearer token: sent asynchronously so
 * that a test can abandon it the way a keystroke aborts the browser's fetch.
 */
public final class CompleteCall {
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  private CompleteCall() {}

  public static CompletableFuture<HttpResponse<String>> send(
      String baseUrl, String token, String projectId, JsonObject body) {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(baseUrl + "/api/projects/" + projectId + "/ai/complete"))
            .header("Authorization", "Bearer " + token)
            .header("Content-Type", "application/json")
            .timeout(Duration.ofSeconds(30))
            .POST(HttpRequest.BodyPublishers.ofString(body.encode()))
            .build();
    return HTTP.sendAsync(request, HttpResponse.BodyHandlers.ofString());
  }

  /** The request body for a file and the code on either side of the cursor. */
  public static JsonObject body(String path, String prefix, String suffix) {
    return new JsonObject().put("path", path).put("prefix", prefix).put("suffix", suffix);
  }
}
