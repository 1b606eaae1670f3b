package dev.ensemble.ai;

import java.util.Locale;

/** Where an assistant message stands; user messages are always complete. */
public enum MessageStatus {
  /** Tokens are still arriving. */
  STREAMING,
  COMPLETE,
  /** Cut short (stopped, disconnected, dropped or failed after some text); the text so far is kept. */
  PARTIAL,
  /** Failed before any text. */
  ERROR;

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static MessageStatus parse(String wire) {
    return valueOf(wire.toUpperCase(Locale.ROOT));
  }
}
