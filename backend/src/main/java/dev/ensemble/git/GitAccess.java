package dev.ensemble.git;

import dev.ensemble.http.ApiException;
import dev.ensemble.identity.AccountStore;
import dev.ensemble.identity.SecretBox;
import io.vertx.core.Future;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Which remotes may be used and with whose credentials: a token the user stored for the host
 * first, else their linked GitHub or GitLab login when the host is that provider's.
 */
final class GitAccess {
  /** A username and token (the password of git's basic authentication). */
  record Login(String username, String token) {
    @Override
    public String toString() {
      return "Login[" + username + ", ***]"; // never a token in a log line
    }
  }

  /** A validated remote: its URL and the host key credentials are stored under. */
  record Remote(String url, String host) {}

  private final GitSettings settings;
  private final GitCredentialStore stored;
  private final AccountStore accounts;
  private final SecretBox secrets;
  /** Host (lower case) to login provider id, e.g. github.com → github. */
  private final Map<String, String> providerHosts;

  GitAccess(GitSettings settings, GitCredentialStore stored, AccountStore accounts, SecretBox secrets,
      Map<String, String> providerHosts) {
    this.settings = settings;
    this.stored = stored;
    this.accounts = accounts;
    this.secrets = secrets;
    this.providerHosts = providerHosts;
  }

  /** Checks a remote URL from a client; a 400 naming the field when it is not one we may use. */
  Remote remote(String raw, String field) {
    URI uri;
    try {
      uri = new URI(raw.strip());
    } catch (URISyntaxException e) {
      throw ApiException.invalidField(field, "not a URL");
    }
    String scheme = Optional.ofNullable(uri.getScheme()).orElse("").toLowerCase(Locale.ROOT);
    if (!scheme.equals("https") && !(settings.allowHttp() && scheme.equals("http"))) {
      throw ApiException.invalidField(field, settings.allowHttp() ? "an http(s):// URL is required" : "an https:// URL is required");
    }
    if (uri.getHost() == null || uri.getHost().isBlank()) {
      throw ApiException.invalidField(field, "the URL has no host");
    }
    if (uri.getRawUserInfo() != null) {
      throw ApiException.invalidField(field, "put credentials in POST /api/git/credentials, not in the URL");
    }
    if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
      throw ApiException.invalidField(field, "the URL may not have a query or fragment");
    }
    return new Remote(uri.toString(), hostKey(uri));
  }

  /**
   * Refuses a remote outside the server's outbound policy (allowed hosts, denied networks).
   * Resolves the host name, so it blocks: call it on a worker thread.
   */
  void checkReachable(Remote remote, String field) {
    String host = URI.create(remote.url()).getHost().toLowerCase(Locale.ROOT);
    settings.outbound().check(host, remote.host(), field);
  }

  /** "host" or "host:port", lower case: what credentials are stored under. */
  static String hostKey(URI uri) {
    String host = uri.getHost().toLowerCase(Locale.ROOT);
    return uri.getPort() < 0 ? host : host + ":" + uri.getPort();
  }

  /** Normalises a host a client names; 400 when it is not a host[:port]. */
  static String host(String raw, String field) {
    String s = raw.strip().toLowerCase(Locale.ROOT);
    if (!s.matches("[a-z0-9.-]+(:[0-9]{1,5})?|\\[[0-9a-f:.]+\\](:[0-9]{1,5})?")) {
      throw ApiException.invalidField(field, "a host name, optionally with :port");
    }
    return s;
  }

  /** The user's credentials for the remote's host, if any. */
  Future<Optional<Login>> login(UUID userId, Remote remote) {
    return stored.find(userId, remote.host()).compose(found -> {
      if (found.isPresent()) {
        return Future.succeededFuture(found);
      }
      String provider = providerHosts.get(remote.host());
      if (provider == null) {
        return Future.succeededFuture(Optional.<Login>empty());
      }
      return accounts.providerToken(userId, provider).map(token -> token.map(sealed -> new Login(
          // GitHub takes any user name with a token; GitLab expects "oauth2" with an OAuth token.
          provider.equals("gitlab") ? "oauth2" : "x-access-token",
          new String(secrets.open(sealed), StandardCharsets.UTF_8))));
    });
  }
}
