package dev.ensemble.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class EnsembleConfigTest {

  @Test
  void defaultsNeedNoVariables() {
    EnsembleConfig c = EnsembleConfig.fromEnv(Map.of());
    assertEquals("127.0.0.1", c.httpHost());
    assertEquals(8080, c.httpPort());
    assertEquals("http://127.0.0.1:8080", c.publicUrl().toString());
    assertTrue(c.databaseUrl().isEmpty(), "embedded store by default");
    assertTrue(c.redisUrl().isEmpty());
    assertTrue(c.github().isEmpty());
    assertTrue(c.dataDir().endsWith("data"));
  }

  @Test
  void emptyValuesCountAsUnset() {
    EnsembleConfig c = EnsembleConfig.fromEnv(Map.of("ENSEMBLE_HTTP_PORT", "", "ENSEMBLE_DATABASE_URL", " "));
    assertEquals(8080, c.httpPort());
    assertTrue(c.databaseUrl().isEmpty());
  }

  @Test
  void runSettingsAreReadWithTheRest() {
    EnsembleConfig c = EnsembleConfig.fromEnv(Map.of(
        "ENSEMBLE_RUN_WALL_SECONDS", "7", "ENSEMBLE_RUN_MAX_PER_NODE", "9", "ENSEMBLE_RUN_UNSAFE_UNSANDBOXED", "yes"));
    assertEquals(7, c.runs().limits().wallTime().toSeconds());
    assertEquals(9, c.runs().maxPerNode());
    assertTrue(c.runs().unsafeUnsandboxed());
    assertEquals(61000, c.runs().sandboxUid());
    assertMessage("ENSEMBLE_RUN_UNSAFE_UNSANDBOXED", Map.of("ENSEMBLE_RUN_UNSAFE_UNSANDBOXED", "maybe"));
    assertMessage("ENSEMBLE_RUN_QUEUE_MAX", Map.of("ENSEMBLE_RUN_QUEUE_MAX", "-1"));
  }

  @Test
  void providerApiTimeoutDefaultsToFifteenSeconds() {
    assertEquals(15, EnsembleConfig.fromEnv(Map.of()).git().providerTimeout().toSeconds());
    assertEquals(4, EnsembleConfig.fromEnv(Map.of("ENSEMBLE_GIT_PROVIDER_TIMEOUT_SECONDS", "4")).git().providerTimeout().toSeconds());
    assertMessage("ENSEMBLE_GIT_PROVIDER_TIMEOUT_SECONDS", Map.of("ENSEMBLE_GIT_PROVIDER_TIMEOUT_SECONDS", "0"));
  }

  @Test
  void badValuesNameTheirVariable() {
    assertMessage("ENSEMBLE_HTTP_PORT", Map.of("ENSEMBLE_HTTP_PORT", "eighty"));
    assertMessage("ENSEMBLE_HTTP_PORT", Map.of("ENSEMBLE_HTTP_PORT", "70000"));
    assertMessage("ENSEMBLE_DATABASE_URL", Map.of("ENSEMBLE_DATABASE_URL", "mysql://x/y"));
    assertMessage("ENSEMBLE_DATABASE_URL", Map.of("ENSEMBLE_DATABASE_URL", "postgresql://host"));
    assertMessage("ENSEMBLE_REDIS_URL", Map.of("ENSEMBLE_REDIS_URL", "localhost:6379"));
    assertMessage("ENSEMBLE_SECRET_KEY", Map.of("ENSEMBLE_SECRET_KEY", "c2hvcnQ="));
    assertMessage("ENSEMBLE_PUBLIC_URL", Map.of("ENSEMBLE_PUBLIC_URL", "ftp://x"));
    assertMessage("ENSEMBLE_TRUST_PROXY", Map.of("ENSEMBLE_TRUST_PROXY", "maybe"));
    assertMessage("ENSEMBLE_GITHUB_CLIENT_SECRET", Map.of("ENSEMBLE_GITHUB_CLIENT_ID", "id"));
  }

  @Test
  void databaseUrlIsParsedWithEscapedCredentials() {
    DatabaseUrl u = DatabaseUrl.parse("X", "postgresql://app:p%40ss@db.internal:6543/ensemble");
    assertEquals("app", u.user());
    assertEquals("p@ss", u.password());
    assertEquals("db.internal", u.host());
    assertEquals(6543, u.port());
    assertEquals("ensemble", u.database());
    assertTrue(!u.toString().contains("p@ss"), "password never printed");
  }

  @Test
  void httpsPublicUrlMakesCookiesSecure() {
    assertTrue(EnsembleConfig.fromEnv(Map.of("ENSEMBLE_PUBLIC_URL", "https://ensemble.example.com")).secureCookies());
  }

  private static void assertMessage(String variable, Map<String, String> env) {
    ConfigException e = assertThrows(ConfigException.class, () -> EnsembleConfig.fromEnv(env));
    assertTrue(e.getMessage().startsWith(variable + ":"), e.getMessage());
  }
}
