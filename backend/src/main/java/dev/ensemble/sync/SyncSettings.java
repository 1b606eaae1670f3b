package dev.ensemble.sync;

import java.time.Duration;

/**
 * Limits and tunables of the sync endpoint.
 *
 * @param maxMessageBytes largest inbound WebSocket message; a bigger one gets an {@code error} and
 *     the connection is closed. The HTTP server's WebSocket frame and message limits must be at
 *     least this ({@link #transportLimitBytes()}).
 * @param maxOutboundBytes bytes queued for one connection beyond which it is dropped as too slow
 * @param maxInFlight messages of one connection handed to documents and not yet processed; beyond
 *     it the socket stops being read until half have been processed (TCP backpressure)
 * @param maxDocumentsPerConnection documents one connection may sync at once
 * @param joinTimeout time a new connection has to send {@code join}
 * @param keepAlive interval of WebSocket pings; a connection that misses a pong is closed
 * @param idleEviction time a document with no peers stays in memory
 * @param compactionMinBytes increments are folded into a snapshot once they exceed both this and
 *     the snapshot's size
 * @param documentThreads threads that run Automerge work (each document on one of them at a time)
 */
public record SyncSettings(
    int maxMessageBytes,
    int maxOutboundBytes,
    int maxInFlight,
    int maxDocumentsPerConnection,
    Duration joinTimeout,
    Duration keepAlive,
    Duration idleEviction,
    long compactionMinBytes,
    int documentThreads) {

  public static SyncSettings defaults() {
    return new SyncSettings(
        16 * 1024 * 1024,
        32 * 1024 * 1024,
        256,
        10_000,
        Duration.ofSeconds(10),
        Duration.ofSeconds(30),
        Duration.ofMinutes(2),
        256 * 1024,
        Math.max(2, Runtime.getRuntime().availableProcessors()));
  }

  public SyncSettings {
    if (maxMessageBytes < 1024 || maxOutboundBytes < maxMessageBytes || maxInFlight < 2
        || maxDocumentsPerConnection < 1 || documentThreads < 1 || compactionMinBytes < 0) {
      throw new IllegalArgumentException("invalid sync settings");
    }
  }

  /**
   * What the HTTP server should accept as one WebSocket frame and message: above our own limit so
   * that an oversize message reaches us and is answered with an {@code error} before closing.
   */
  public int transportLimitBytes() {
    return maxMessageBytes + 64 * 1024;
  }

  public SyncSettings withMaxMessageBytes(int bytes) {
    return new SyncSettings(bytes, Math.max(bytes, maxOutboundBytes), maxInFlight, maxDocumentsPerConnection,
        joinTimeout, keepAlive, idleEviction, compactionMinBytes, documentThreads);
  }

  public SyncSettings withIdleEviction(Duration idle) {
    return new SyncSettings(maxMessageBytes, maxOutboundBytes, maxInFlight, maxDocumentsPerConnection,
        joinTimeout, keepAlive, idle, compactionMinBytes, documentThreads);
  }

  public SyncSettings withCompactionMinBytes(long bytes) {
    return new SyncSettings(maxMessageBytes, maxOutboundBytes, maxInFlight, maxDocumentsPerConnection,
        joinTimeout, keepAlive, idleEviction, bytes, documentThreads);
  }
}
