package dev.ensemble.ai.support;

import dev.ensemble.support.LiveClient;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/** An answer as a participant watches it on the live channel. */
public final class AnswerEvents {
  private AnswerEvents() {}

  /** The events of one answer until its end ({@code done} or {@code error}). */
  public static List<JsonObject> untilEnd(LiveClient client, String messageId) throws InterruptedException {
    List<JsonObject> out = new ArrayList<>();
    while (true) {
      JsonObject m = client.next(x -> "ai".equals(x.getString("channel")) && messageId.equals(x.getString("messageId")));
      out.add(m);
      if ("done".equals(m.getString("event")) || "error".equals(m.getString("event"))) {
        return out;
      }
    }
  }

  /** The text the token events spell (a token's data alone, without {@code event}, counts too). */
  public static String text(List<JsonObject> events) {
    StringBuilder b = new StringBuilder();
    for (JsonObject e : events) {
      if (!e.containsKey("event") || "token".equals(e.getString("event"))) {
        b.append(e.getString("text", ""));
      }
    }
    return b.toString();
  }
}
