package dev.ensemble.git.support;

import dev.ensemble.support.ApiClient;
import io.vertx.core.json.JsonObject;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.stream.Collectors;

/** A signed-in user's view of one project through the REST API, as the web app drives it. */
public final class Workbench {
  private final ApiClient client;
  private final String baseUrl;
  private final String projectId;

  public Workbench(ApiClient client, String baseUrl, String projectId) {
    this.client = client;
    this.baseUrl = baseUrl;
    this.projectId = projectId;
  }

  /** Stores the git server's password for its host. */
  public static void storeCredentials(ApiClient client, GitHttpServer git, String password) {
    ApiClient.Response r = client.post("/api/git/credentials", new JsonObject()
        .put("host", git.host()).put("username", GitHttpServer.USER).put("token", password));
    if (r.status() != 201) {
      throw new IllegalStateException("storing credentials failed: " + r);
    }
  }

  /** Polls a job until it has finished; its final JSON. */
  public static JsonObject awaitJob(ApiClient client, String jobId) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      JsonObject job = client.get("/api/jobs/" + jobId).json();
      String state = job.getString("state");
      if (!state.equals("queued") && !state.equals("running")) {
        return job;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("job " + jobId + " did not finish in 60 s");
  }

  public String projectId() {
    return projectId;
  }

  public ApiClient client() {
    return client;
  }

  public ApiClient.Response git(String method, String op, Object body) {
    String path = "/api/projects/" + projectId + "/git/" + op;
    return method.equals("GET") ? client.get(path) : client.post(path, body);
  }

  public ApiClient.Response put(String file, String text) {
    return client.send("PUT", filePath(file), text, "text/plain");
  }

  public ApiClient.Response read(String file) {
    return client.get(filePath(file));
  }

  /** The file's bytes as the files API serves them. */
  public byte[] bytes(String file) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(java.net.URI.create(baseUrl + filePath(file))).GET();
    client.cookie("ensemble_session").ifPresent(s -> b.header("Cookie", "ensemble_session=" + s));
    HttpResponse<byte[]> r = HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    if (r.statusCode() != 200) {
      throw new AssertionError("GET " + file + " answered " + r.statusCode());
    }
    return r.body();
  }

  public String filePath(String file) {
    return "/api/projects/" + projectId + "/files/" + Arrays.stream(file.split("/"))
        .map(s -> URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20"))
        .collect(Collectors.joining("/"));
  }
}
