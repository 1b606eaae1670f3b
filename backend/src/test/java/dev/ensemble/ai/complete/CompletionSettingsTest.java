package dev.ensemble.ai.complete;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ensemble.ai.AiSettings;
import dev.ensemble.config.ConfigException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CompletionSettingsTest {
  private static final Map<String, String> LOCAL = Map.of(
      "ENSEMBLE_AI_PROVIDER", "openai-compatible", "ENSEMBLE_AI_BASE_URL", "http://127.0.0.1:8080/v1",
      "ENSEMBLE_AI_CHAT_MODEL", "qwen2.5-coder");
  private static final Map<String, String> ANTHROPIC = Map.of(
      "ENSEMBLE_AI_PROVIDER", "anthropic", "ENSEMBLE_AI_API_KEY", "k");

  private static CompletionSettings load(Map<String, String> base, String... extra) {
    Map<String, String> env = new HashMap<>(base);
    for (int i = 0; i < extra.length; i += 2) {
      env.put(extra[i], extra[i + 1]);
    }
    return CompletionSettings.fromEnv(env, AiSettings.fromEnv(env));
  }

  @Test
  void defaults() {
    CompletionSettings s = load(Map.of());
    assertEquals(CompletionSettings.Mode.AUTO, s.mode());
    assertEquals(8_000, s.maxPrefixChars());
    assertEquals(2_000, s.maxSuffixChars());
    assertEquals(128, s.maxTokens());
    assertEquals(Duration.ofMillis(2_000), s.latencyBudget());
    assertEquals(2_000, s.cacheEntries());
    assertEquals(240, s.requestsPerMinute());
    assertEquals(16, s.maxConnections());
  }

  @Test
  void autoFillsInTheMiddleOnlyOnOpenAiCompatibleServers() {
    assertTrue(load(LOCAL).fillInTheMiddle(AiSettings.fromEnv(LOCAL)));
    assertFalse(load(ANTHROPIC).fillInTheMiddle(AiSettings.fromEnv(ANTHROPIC)));
    assertFalse(load(LOCAL, "ENSEMBLE_AI_COMPLETION_MODE", "chat").fillInTheMiddle(AiSettings.fromEnv(LOCAL)));
  }

  @Test
  void anthropicHasNoFillInTheMiddle() {
    ConfigException e = assertThrows(ConfigException.class, () -> load(ANTHROPIC, "ENSEMBLE_AI_COMPLETION_MODE", "fim"));
    assertTrue(e.getMessage().startsWith("ENSEMBLE_AI_COMPLETION_MODE"), e.getMessage());
  }

  @Test
  void badValuesNameTheirVariable() {
    for (String[] bad : new String[][] {
      {"ENSEMBLE_AI_COMPLETION_MODE", "magic"},
      {"ENSEMBLE_AI_COMPLETION_MAX_PREFIX_CHARS", "10"},
      {"ENSEMBLE_AI_COMPLETION_MAX_SUFFIX_CHARS", "-1"},
      {"ENSEMBLE_AI_COMPLETION_MAX_TOKENS", "0"},
      {"ENSEMBLE_AI_COMPLETION_LATENCY_BUDGET_MS", "soon"},
      {"ENSEMBLE_AI_COMPLETION_CACHE_ENTRIES", "-5"},
      {"ENSEMBLE_AI_COMPLETIONS_PER_MINUTE", "x"},
      {"ENSEMBLE_AI_COMPLETION_MAX_CONNECTIONS", "0"},
    }) {
      ConfigException e = assertThrows(ConfigException.class, () -> load(LOCAL, bad[0], bad[1]), bad[0]);
      assertTrue(e.getMessage().startsWith(bad[0]), e.getMessage());
    }
  }
}
