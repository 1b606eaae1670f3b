package dev.ensemble.runs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ensemble.config.ConfigException;
import dev.ensemble.config.EnsembleConfig;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** ENSEMBLE_RUN_EXECUTOR and the ENSEMBLE_RUN_K8S_* settings, read with the rest of the configuration. */
class KubernetesRunSettingsTest {
  private static final Map<String, String> MINIMAL = Map.of(
      "ENSEMBLE_RUN_EXECUTOR", "kubernetes",
      "ENSEMBLE_RUN_K8S_IMAGE", "python:3.12-slim",
      "ENSEMBLE_RUN_K8S_SERVER_URL", "http://10.1.2.3:8080/");

  @Test
  void runsAreLocalUnlessKubernetesIsChosen() {
    assertTrue(EnsembleConfig.fromEnv(Map.of()).runs().kubernetes().isEmpty());
    assertTrue(EnsembleConfig.fromEnv(Map.of("ENSEMBLE_RUN_EXECUTOR", "local")).runs().kubernetes().isEmpty());
  }

  @Test
  void kubernetesNeedsOnlyAnImageAndTheServersUrl() {
    KubernetesRunSettings k = EnsembleConfig.fromEnv(MINIMAL).runs().kubernetes().orElseThrow();
    assertEquals("ensemble-runs", k.namespace());
    assertEquals("python:3.12-slim", k.image());
    assertEquals("busybox:1.37", k.initImage());
    assertEquals("http://10.1.2.3:8080", k.serverUrl().toString(), "a trailing slash is dropped");
    assertEquals(Optional.empty(), k.apiUrl());
    assertEquals(Optional.empty(), k.serviceAccount());
    assertEquals(61000, k.uid());
    assertEquals("250m", k.cpuRequest());
    assertEquals("1", k.cpuLimit());
    assertEquals(Duration.ofSeconds(300), k.ttlAfterFinished());
    assertEquals(Duration.ofSeconds(120), k.startTimeout());
    assertTrue(k.nodeSelector().isEmpty());
    assertTrue(k.tolerations().isEmpty());
  }

  @Test
  void nodeSelectorAndTolerationsAreParsed() {
    Map<String, String> env = new HashMap<>(MINIMAL);
    env.put("ENSEMBLE_RUN_K8S_NODE_SELECTOR", "pool=runs, kubernetes.io/arch=amd64");
    env.put("ENSEMBLE_RUN_K8S_TOLERATIONS", "pool=runs:NoSchedule,dedicated,gpu:NoExecute");
    KubernetesRunSettings k = EnsembleConfig.fromEnv(env).runs().kubernetes().orElseThrow();
    assertEquals(Map.of("pool", "runs", "kubernetes.io/arch", "amd64"), k.nodeSelector());
    assertEquals(List.of(
        new KubernetesRunSettings.Toleration("pool", Optional.of("runs"), Optional.of("NoSchedule")),
        new KubernetesRunSettings.Toleration("dedicated", Optional.empty(), Optional.empty()),
        new KubernetesRunSettings.Toleration("gpu", Optional.empty(), Optional.of("NoExecute"))), k.tolerations());
  }

  @Test
  void badValuesNameTheirVariable() {
    assertMessage("ENSEMBLE_RUN_EXECUTOR", Map.of("ENSEMBLE_RUN_EXECUTOR", "docker"));
    assertMessage("ENSEMBLE_RUN_K8S_IMAGE", Map.of("ENSEMBLE_RUN_EXECUTOR", "kubernetes",
        "ENSEMBLE_RUN_K8S_SERVER_URL", "http://10.1.2.3:8080"));
    assertMessage("ENSEMBLE_RUN_K8S_SERVER_URL", Map.of("ENSEMBLE_RUN_EXECUTOR", "kubernetes",
        "ENSEMBLE_RUN_K8S_IMAGE", "python:3.12-slim"));
    assertMessage("ENSEMBLE_RUN_K8S_SERVER_URL", with("ENSEMBLE_RUN_K8S_SERVER_URL", "10.1.2.3:8080"));
    assertMessage("ENSEMBLE_RUN_K8S_NAMESPACE", with("ENSEMBLE_RUN_K8S_NAMESPACE", "Runs_Here"));
    assertMessage("ENSEMBLE_RUN_K8S_CPU_LIMIT", with("ENSEMBLE_RUN_K8S_CPU_LIMIT", "two"));
    assertMessage("ENSEMBLE_RUN_K8S_START_SECONDS", with("ENSEMBLE_RUN_K8S_START_SECONDS", "1"));
    assertMessage("ENSEMBLE_RUN_K8S_NODE_SELECTOR", with("ENSEMBLE_RUN_K8S_NODE_SELECTOR", "pool"));
    assertMessage("ENSEMBLE_RUN_K8S_TOLERATIONS", with("ENSEMBLE_RUN_K8S_TOLERATIONS", "pool=runs:Sometimes"));
    assertMessage("ENSEMBLE_RUN_K8S_API_URL", with("ENSEMBLE_RUN_K8S_API_URL", "ftp://api"));
  }

  private static Map<String, String> with(String name, String value) {
    Map<String, String> env = new HashMap<>(MINIMAL);
    env.put(name, value);
    return env;
  }

  private static void assertMessage(String variable, Map<String, String> env) {
    ConfigException e = assertThrows(ConfigException.class, () -> EnsembleConfig.fromEnv(env));
    assertTrue(e.getMessage().startsWith(variable + ":"), e.getMessage());
  }
}
