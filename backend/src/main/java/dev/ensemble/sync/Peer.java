package dev.ensemble.sync;

import dev.ensemble.sync.protocol.WireMessage;

/** A connected remote repo as documents see it; implemented by the transport. */
interface Peer {
  /** The id the remote sent in {@code join}. */
  String peerId();

  /** False for viewers: their changes are refused. */
  boolean mayWrite();

  /** Queues a message for the remote; callable from any thread, never blocks. */
  void send(WireMessage message);

  /** Tells the remote why with an {@code error} and closes the connection. */
  void fail(String reason);

  /** One message handed to a document has been dealt with (for inbound backpressure). */
  void processed();
}
