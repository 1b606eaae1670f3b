package dev.ensemble.ai.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ensemble.config.ConfigException;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AgentSettingsTest {
  @Test
  void defaultsAreTheDocumentedOnes() {
    AgentSettings s = AgentSettings.defaults();
    assertEquals(25, s.maxSteps());
    assertEquals(Duration.ofSeconds(600), s.approvalTimeout());
    assertEquals(16_000, s.maxResultChars());
    assertEquals(2000, s.searchMaxFiles());
    assertEquals(Duration.ofSeconds(10), s.searchTimeout());
  }

  @Test
  void aValueOutOfRangeNamesItsVariable() {
    ConfigException e = assertThrows(ConfigException.class,
        () -> AgentSettings.fromEnv(Map.of("ENSEMBLE_AI_AGENT_MAX_STEPS", "0")));
    assertTrue(e.getMessage().startsWith("ENSEMBLE_AI_AGENT_MAX_STEPS"), e.getMessage());
    assertThrows(ConfigException.class,
        () -> AgentSettings.fromEnv(Map.of("ENSEMBLE_AI_AGENT_APPROVAL_TIMEOUT_SECONDS", "soon")));
  }
}
