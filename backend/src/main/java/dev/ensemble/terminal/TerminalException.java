package dev.ensemble.terminal;

/** A terminal request refused for a reason the client can act on; {@code code} is its wire name. */
public final class TerminalException extends RuntimeException {
  private final String code;

  public TerminalException(String code, String message) {
    super(message, null, false, false);
    this.code = code;
  }

  public String code() {
    return code;
  }
}
