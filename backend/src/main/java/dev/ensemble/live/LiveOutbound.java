package dev.ensemble.live;

import io.vertx.core.json.JsonObject;

/** A live connection's way out, as the feeds that write to it see it. All calls on its context. */
interface LiveOutbound {
  /** Sends a message (or holds it, bounded, while the socket is full); false when the connection is gone. */
  boolean send(JsonObject message);

  /** True while the socket's write queue is full. */
  boolean full();

  /** Calls {@code next} on the context once the socket can take more. */
  void whenWritable(Runnable next);
}
