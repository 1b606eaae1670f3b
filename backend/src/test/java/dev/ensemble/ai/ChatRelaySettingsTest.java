package dev.ensemble.ai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ensemble.config.ConfigException;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ChatRelaySettingsTest {

  @Test
  void aNodeSilentForHalfAMinuteIsTakenForDeadByDefault() {
    ChatRelaySettings s = ChatRelaySettings.defaults();
    assertEquals(Duration.ofSeconds(30), s.orphanAfter());
    assertEquals(Duration.ofSeconds(10), s.quietCheck());
  }

  @Test
  void theOrphanTimeIsReadInSecondsAndBounded() {
    assertEquals(Duration.ofSeconds(4),
        ChatRelaySettings.fromEnv(Map.of("ENSEMBLE_AI_ORPHAN_SECONDS", "4")).orphanAfter());
    for (String bad : new String[] {"3", "3601", "soon"}) {
      ConfigException e = assertThrows(ConfigException.class,
          () -> ChatRelaySettings.fromEnv(Map.of("ENSEMBLE_AI_ORPHAN_SECONDS", bad)));
      assertTrue(e.getMessage().contains("ENSEMBLE_AI_ORPHAN_SECONDS"), e.getMessage());
    }
  }
}
