package dev.ensemble.sync.protocol;

/** A frame that is not a well-formed message of the protocol; the connection is closed after it. */
public final class ProtocolException extends Exception {
  public ProtocolException(String message) {
    super(message, null, false, false);
  }
}
