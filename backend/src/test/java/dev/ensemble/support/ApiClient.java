package dev.ensemble.support;

import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.CookieManager;
import java.net.HttpCookie;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;

/** A blocking HTTP client for tests that behaves like the web app: cookies plus CSRF header. */
public final class ApiClient {
  private final String base;
  private final CookieManager cookies = new CookieManager();
  private final HttpClient http;
  private Optional<String> bearer = Optional.empty();
  private boolean sendCsrf = true;

  /** A client of a server that this JVM did not start (benchmarks with the server in another process). */
  public static ApiClient at(String baseUrl) {
    return new ApiClient(baseUrl);
  }

  ApiClient(String base) {
    this.base = base;
    this.http =
        HttpClient.newBuilder()
            .cookieHandler(cookies)
            .connectTimeout(Duration.ofSeconds(10))
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
  }

  /** A response with its body parsed when it is JSON. */
  public record Response(int status, String body, java.net.http.HttpHeaders headers) {
    public JsonObject json() {
      return new JsonObject(body);
    }

    public JsonArray array() {
      return new JsonArray(body);
    }

    public String errorCode() {
      return json().getJsonObject("error").getString("code");
    }

    @Override
    public String toString() {
      return status + " " + body;
    }
  }

  /** Uses {@code Authorization: Bearer} instead of cookies from now on. */
  public ApiClient withBearer(String token) {
    this.bearer = Optional.of(token);
    return this;
  }

  /** Stops sending the CSRF header (to test that it is required). */
  public ApiClient withoutCsrf() {
    this.sendCsrf = false;
    return this;
  }

  public Response get(String path) {
    return send("GET", path, null, "application/json");
  }

  public Response post(String path, Object body) {
    return send("POST", path, body == null ? null : Json.encode(body), "application/json");
  }

  public Response patch(String path, Object body) {
    return send("PATCH", path, Json.encode(body), "application/json");
  }

  public Response delete(String path) {
    return send("DELETE", path, null, "application/json");
  }

  /** Sends raw bytes (file uploads). */
  public Response sendBytes(String method, String path, byte[] body) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(base + path))
            .timeout(Duration.ofSeconds(30))
            .header("Content-Type", "application/octet-stream")
            .method(method, HttpRequest.BodyPublishers.ofByteArray(body));
    bearer.ifPresent(t -> b.header("Authorization", "Bearer " + t));
    if (sendCsrf) {
      csrf().ifPresent(t -> b.header("X-CSRF-Token", t));
    }
    try {
      HttpResponse<String> r = exchange(b.build());
      return new Response(r.statusCode(), r.body(), r.headers());
    } catch (Exception e) {
      throw new IllegalStateException(method + " " + path + " failed: " + e, e);
    }
  }

  /** Sends a raw body with a given content type. */
  public Response send(String method, String path, String body, String contentType) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(base + path))
            .timeout(Duration.ofSeconds(30))
            .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      b.header("Content-Type", contentType);
    }
    bearer.ifPresent(t -> b.header("Authorization", "Bearer " + t));
    if (sendCsrf) {
      csrf().ifPresent(t -> b.header("X-CSRF-Token", t));
    }
    try {
      HttpResponse<String> r = exchange(b.build());
      return new Response(r.statusCode(), r.body(), r.headers());
    } catch (Exception e) {
      throw new IllegalStateException(method + " " + path + " failed: " + e, e);
    }
  }

  /**
   * Sends and waits at most 60 s for the whole response: the request timeout only covers the
   * headers, and a reply whose body never ends must fail the test, not hang the build.
   */
  private HttpResponse<String> exchange(HttpRequest request) throws Exception {
    var pending = http.sendAsync(request, HttpResponse.BodyHandlers.ofString());
    try {
      return pending.get(60, java.util.concurrent.TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      pending.cancel(true);
      throw new IllegalStateException("no complete response within 60 s to " + request.method() + " " + request.uri());
    }
  }

  public Optional<String> csrf() {
    return cookie("ensemble_csrf");
  }

  public Optional<String> cookie(String name) {
    return cookies.getCookieStore().getCookies().stream()
        .filter(c -> c.getName().equals(name) && !c.getValue().isEmpty())
        .map(HttpCookie::getValue)
        .findFirst();
  }

  /** Signs up a new account and stays logged in; returns the user JSON. */
  public JsonObject signup(String username, String password) {
    Response r = post("/api/auth/signup", new JsonObject().put("username", username).put("password", password));
    if (r.status() != 201) {
      throw new IllegalStateException("signup failed: " + r);
    }
    return r.json().getJsonObject("user");
  }
}
