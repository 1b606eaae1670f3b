package dev.ensemble.live;

import dev.ensemble.ai.ChatEvent;
import dev.ensemble.ai.ChatFanOut;
import dev.ensemble.projects.ProjectSocketGate.Admitted;
import io.vertx.core.Context;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

/**
 * One participant on a project's live channel. Server → client messages are JSON objects
 * {@code {"channel": "ai", "event": <name>, "threadId", "messageId", ...}}; the client may send
 * {@code {"type": "ping"}} (answered {@code {"type": "pong"}}). Anything else, or a message over the
 * size limit, gets {@code {"type": "error", "message"}} and a 1008 close. A client whose queue
 * fills up is dropped with 1013 rather than letting memory grow.
 */
final class LiveConnection {
  private final Context context;
  private final Admitted admitted;
  private final ChatFanOut chat;
  private final LiveSettings settings;
  private final ServerWebSocket ws;
  private AutoCloseable chatSubscription;
  private boolean closed;

  LiveConnection(Context context, Admitted admitted, ChatFanOut chat, LiveSettings settings) {
    this.context = context;
    this.admitted = admitted;
    this.chat = chat;
    this.settings = settings;
    this.ws = admitted.socket();
  }

  void start() {
    ws.setWriteQueueMaxSize(settings.maxOutboundBytes());
    ws.textMessageHandler(this::onText);
    ws.binaryMessageHandler(b -> fail("messages are JSON text"));
    ws.closeHandler(v -> cleanup());
    ws.exceptionHandler(e -> cleanup());
    chatSubscription = chat.subscribe(admitted.project().id(), this::onChat);
    send(new JsonObject()
        .put("type", "welcome")
        .put("projectId", admitted.project().id().toString())
        .put("role", admitted.project().role().wire()));
  }

  private void onChat(ChatEvent event) {
    JsonObject message = event.toJson()
        .put("channel", "ai")
        .put("event", event.name())
        .put("threadId", event.threadId().toString())
        .put("messageId", event.messageId().toString());
    context.runOnContext(v -> send(message));
  }

  private void onText(String text) {
    if (text.length() > settings.maxInboundBytes()) {
      fail("message exceeds " + settings.maxInboundBytes() + " bytes");
      return;
    }
    JsonObject message;
    try {
      message = new JsonObject(text);
    } catch (DecodeException e) {
      fail("message is not a JSON object");
      return;
    }
    if ("ping".equals(message.getString("type"))) {
      send(new JsonObject().put("type", "pong"));
    } else {
      fail("unknown message type '" + message.getString("type") + "'");
    }
  }

  private void send(JsonObject message) {
    if (closed) {
      return;
    }
    if (ws.writeQueueFull()) {
      LiveEndpoint.log.info("dropping slow live client {} of project {}", admitted.caller().user().username(), admitted.project().id());
      closed = true;
      ws.close((short) 1013, "too slow");
      cleanup();
      return;
    }
    ws.writeTextMessage(message.encode());
  }

  private void fail(String reason) {
    LiveEndpoint.log.info("live connection of {} refused: {}", admitted.caller().user().username(), reason);
    send(new JsonObject().put("type", "error").put("message", reason));
    closed = true;
    ws.close((short) 1008, reason.length() > 120 ? reason.substring(0, 120) : reason);
    cleanup();
  }

  private void cleanup() {
    closed = true;
    if (chatSubscription != null) {
      try {
        chatSubscription.close();
      } catch (Exception ignored) {
        // closing a subscription cannot fail in a way that matters here
      }
      chatSubscription = null;
    }
  }
}
