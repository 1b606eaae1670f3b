package dev.ensemble.sync;

import dev.ensemble.config.ConfigException;
import java.time.Duration;
import java.util.Map;

/**
 * Limits and tunables of the sync endpoint and the files API, read from {@code ENSEMBLE_SYNC_*}
 * variables by {@link #fromEnv} (documented in docs/sync.md).
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
 * @param maxFileBytes largest file the files API accepts (413 above)
 * @param maxPathLength longest file path, in characters
 * @param maxPathDepth most path segments (directories plus the file name)
 * @param maxIdleDocuments documents with no peer kept in memory at once on this node; beyond it the
 *     least recently used are dropped at once instead of after {@code idleEviction} (a loaded
 *     Automerge text costs hundreds of bytes per character of native memory)
 * @param replyWait how long a document holds back new changes from a peer that has not answered
 *     the last changes it was sent; after it the peer is sent them anyway
 * @param maxMessagesPerSecond inbound messages one connection may send per second, sustained
 * @param messageBurst inbound messages one connection may send at once above the sustained rate;
 *     a connection that exceeds both gets an {@code error} and is closed (a flood)
 * @param maxAwaitedDocuments documents one connection was told are unavailable and is remembered
 *     for, to be synced when they appear; beyond it the oldest is forgotten (0: none is remembered)
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
    int documentThreads,
    int maxFileBytes,
    int maxPathLength,
    int maxPathDepth,
    int maxIdleDocuments,
    Duration replyWait,
    int maxMessagesPerSecond,
    int messageBurst,
    int maxAwaitedDocuments) {

  public static SyncSettings defaults() {
    return fromEnv(Map.of());
  }

  /** Reads every {@code ENSEMBLE_SYNC_*} variable, defaults for those unset; a bad value throws naming it. */
  public static SyncSettings fromEnv(Map<String, String> env) {
    Env e = new Env(env);
    int maxMessage = e.integer("ENSEMBLE_SYNC_MAX_MESSAGE_BYTES", 16 * 1024 * 1024, 1024, 1 << 30);
    int maxOutbound = e.integer("ENSEMBLE_SYNC_MAX_OUTBOUND_BYTES", Math.max(32 * 1024 * 1024, maxMessage), 1024, Integer.MAX_VALUE);
    if (maxOutbound < maxMessage) {
      throw new ConfigException("ENSEMBLE_SYNC_MAX_OUTBOUND_BYTES",
          "must be at least ENSEMBLE_SYNC_MAX_MESSAGE_BYTES (" + maxMessage + "), got " + maxOutbound);
    }
    return new SyncSettings(
        maxMessage,
        maxOutbound,
        e.integer("ENSEMBLE_SYNC_MAX_IN_FLIGHT", 256, 2, 1_000_000),
        e.integer("ENSEMBLE_SYNC_MAX_DOCUMENTS_PER_CONNECTION", 10_000, 1, 10_000_000),
        Duration.ofMillis(e.integer("ENSEMBLE_SYNC_JOIN_TIMEOUT_MS", 10_000, 100, 3_600_000)),
        Duration.ofMillis(e.integer("ENSEMBLE_SYNC_KEEP_ALIVE_MS", 30_000, 100, 3_600_000)),
        Duration.ofMillis(e.integer("ENSEMBLE_SYNC_IDLE_EVICTION_MS", 120_000, 1, 86_400_000)),
        e.integer("ENSEMBLE_SYNC_COMPACTION_MIN_BYTES", 256 * 1024, 0, Integer.MAX_VALUE),
        e.integer("ENSEMBLE_SYNC_DOCUMENT_THREADS", Math.max(2, Runtime.getRuntime().availableProcessors()), 1, 1024),
        e.integer("ENSEMBLE_SYNC_MAX_FILE_BYTES", 10 * 1024 * 1024, 1, 1 << 30),
        e.integer("ENSEMBLE_SYNC_MAX_PATH_LENGTH", 1024, 1, 65_536),
        e.integer("ENSEMBLE_SYNC_MAX_PATH_DEPTH", 32, 1, 1024),
        e.integer("ENSEMBLE_SYNC_MAX_IDLE_DOCUMENTS", 256, 1, 10_000_000),
        Duration.ofMillis(e.integer("ENSEMBLE_SYNC_REPLY_WAIT_MS", 1_000, 1, 600_000)),
        e.integer("ENSEMBLE_SYNC_MAX_MESSAGES_PER_SECOND", 500, 1, 10_000_000),
        e.integer("ENSEMBLE_SYNC_MESSAGE_BURST", 1_000, 1, 100_000_000),
        e.integer("ENSEMBLE_SYNC_MAX_AWAITED_DOCUMENTS", 256, 0, 10_000_000));
  }

  public SyncSettings {
    if (maxMessageBytes < 1024 || maxOutboundBytes < maxMessageBytes || maxInFlight < 2
        || maxDocumentsPerConnection < 1 || documentThreads < 1 || compactionMinBytes < 0
        || maxFileBytes < 1 || maxPathLength < 1 || maxPathDepth < 1 || maxIdleDocuments < 1
        || replyWait.isNegative() || replyWait.isZero() || maxMessagesPerSecond < 1 || messageBurst < 1
        || maxAwaitedDocuments < 0) {
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
        joinTimeout, keepAlive, idleEviction, compactionMinBytes, documentThreads, maxFileBytes, maxPathLength,
        maxPathDepth, maxIdleDocuments, replyWait, maxMessagesPerSecond, messageBurst, maxAwaitedDocuments);
  }

  public SyncSettings withIdleEviction(Duration idle) {
    return new SyncSettings(maxMessageBytes, maxOutboundBytes, maxInFlight, maxDocumentsPerConnection,
        joinTimeout, keepAlive, idle, compactionMinBytes, documentThreads, maxFileBytes, maxPathLength, maxPathDepth,
        maxIdleDocuments, replyWait, maxMessagesPerSecond, messageBurst, maxAwaitedDocuments);
  }

  public SyncSettings withCompactionMinBytes(long bytes) {
    return new SyncSettings(maxMessageBytes, maxOutboundBytes, maxInFlight, maxDocumentsPerConnection,
        joinTimeout, keepAlive, idleEviction, bytes, documentThreads, maxFileBytes, maxPathLength, maxPathDepth,
        maxIdleDocuments, replyWait, maxMessagesPerSecond, messageBurst, maxAwaitedDocuments);
  }

  public SyncSettings withMaxIdleDocuments(int documents) {
    return new SyncSettings(maxMessageBytes, maxOutboundBytes, maxInFlight, maxDocumentsPerConnection,
        joinTimeout, keepAlive, idleEviction, compactionMinBytes, documentThreads, maxFileBytes, maxPathLength,
        maxPathDepth, documents, replyWait, maxMessagesPerSecond, messageBurst, maxAwaitedDocuments);
  }

  public SyncSettings withMessageRate(int perSecond, int burst) {
    return new SyncSettings(maxMessageBytes, maxOutboundBytes, maxInFlight, maxDocumentsPerConnection,
        joinTimeout, keepAlive, idleEviction, compactionMinBytes, documentThreads, maxFileBytes, maxPathLength,
        maxPathDepth, maxIdleDocuments, replyWait, perSecond, burst, maxAwaitedDocuments);
  }

  /** Integer variables with a range; blank counts as unset. */
  private record Env(Map<String, String> env) {
    int integer(String name, int dflt, int min, int max) {
      return dev.ensemble.config.Env.integer(env, name, dflt, min, max);
    }
  }
}
