package dev.ensemble.live;

import java.time.Duration;

/**
 * Limits of the live channel.
 *
 * @param maxInboundBytes largest message a client may send; more is a protocol error
 * @param maxOutboundBytes bytes queued to one client; beyond it events are not queued: the client
 *     is dropped as too slow, except run output, which waits (bounded) and then catches up
 * @param maxStall how long a client may take nothing from a full queue before it is dropped
 */
public record LiveSettings(int maxInboundBytes, int maxOutboundBytes, Duration maxStall) {
  public static LiveSettings defaults() {
    return new LiveSettings(64 * 1024, 8 * 1024 * 1024, Duration.ofSeconds(10));
  }
}
