package dev.ensemble.git;

import dev.ensemble.config.ConfigException;
import dev.ensemble.config.Env;
import dev.ensemble.http.ApiException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Which git remotes the server may connect to on a user's behalf. A remote URL comes from a user,
 * and the server fetches it from inside its own network, so by default it refuses hosts that
 * resolve to this machine or to link-local addresses (where cloud metadata services live);
 * operators can narrow it to an allow-list of hosts and extend or clear the denied networks.
 *
 * <p>Read from {@code ENSEMBLE_GIT_ALLOWED_HOSTS} (comma-separated {@code host}, {@code host:port}
 * or {@code *.domain}; unset allows every host) and {@code ENSEMBLE_GIT_DENIED_NETWORKS}
 * (comma-separated CIDR blocks, {@code none} for no block).
 */
public record OutboundPolicy(List<String> allowedHosts, List<Network> deniedNetworks) {
  /** Loopback, "this host", link-local (incl. 169.254.169.254 metadata) and multicast, v4 and v6. */
  public static final String DEFAULT_DENIED =
      "127.0.0.0/8,0.0.0.0/8,169.254.0.0/16,224.0.0.0/4,::1/128,::/128,fe80::/10,ff00::/8";

  public OutboundPolicy {
    allowedHosts = List.copyOf(allowedHosts);
    deniedNetworks = List.copyOf(deniedNetworks);
  }

  public static OutboundPolicy fromEnv(Map<String, String> env) {
    List<String> hosts = new ArrayList<>();
    for (String raw : list(Env.value(env, "ENSEMBLE_GIT_ALLOWED_HOSTS").orElse(""))) {
      String h = raw.toLowerCase(Locale.ROOT);
      if (!h.matches("(\\*\\.)?[a-z0-9.-]+(:[0-9]{1,5})?")) {
        throw new ConfigException("ENSEMBLE_GIT_ALLOWED_HOSTS", "'" + raw + "' is not a host, host:port or *.domain");
      }
      hosts.add(h);
    }
    String denied = Env.value(env, "ENSEMBLE_GIT_DENIED_NETWORKS").orElse(DEFAULT_DENIED);
    List<Network> networks = new ArrayList<>();
    if (!denied.equalsIgnoreCase("none")) {
      for (String cidr : list(denied)) {
        networks.add(Network.parse(cidr)
            .orElseThrow(() -> new ConfigException("ENSEMBLE_GIT_DENIED_NETWORKS", "'" + cidr + "' is not a CIDR block")));
      }
    }
    return new OutboundPolicy(hosts, networks);
  }

  /**
   * Refuses a remote the server may not reach: a host outside the allow-list, or one that resolves
   * to a denied network (every address it resolves to is checked). Resolves the name, so it
   * blocks: call it on a worker thread.
   *
   * @param hostKey "host" or "host:port", lower case (see {@link GitAccess#hostKey})
   */
  public void check(String host, String hostKey, String field) {
    if (!allowedHosts.isEmpty() && allowedHosts.stream().noneMatch(pattern -> matches(pattern, host, hostKey))) {
      throw ApiException.badRequest("remote_not_allowed",
          "this server may only reach the git hosts in ENSEMBLE_GIT_ALLOWED_HOSTS; " + hostKey + " is not one of them (" + field + ")");
    }
    if (deniedNetworks.isEmpty()) {
      return;
    }
    String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    InetAddress[] addresses;
    try {
      addresses = InetAddress.getAllByName(bare);
    } catch (UnknownHostException e) {
      throw ApiException.badRequest("remote_unreachable", "the host " + host + " of " + field + " could not be resolved");
    }
    for (InetAddress a : addresses) {
      for (Network n : deniedNetworks) {
        if (n.contains(a)) {
          throw ApiException.badRequest("remote_not_allowed", "the host " + host + " of " + field
              + " resolves to " + a.getHostAddress() + ", an address this server does not connect to"
              + " (ENSEMBLE_GIT_DENIED_NETWORKS)");
        }
      }
    }
  }

  private static boolean matches(String pattern, String host, String hostKey) {
    if (pattern.startsWith("*.")) {
      String suffix = pattern.substring(1); // ".domain" or ".domain:port"
      return suffix.contains(":") ? hostKey.endsWith(suffix) && !hostKey.equals(suffix.substring(1))
          : host.endsWith(suffix);
    }
    return pattern.contains(":") ? pattern.equals(hostKey) : pattern.equals(host);
  }

  private static List<String> list(String csv) {
    return Arrays.stream(csv.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
  }

  /** An address block such as {@code 10.0.0.0/8} or {@code fe80::/10}. */
  public record Network(byte[] prefix, int bits) {
    public static Optional<Network> parse(String cidr) {
      int slash = cidr.indexOf('/');
      String address = slash < 0 ? cidr : cidr.substring(0, slash);
      // only literal addresses: never resolve a name while reading settings
      if (!address.matches("[0-9.]+|[0-9a-fA-F:.]*:[0-9a-fA-F:.]*")) {
        return Optional.empty();
      }
      try {
        byte[] bytes = InetAddress.getByName(address).getAddress();
        int bits = slash < 0 ? bytes.length * 8 : Integer.parseInt(cidr.substring(slash + 1));
        if (bits < 0 || bits > bytes.length * 8) {
          return Optional.empty();
        }
        return Optional.of(new Network(bytes, bits));
      } catch (UnknownHostException | NumberFormatException e) {
        return Optional.empty();
      }
    }

    public boolean contains(InetAddress address) {
      byte[] a = address.getAddress();
      if (a.length != prefix.length) {
        return false;
      }
      int full = bits / 8;
      for (int i = 0; i < full; i++) {
        if (a[i] != prefix[i]) {
          return false;
        }
      }
      int rest = bits % 8;
      if (rest == 0) {
        return true;
      }
      int mask = (0xff << (8 - rest)) & 0xff;
      return (a[full] & mask) == (prefix[full] & mask);
    }
  }
}
