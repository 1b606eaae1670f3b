package dev.ensemble.live;

/**
 * Limits of the live channel.
 *
 * @param maxInboundBytes largest message a client may send; more is a protocol error
 * @param maxOutboundBytes bytes queued to one client before it counts as too slow and is dropped
 */
public record LiveSettings(int maxInboundBytes, int maxOutboundBytes) {
  public static LiveSettings defaults() {
    return new LiveSettings(64 * 1024, 8 * 1024 * 1024);
  }
}
