package dev.ensemble.runs;

import dev.ensemble.config.ConfigException;
import dev.ensemble.config.Env;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The {@code ENSEMBLE_RUN_K8S_*} settings of the Kubernetes Job executor, read when
 * {@code ENSEMBLE_RUN_EXECUTOR=kubernetes}; documented in docs/runs.md ("Executors").
 *
 * @param apiUrl the Kubernetes API server; empty: the pod's service account (in a cluster) or the
 *     kubeconfig
 * @param namespace where run Jobs are created
 * @param image the image a run's command executes in
 * @param initImage the image of the init container that fetches the working copy (needs
 *     {@code sh}, {@code wget} with {@code --header}, and {@code tar})
 * @param serverUrl the base URL at which run pods reach <em>this</em> node (the one holding the
 *     run's working copy), e.g. {@code http://10.1.2.3:8080}
 * @param serviceAccount the service account of run pods; empty: the namespace's default (its token
 *     is never mounted either way)
 * @param uid the uid (and gid) run pods execute as
 * @param cpuRequest CPU requested per run pod (a Kubernetes quantity, e.g. {@code 250m})
 * @param cpuLimit CPU limit per run pod
 * @param ttlAfterFinished how long a finished Job stays when its node could not delete it
 * @param startTimeout how long a run may wait for its pod to start (scheduling, image pull, working
 *     copy) before it fails
 * @param nodeSelector node labels run pods must land on
 * @param tolerations taints run pods tolerate
 */
public record KubernetesRunSettings(
    Optional<URI> apiUrl,
    String namespace,
    String image,
    String initImage,
    URI serverUrl,
    Optional<String> serviceAccount,
    int uid,
    String cpuRequest,
    String cpuLimit,
    Duration ttlAfterFinished,
    Duration startTimeout,
    Map<String, String> nodeSelector,
    List<Toleration> tolerations) {

  private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
  private static final Pattern CPU = Pattern.compile("[0-9]+(\\.[0-9]+)?m?");
  private static final Pattern LABEL_KEY = Pattern.compile("([a-z0-9.-]{1,253}/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?");
  private static final Pattern LABEL_VALUE = Pattern.compile("([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?");

  /**
   * A taint run pods tolerate: {@code key=value:Effect} (operator Equal), {@code key:Effect} or
   * {@code key} (operator Exists); an empty effect matches every effect.
   */
  public record Toleration(String key, Optional<String> value, Optional<String> effect) {}

  public KubernetesRunSettings {
    nodeSelector = Map.copyOf(nodeSelector);
    tolerations = List.copyOf(tolerations);
  }

  /**
   * The executor's settings when {@code ENSEMBLE_RUN_EXECUTOR} is {@code kubernetes}, empty for
   * {@code local} (the default); a bad value throws naming its variable.
   */
  public static Optional<KubernetesRunSettings> fromEnv(Map<String, String> env) {
    String executor = Env.value(env, "ENSEMBLE_RUN_EXECUTOR").orElse("local").toLowerCase(Locale.ROOT);
    switch (executor) {
      case "local":
        return Optional.empty();
      case "kubernetes":
        break;
      default:
        throw new ConfigException("ENSEMBLE_RUN_EXECUTOR", "must be local or kubernetes, got '" + executor + "'");
    }
    String namespace = Env.value(env, "ENSEMBLE_RUN_K8S_NAMESPACE").orElse("ensemble-runs");
    if (!DNS_LABEL.matcher(namespace).matches()) {
      throw new ConfigException("ENSEMBLE_RUN_K8S_NAMESPACE", "must be a namespace name, got '" + namespace + "'");
    }
    String image = Env.value(env, "ENSEMBLE_RUN_K8S_IMAGE").orElseThrow(() -> new ConfigException(
        "ENSEMBLE_RUN_K8S_IMAGE", "must name the image runs execute in when ENSEMBLE_RUN_EXECUTOR=kubernetes"));
    URI server = url(env, "ENSEMBLE_RUN_K8S_SERVER_URL").orElseThrow(() -> new ConfigException(
        "ENSEMBLE_RUN_K8S_SERVER_URL", "must be the URL at which run pods reach this node when ENSEMBLE_RUN_EXECUTOR=kubernetes"));
    Optional<String> serviceAccount = Env.value(env, "ENSEMBLE_RUN_K8S_SERVICE_ACCOUNT");
    serviceAccount.filter(a -> !DNS_LABEL.matcher(a).matches()).ifPresent(a -> {
      throw new ConfigException("ENSEMBLE_RUN_K8S_SERVICE_ACCOUNT", "must be a service account name, got '" + a + "'");
    });
    return Optional.of(new KubernetesRunSettings(
        url(env, "ENSEMBLE_RUN_K8S_API_URL"),
        namespace,
        image,
        Env.value(env, "ENSEMBLE_RUN_K8S_INIT_IMAGE").orElse("busybox:1.37"),
        server,
        serviceAccount,
        Env.integer(env, "ENSEMBLE_RUN_SANDBOX_UID", 61_000, 1, Integer.MAX_VALUE - 1),
        cpu(env, "ENSEMBLE_RUN_K8S_CPU_REQUEST", "250m"),
        cpu(env, "ENSEMBLE_RUN_K8S_CPU_LIMIT", "1"),
        Duration.ofSeconds(Env.number(env, "ENSEMBLE_RUN_K8S_TTL_SECONDS", 300, 0, 604_800)),
        Duration.ofSeconds(Env.number(env, "ENSEMBLE_RUN_K8S_START_SECONDS", 120, 5, 3_600)),
        nodeSelector(env, "ENSEMBLE_RUN_K8S_NODE_SELECTOR"),
        tolerations(env, "ENSEMBLE_RUN_K8S_TOLERATIONS")));
  }

  private static Optional<URI> url(Map<String, String> env, String name) {
    return Env.value(env, name).map(v -> {
      try {
        URI u = new URI(v.endsWith("/") ? v.substring(0, v.length() - 1) : v);
        if (!("http".equals(u.getScheme()) || "https".equals(u.getScheme())) || u.getHost() == null) {
          throw new ConfigException(name, "must be an http(s) URL, got '" + v + "'");
        }
        return u;
      } catch (java.net.URISyntaxException e) {
        throw new ConfigException(name, "must be an http(s) URL, got '" + v + "'");
      }
    });
  }

  private static String cpu(Map<String, String> env, String name, String dflt) {
    String v = Env.value(env, name).orElse(dflt);
    if (!CPU.matcher(v).matches()) {
      throw new ConfigException(name, "must be a CPU quantity such as 500m or 2, got '" + v + "'");
    }
    return v;
  }

  private static Map<String, String> nodeSelector(Map<String, String> env, String name) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String pair : list(env, name)) {
      int eq = pair.indexOf('=');
      String key = eq < 0 ? pair : pair.substring(0, eq).trim();
      String value = eq < 0 ? "" : pair.substring(eq + 1).trim();
      if (eq < 0 || !LABEL_KEY.matcher(key).matches() || !LABEL_VALUE.matcher(value).matches()) {
        throw new ConfigException(name, "must be label=value pairs separated by commas, got '" + pair + "'");
      }
      out.put(key, value);
    }
    return out;
  }

  private static List<Toleration> tolerations(Map<String, String> env, String name) {
    List<Toleration> out = new ArrayList<>();
    for (String item : list(env, name)) {
      int colon = item.lastIndexOf(':');
      String keyValue = colon < 0 ? item : item.substring(0, colon);
      Optional<String> effect = colon < 0 ? Optional.empty() : Optional.of(item.substring(colon + 1).trim());
      int eq = keyValue.indexOf('=');
      String key = (eq < 0 ? keyValue : keyValue.substring(0, eq)).trim();
      Optional<String> value = eq < 0 ? Optional.empty() : Optional.of(keyValue.substring(eq + 1).trim());
      boolean effectOk = effect.isEmpty() || List.of("NoSchedule", "PreferNoSchedule", "NoExecute").contains(effect.get());
      if (!LABEL_KEY.matcher(key).matches() || !effectOk || !value.map(v -> LABEL_VALUE.matcher(v).matches()).orElse(true)) {
        throw new ConfigException(name,
            "must be key[=value][:NoSchedule|PreferNoSchedule|NoExecute] items separated by commas, got '" + item + "'");
      }
      out.add(new Toleration(key, value, effect));
    }
    return out;
  }

  private static List<String> list(Map<String, String> env, String name) {
    return Env.value(env, name).map(v -> List.of(v.split(","))).orElse(List.of()).stream()
        .map(String::trim).filter(s -> !s.isEmpty()).toList();
  }
}
