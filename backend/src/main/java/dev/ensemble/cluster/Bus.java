package dev.ensemble.cluster;

import io.vertx.core.Future;
import java.util.function.Consumer;

/**
 * Node-to-node messages by topic. Every subscriber of a topic, on every node including the
 * publishing one, receives what is published to it; receivers ignore what their own node sent.
 * Delivery may be lost or late (pub/sub), so what must not be lost is also in the store and the
 * bus only tells where to catch up from.
 */
public interface Bus {
  /** This node's id, unique among the nodes sharing the bus. */
  String nodeId();

  Future<Void> publish(String topic, byte[] payload);

  /** Subscribed once the future completes; the handler may run on any thread. */
  Future<Subscription> subscribe(String topic, Consumer<byte[]> handler);

  /**
   * Registers what to do when messages may have been lost (the bus reconnected): receivers catch
   * up from the store.
   */
  default void onGap(Runnable listener) {}

  /** Releases connections; nothing is delivered afterwards. */
  default Future<Void> close() {
    return Future.succeededFuture();
  }

  /** A live subscription. */
  interface Subscription {
    Future<Void> cancel();
  }
}
