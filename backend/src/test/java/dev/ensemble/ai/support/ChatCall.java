package dev.ensemble.ai.support;

import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A {@code POST .../ai/chat} as a browser's EventSource-like reader would make it: the server-sent
 * events are parsed as they arrive and can be taken one at a time, or the call abandoned.
 */
public final class ChatCall implements AutoCloseable {
  /** One server-sent event. */
  public record Event(String name, JsonObject data) {}

  private static final Event END = new Event("", new JsonObject());
  private final HttpResponse<InputStream> response;
  private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
  private final String errorBody;

  private ChatCall(HttpResponse<InputStream> response) throws IOException {
    this.response = response;
    if (response.statusCode() != 200) {
      try (InputStream in = response.body()) {
        errorBody = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
      events.add(END);
      return;
    }
    errorBody = "";
    Thread reader = new Thread(this::read, "chat-call-reader");
    reader.setDaemon(true);
    reader.start();
  }

  /** Sends the request with a bearer token and returns once the response headers are in. */
  public static ChatCall start(String baseUrl, String token, String projectId, JsonObject body) {
    return post(baseUrl, token, "/api/projects/" + projectId + "/ai/chat", body);
  }

  /** As {@link #start}, to another streaming route of the assistant ({@code .../ai/actions}, {@code .../ai/agent}). */
  public static ChatCall post(String baseUrl, String token, String path, JsonObject body) {
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(baseUrl + path))
            .header("Authorization", "Bearer " + token)
            .header("Content-Type", "application/json")
            .timeout(Duration.ofSeconds(30))
            .POST(HttpRequest.BodyPublishers.ofString(body.encode()))
            .build();
    try {
      return new ChatCall(http.send(request, HttpResponse.BodyHandlers.ofInputStream()));
    } catch (IOException | InterruptedException e) {
      throw new IllegalStateException("chat request failed: " + e, e);
    }
  }


  public int status() {
    return response.statusCode();
  }

  public java.net.http.HttpHeaders headers() {
    return response.headers();
  }

  /** The JSON error body of a refused call. */
  public JsonObject error() {
    return new JsonObject(errorBody).getJsonObject("error");
  }

  /** The next event, waiting up to 10 s. */
  public Event next() {
    try {
      Event e = events.poll(10, TimeUnit.SECONDS);
      if (e == null) {
        throw new AssertionError("no event within 10 s");
      }
      if (e == END) {
        events.add(END);
        throw new AssertionError("the event stream ended");
      }
      return e;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Every remaining event until the server ends the stream. */
  public List<Event> rest() {
    List<Event> out = new ArrayList<>();
    try {
      while (true) {
        Event e = events.poll(20, TimeUnit.SECONDS);
        if (e == null) {
          throw new AssertionError("the stream did not end within 20 s; so far " + out);
        }
        if (e == END) {
          events.add(END);
          return out;
        }
        out.add(e);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Walks away: closes the connection without reading further. */
  @Override
  public void close() {
    try {
      response.body().close();
    } catch (IOException ignored) {
      // gone either way
    }
  }

  private void read() {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
      String name = "message";
      StringBuilder data = new StringBuilder();
      String line;
      while ((line = in.readLine()) != null) {
        if (line.isEmpty()) {
          if (data.length() > 0) {
            events.add(new Event(name, new JsonObject(data.toString())));
          }
          name = "message";
          data.setLength(0);
        } else if (line.startsWith("event:")) {
          name = line.substring(6).trim();
        } else if (line.startsWith("data:")) {
          data.append(line.substring(5).trim());
        }
      }
    } catch (IOException closed) {
      // the test closed it, or the server went away
    } finally {
      events.add(END);
    }
  }
}
