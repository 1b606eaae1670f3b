package dev.ensemble.ai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ensemble.config.ConfigException;
import dev.ensemble.http.ApiException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AiSettingsTest {

  @Test
  void withoutAProviderTheAssistantIsOff() {
    AiSettings s = AiSettings.fromEnv(Map.of());
    assertFalse(s.enabled());
    assertEquals(20, s.requestsPerMinute());
    assertEquals(0, s.projectTokenBudget());
    assertEquals(Duration.ofSeconds(120), s.timeout());
  }

  @Test
  void aLocalOpenAiCompatibleServerNeedsOnlyItsUrlAndModel() {
    AiSettings s = AiSettings.fromEnv(Map.of(
        "ENSEMBLE_AI_PROVIDER", "openai-compatible",
        "ENSEMBLE_AI_BASE_URL", "http://127.0.0.1:11434/v1/",
        "ENSEMBLE_AI_CHAT_MODEL", "qwen2.5-coder:7b"));
    assertTrue(s.enabled());
    assertEquals("http://127.0.0.1:11434/v1", s.endpoint().orElseThrow().baseUrl().toString());
    assertEquals(Optional.empty(), s.endpoint().orElseThrow().apiKey());
    assertEquals("qwen2.5-coder:7b", s.completionModel(), "the completion model defaults to the chat model");
  }

  @Test
  void hostedProvidersHaveDefaultsButNeedAKey() {
    AiSettings s = AiSettings.fromEnv(Map.of("ENSEMBLE_AI_PROVIDER", "anthropic", "ENSEMBLE_AI_API_KEY", "k"));
    assertEquals("https://api.anthropic.com/v1", s.endpoint().orElseThrow().baseUrl().toString());
    assertFalse(s.endpoint().orElseThrow().toString().contains("k)"), "the key is never printed");
    ConfigException e = assertThrows(ConfigException.class, () -> AiSettings.fromEnv(Map.of("ENSEMBLE_AI_PROVIDER", "openai")));
    assertTrue(e.getMessage().startsWith("ENSEMBLE_AI_API_KEY"));
  }

  @Test
  void geminiDefaultsToGooglesApiAndNeedsAKey() {
    AiSettings s = AiSettings.fromEnv(Map.of("ENSEMBLE_AI_PROVIDER", "Gemini", "ENSEMBLE_AI_API_KEY", "AIza-k"));
    assertEquals(AiSettings.ProviderKind.GEMINI, s.endpoint().orElseThrow().kind());
    assertEquals("https://generativelanguage.googleapis.com/v1beta", s.endpoint().orElseThrow().baseUrl().toString());
    assertEquals("gemini-2.5-flash", s.chatModel());
    assertEquals("ENSEMBLE_AI_API_KEY", variable(Map.of("ENSEMBLE_AI_PROVIDER", "gemini")));
  }

  @Test
  void badValuesNameTheirVariable() {
    assertEquals("ENSEMBLE_AI_PROVIDER", variable(Map.of("ENSEMBLE_AI_PROVIDER", "palm")));
    assertEquals("ENSEMBLE_AI_BASE_URL", variable(Map.of("ENSEMBLE_AI_PROVIDER", "openai-compatible", "ENSEMBLE_AI_CHAT_MODEL", "m")));
    assertEquals("ENSEMBLE_AI_BASE_URL", variable(Map.of(
        "ENSEMBLE_AI_PROVIDER", "openai", "ENSEMBLE_AI_API_KEY", "k", "ENSEMBLE_AI_BASE_URL", "ftp://x")));
    assertEquals("ENSEMBLE_AI_MAX_TOKENS", variable(Map.of("ENSEMBLE_AI_MAX_TOKENS", "lots")));
    assertEquals("ENSEMBLE_AI_REQUESTS_PER_MINUTE", variable(Map.of("ENSEMBLE_AI_REQUESTS_PER_MINUTE", "-1")));
    assertEquals("ENSEMBLE_AI_PROJECT_TOKEN_BUDGET", variable(Map.of("ENSEMBLE_AI_PROJECT_TOKEN_BUDGET", "x")));
    assertEquals("ENSEMBLE_AI_TIMEOUT_SECONDS", variable(Map.of("ENSEMBLE_AI_TIMEOUT_SECONDS", "0")));
    assertEquals("ENSEMBLE_AI_API_KEY", variable(Map.of("ENSEMBLE_AI_API_KEY", "k")), "a key without a provider");
  }

  @Test
  void projectProvidersMayNotPointAtThisMachineOrMetadataServicesByDefault() {
    ProviderAddressPolicy policy = AiSettings.fromEnv(Map.of()).projectProviders();
    for (String url : List.of("http://127.0.0.1:11434/v1", "http://169.254.169.254/v1", "http://[::1]:8000/v1", "http://0.0.0.0/v1")) {
      ApiException e = assertThrows(ApiException.class, () -> policy.check(URI.create(url)), url);
      assertEquals("ai_provider_not_allowed", e.code());
    }
    policy.check(URI.create("http://10.0.0.5:11434/v1"));
    policy.check(URI.create("http://192.168.1.20:8080/v1"));

    ProviderAddressPolicy allowList = AiSettings.fromEnv(Map.of(
        "ENSEMBLE_AI_PROJECT_ALLOWED_HOSTS", "10.0.0.5:11434,*.example.com",
        "ENSEMBLE_AI_PROJECT_DENIED_NETWORKS", "none")).projectProviders();
    allowList.check(URI.create("http://10.0.0.5:11434/v1"));
    assertThrows(ApiException.class, () -> allowList.check(URI.create("http://10.0.0.5:8000/v1")));
    assertThrows(ApiException.class, () -> allowList.check(URI.create("http://10.0.0.6:11434/v1")));

    assertEquals("ENSEMBLE_AI_PROJECT_DENIED_NETWORKS", variable(Map.of("ENSEMBLE_AI_PROJECT_DENIED_NETWORKS", "localhost")));
    assertEquals("ENSEMBLE_AI_PROJECT_ALLOWED_HOSTS", variable(Map.of("ENSEMBLE_AI_PROJECT_ALLOWED_HOSTS", "http://x")));
  }

  @Test
  void theInstanceMayOfferMoreModels() {
    AiSettings s = AiSettings.fromEnv(Map.of(
        "ENSEMBLE_AI_PROVIDER", "openai", "ENSEMBLE_AI_API_KEY", "k", "ENSEMBLE_AI_MODELS", "gpt-4o, o3-mini,gpt-4o-mini"));
    assertEquals(List.of("gpt-4o-mini", "gpt-4o", "o3-mini"), s.offeredModels());
    assertEquals("ENSEMBLE_AI_MODELS", variable(Map.of("ENSEMBLE_AI_MODELS", "a,b")), "models without a provider");
  }

  @Test
  void retryAfterIsReadInSecondsOrAsADate() {
    assertEquals(Optional.of(7L), UpstreamExchange.parseRetryAfter("7"));
    assertEquals(Optional.of(1L), UpstreamExchange.parseRetryAfter("0.2"));
    assertTrue(UpstreamExchange.parseRetryAfter("Wed, 21 Oct 2099 07:28:00 GMT").orElseThrow() > 1000);
    assertEquals(Optional.empty(), UpstreamExchange.parseRetryAfter("soon"));
  }

  private static String variable(Map<String, String> env) {
    ConfigException e = assertThrows(ConfigException.class, () -> AiSettings.fromEnv(env));
    return e.getMessage().substring(0, e.getMessage().indexOf(':'));
  }
}
