package dev.ensemble.ai;

import dev.ensemble.config.ConfigException;
import dev.ensemble.config.Env;
import dev.ensemble.git.OutboundPolicy.Network;
import dev.ensemble.http.ApiException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Which hosts a project's own provider may be at. Owners type the base URL and the server then
 * posts to it from inside its own network and shows the answer (or the error text) back, so by
 * default hosts that resolve to this machine, link-local addresses (cloud metadata services) or
 * multicast are refused. Private LAN addresses stay allowed: a model server on the team's network
 * is the normal case. The instance's own ENSEMBLE_AI_BASE_URL is the operator's choice and is not
 * checked.
 *
 * <p>Read from {@code ENSEMBLE_AI_PROJECT_ALLOWED_HOSTS} (comma-separated {@code host},
 * {@code host:port} or {@code *.domain}; unset allows every host) and
 * {@code ENSEMBLE_AI_PROJECT_DENIED_NETWORKS} (CIDR blocks, {@code none} for no block).
 */
public record ProviderAddressPolicy(List<String> allowedHosts, List<Network> deniedNetworks) {
  static final String ALLOWED_HOSTS = "ENSEMBLE_AI_PROJECT_ALLOWED_HOSTS";
  static final String DENIED_NETWORKS = "ENSEMBLE_AI_PROJECT_DENIED_NETWORKS";
  /** Loopback, "this host", link-local (incl. 169.254.169.254) and multicast, v4 and v6. */
  static final String DEFAULT_DENIED =
      "127.0.0.0/8,0.0.0.0/8,169.254.0.0/16,224.0.0.0/4,::1/128,::/128,fe80::/10,ff00::/8";

  public ProviderAddressPolicy {
    allowedHosts = List.copyOf(allowedHosts);
    deniedNetworks = List.copyOf(deniedNetworks);
  }

  public static ProviderAddressPolicy fromEnv(Map<String, String> env) {
    List<String> hosts = new ArrayList<>();
    for (String raw : list(Env.value(env, ALLOWED_HOSTS).orElse(""))) {
      String h = raw.toLowerCase(Locale.ROOT);
      if (!h.matches("(\\*\\.)?[a-z0-9.-]+(:[0-9]{1,5})?")) {
        throw new ConfigException(ALLOWED_HOSTS, "'" + raw + "' is not a host, host:port or *.domain");
      }
      hosts.add(h);
    }
    String denied = Env.value(env, DENIED_NETWORKS).orElse(DEFAULT_DENIED);
    List<Network> networks = new ArrayList<>();
    if (!denied.equalsIgnoreCase("none")) {
      for (String cidr : list(denied)) {
        networks.add(Network.parse(cidr)
            .orElseThrow(() -> new ConfigException(DENIED_NETWORKS, "'" + cidr + "' is not a CIDR block")));
      }
    }
    return new ProviderAddressPolicy(hosts, networks);
  }

  /**
   * Refuses a base URL the server may not post to: a host outside the allow-list, one that does not
   * resolve, or one with any address in a denied network. Resolves the name, so it blocks: call it
   * on a worker thread.
   */
  public void check(URI baseUrl) {
    String host = baseUrl.getHost().toLowerCase(Locale.ROOT);
    int port = baseUrl.getPort() != -1 ? baseUrl.getPort() : "https".equals(baseUrl.getScheme()) ? 443 : 80;
    String hostKey = host + ":" + port;
    if (!allowedHosts.isEmpty() && allowedHosts.stream().noneMatch(p -> matches(p, host, hostKey))) {
      throw ApiException.badRequest("ai_provider_not_allowed",
          "this server only reaches the model providers in " + ALLOWED_HOSTS + "; " + host + " is not one of them");
    }
    if (deniedNetworks.isEmpty()) {
      return;
    }
    String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    InetAddress[] addresses;
    try {
      addresses = InetAddress.getAllByName(bare);
    } catch (UnknownHostException e) {
      throw ApiException.badRequest("ai_provider_unresolvable", "the provider host " + host + " could not be resolved");
    }
    for (InetAddress a : addresses) {
      for (Network n : deniedNetworks) {
        if (n.contains(a)) {
          throw ApiException.badRequest("ai_provider_not_allowed", "the provider host " + host + " resolves to "
              + a.getHostAddress() + ", an address this server does not post to for projects (" + DENIED_NETWORKS + ")");
        }
      }
    }
  }

  private static boolean matches(String pattern, String host, String hostKey) {
    if (pattern.startsWith("*.")) {
      String suffix = pattern.substring(1);
      return suffix.contains(":") ? hostKey.endsWith(suffix) && !hostKey.equals(suffix.substring(1)) : host.endsWith(suffix);
    }
    return pattern.contains(":") ? pattern.equals(hostKey) : pattern.equals(host);
  }

  private static List<String> list(String csv) {
    return Arrays.stream(csv.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
  }
}
