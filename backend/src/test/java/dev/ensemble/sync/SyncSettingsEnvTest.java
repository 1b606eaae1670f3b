package dev.ensemble.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ensemble.config.ConfigException;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** ENSEMBLE_SYNC_* variables: defaults when unset, every one read, bad values named. */
class SyncSettingsEnvTest {

  @Test
  void unsetVariablesGiveTheDocumentedDefaults() {
    SyncSettings s = SyncSettings.fromEnv(Map.of());
    assertEquals(16 * 1024 * 1024, s.maxMessageBytes());
    assertEquals(32 * 1024 * 1024, s.maxOutboundBytes());
    assertEquals(256, s.maxInFlight());
    assertEquals(10_000, s.maxDocumentsPerConnection());
    assertEquals(Duration.ofSeconds(10), s.joinTimeout());
    assertEquals(Duration.ofSeconds(30), s.keepAlive());
    assertEquals(Duration.ofMinutes(2), s.idleEviction());
    assertEquals(256 * 1024, s.compactionMinBytes());
    assertTrue(s.documentThreads() >= 2);
    assertEquals(10 * 1024 * 1024, s.maxFileBytes());
    assertEquals(1024, s.maxPathLength());
    assertEquals(32, s.maxPathDepth());
    assertEquals(Duration.ofSeconds(1), s.replyWait());
    assertEquals(500, s.maxMessagesPerSecond());
    assertEquals(1_000, s.messageBurst());
    assertEquals(256, s.maxAwaitedDocuments());
    assertEquals(s, SyncSettings.defaults());
  }

  @Test
  void everyVariableIsRead() {
    SyncSettings s = SyncSettings.fromEnv(Map.ofEntries(
        Map.entry("ENSEMBLE_SYNC_MAX_MESSAGE_BYTES", "2048"),
        Map.entry("ENSEMBLE_SYNC_MAX_OUTBOUND_BYTES", "4096"),
        Map.entry("ENSEMBLE_SYNC_MAX_IN_FLIGHT", "8"),
        Map.entry("ENSEMBLE_SYNC_MAX_DOCUMENTS_PER_CONNECTION", "3"),
        Map.entry("ENSEMBLE_SYNC_JOIN_TIMEOUT_MS", "500"),
        Map.entry("ENSEMBLE_SYNC_KEEP_ALIVE_MS", "700"),
        Map.entry("ENSEMBLE_SYNC_IDLE_EVICTION_MS", "50"),
        Map.entry("ENSEMBLE_SYNC_COMPACTION_MIN_BYTES", "0"),
        Map.entry("ENSEMBLE_SYNC_DOCUMENT_THREADS", "3"),
        Map.entry("ENSEMBLE_SYNC_MAX_FILE_BYTES", "1_000"),
        Map.entry("ENSEMBLE_SYNC_MAX_PATH_LENGTH", " 64 "),
        Map.entry("ENSEMBLE_SYNC_MAX_PATH_DEPTH", "4"),
        Map.entry("ENSEMBLE_SYNC_MAX_IDLE_DOCUMENTS", "7"),
        Map.entry("ENSEMBLE_SYNC_REPLY_WAIT_MS", "250"),
        Map.entry("ENSEMBLE_SYNC_MAX_MESSAGES_PER_SECOND", "40"),
        Map.entry("ENSEMBLE_SYNC_MESSAGE_BURST", "90"),
        Map.entry("ENSEMBLE_SYNC_MAX_AWAITED_DOCUMENTS", "0")));
    assertEquals(new SyncSettings(2048, 4096, 8, 3, Duration.ofMillis(500), Duration.ofMillis(700),
        Duration.ofMillis(50), 0, 3, 1000, 64, 4, 7, Duration.ofMillis(250), 40, 90, 0), s);
  }

  @Test
  void badValuesNameTheirVariable() {
    assertBad("ENSEMBLE_SYNC_MAX_IN_FLIGHT", "many");
    assertBad("ENSEMBLE_SYNC_MAX_IN_FLIGHT", "1");
    assertBad("ENSEMBLE_SYNC_MAX_MESSAGE_BYTES", "12");
    assertBad("ENSEMBLE_SYNC_DOCUMENT_THREADS", "0");
    assertBad("ENSEMBLE_SYNC_IDLE_EVICTION_MS", "-5");
    assertBad("ENSEMBLE_SYNC_MAX_IDLE_DOCUMENTS", "0");
    assertBad("ENSEMBLE_SYNC_REPLY_WAIT_MS", "0");
    assertBad("ENSEMBLE_SYNC_MAX_MESSAGES_PER_SECOND", "0");
    assertBad("ENSEMBLE_SYNC_MESSAGE_BURST", "lots");
    assertBad("ENSEMBLE_SYNC_MAX_FILE_BYTES", "99999999999");
    assertBad("ENSEMBLE_SYNC_MAX_AWAITED_DOCUMENTS", "-1");
    ConfigException e = assertThrows(ConfigException.class, () -> SyncSettings.fromEnv(Map.of(
        "ENSEMBLE_SYNC_MAX_MESSAGE_BYTES", "65536", "ENSEMBLE_SYNC_MAX_OUTBOUND_BYTES", "4096")));
    assertTrue(e.getMessage().startsWith("ENSEMBLE_SYNC_MAX_OUTBOUND_BYTES"), e.getMessage());
  }

  private static void assertBad(String variable, String value) {
    ConfigException e = assertThrows(ConfigException.class, () -> SyncSettings.fromEnv(Map.of(variable, value)));
    assertTrue(e.getMessage().startsWith(variable + ":"), e.getMessage());
  }
}
