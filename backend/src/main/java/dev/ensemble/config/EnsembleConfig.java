package dev.ensemble.config;

import dev.ensemble.ai.AiSettings;
import dev.ensemble.ai.ChatRelaySettings;
import dev.ensemble.ai.agent.AgentSettings;
import dev.ensemble.ai.complete.CompletionSettings;
import dev.ensemble.ai.context.ContextSettings;
import dev.ensemble.git.GitSettings;
import dev.ensemble.runs.RunSettings;
import dev.ensemble.sync.SyncSettings;
import dev.ensemble.terminal.TerminalSettings;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;

/**
 * Every setting of the server, read once from {@code ENSEMBLE_*} environment variables.
 * Defaults live here and are documented in docs/configuration.md.
 */
public record EnsembleConfig(
    String httpHost,
    int httpPort,
    URI publicUrl,
    Path dataDir,
    Optional<DatabaseUrl> databaseUrl,
    int databasePoolSize,
    Optional<String> redisUrl,
    Optional<byte[]> secretKey,
    long maxBodyBytes,
    Duration sessionTtl,
    int loginAttemptsPerAccount,
    int loginAttemptsPerIp,
    Duration loginWindow,
    Duration shutdownTimeout,
    String embeddedDbUser,
    boolean trustProxy,
    String logLevel,
    Optional<OAuthProviderConfig> github,
    Optional<OAuthProviderConfig> gitlab,
    AiSettings ai,
    ContextSettings aiContext,
    SyncSettings sync,
    RunSettings runs,
    GitSettings git,
    TerminalSettings terminal,
    CompletionSettings completion,
    AgentSettings agent,
    ChatRelaySettings aiRelay) {

  /** Settings of one OAuth2 login provider. */
  public record OAuthProviderConfig(
      String id, String clientId, String clientSecret, URI siteUrl, URI apiUrl) {}

  /** Loads and validates the configuration; a bad value throws naming its variable. */
  public static EnsembleConfig fromEnv(Map<String, String> env) {
    Reader r = new Reader(env);
    String host = r.string("ENSEMBLE_HTTP_HOST", "127.0.0.1");
    int port = r.integer("ENSEMBLE_HTTP_PORT", 8080, 0, 65535);
    URI publicUrl =
        r.url("ENSEMBLE_PUBLIC_URL")
            .orElse(URI.create("http://" + ("0.0.0.0".equals(host) ? "127.0.0.1" : host) + ":" + port));
    Path dataDir = Path.of(r.string("ENSEMBLE_DATA_DIR", "./data")).toAbsolutePath().normalize();
    Optional<DatabaseUrl> db =
        r.optional("ENSEMBLE_DATABASE_URL").map(v -> DatabaseUrl.parse("ENSEMBLE_DATABASE_URL", v));
    int poolSize = r.integer("ENSEMBLE_DATABASE_POOL_SIZE", 10, 1, 200);
    Optional<String> redis = r.optional("ENSEMBLE_REDIS_URL");
    redis.ifPresent(
        v -> {
          if (!v.startsWith("redis://") && !v.startsWith("rediss://")) {
            throw new ConfigException("ENSEMBLE_REDIS_URL", "must start with redis:// or rediss://");
          }
        });
    Optional<byte[]> secret = r.optional("ENSEMBLE_SECRET_KEY").map(EnsembleConfig::decodeKey);
    long maxBody = r.integer("ENSEMBLE_MAX_BODY_BYTES", 1_048_576, 1024, 1_073_741_824);
    Duration sessionTtl = Duration.ofHours(r.integer("ENSEMBLE_SESSION_TTL_HOURS", 336, 1, 8760));
    int perAccount = r.integer("ENSEMBLE_LOGIN_ATTEMPTS_PER_ACCOUNT", 10, 1, 100_000);
    int perIp = r.integer("ENSEMBLE_LOGIN_ATTEMPTS_PER_IP", 50, 1, 1_000_000);
    Duration loginWindow = Duration.ofSeconds(r.integer("ENSEMBLE_LOGIN_WINDOW_SECONDS", 300, 1, 86_400));
    Duration shutdown = Duration.ofSeconds(r.integer("ENSEMBLE_SHUTDOWN_TIMEOUT_SECONDS", 10, 1, 300));
    String embeddedUser = r.string("ENSEMBLE_EMBEDDED_DB_USER", "nobody");
    boolean trustProxy = r.bool("ENSEMBLE_TRUST_PROXY", false);
    String logLevel = r.string("ENSEMBLE_LOG_LEVEL", "INFO").toUpperCase(java.util.Locale.ROOT);
    if (!java.util.Set.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR").contains(logLevel)) {
      throw new ConfigException("ENSEMBLE_LOG_LEVEL", "must be one of TRACE, DEBUG, INFO, WARN, ERROR");
    }
    Optional<OAuthProviderConfig> github =
        r.provider("github", "ENSEMBLE_GITHUB", "https://github.com", "https://api.github.com");
    Optional<OAuthProviderConfig> gitlab =
        r.provider("gitlab", "ENSEMBLE_GITLAB", "https://gitlab.com", null);
    AiSettings ai = AiSettings.fromEnv(env);
    return new EnsembleConfig(
        host, port, publicUrl, dataDir, db, poolSize, redis, secret, maxBody, sessionTtl,
        perAccount, perIp, loginWindow, shutdown, embeddedUser, trustProxy, logLevel, github, gitlab,
        ai, ContextSettings.fromEnv(env), SyncSettings.fromEnv(env), RunSettings.fromEnv(env),
        GitSettings.fromEnv(env), TerminalSettings.fromEnv(env), CompletionSettings.fromEnv(env, ai),
        AgentSettings.fromEnv(env), ChatRelaySettings.fromEnv(env));
  }

  /** True when cookies must carry the Secure attribute. */
  public boolean secureCookies() {
    return "https".equalsIgnoreCase(publicUrl.getScheme());
  }

  private static byte[] decodeKey(String value) {
    byte[] key;
    try {
      key = Base64.getDecoder().decode(value.trim());
    } catch (IllegalArgumentException e) {
      throw new ConfigException("ENSEMBLE_SECRET_KEY", "is not valid base64");
    }
    if (key.length != 32) {
      throw new ConfigException(
          "ENSEMBLE_SECRET_KEY", "must be the base64 of exactly 32 bytes (got " + key.length + ")");
    }
    return key;
  }

  private static final class Reader {
    private final Map<String, String> env;

    Reader(Map<String, String> env) {
      this.env = env;
    }

    Optional<String> optional(String name) {
      return Env.value(env, name);
    }

    String string(String name, String dflt) {
      return optional(name).orElse(dflt);
    }

    int integer(String name, int dflt, int min, int max) {
      return Env.integer(env, name, dflt, min, max);
    }

    boolean bool(String name, boolean dflt) {
      return Env.bool(env, name, dflt);
    }

    Optional<URI> url(String name) {
      return optional(name)
          .map(
              v -> {
                try {
                  URI u = new URI(v.endsWith("/") ? v.substring(0, v.length() - 1) : v);
                  if (u.getScheme() == null
                      || !(u.getScheme().equals("http") || u.getScheme().equals("https"))
                      || u.getHost() == null) {
                    throw new ConfigException(name, "must be an http(s) URL, got '" + v + "'");
                  }
                  return u;
                } catch (java.net.URISyntaxException e) {
                  throw new ConfigException(name, "is not a valid URL: " + e.getMessage());
                }
              });
    }

    Optional<OAuthProviderConfig> provider(
        String id, String prefix, String defaultSite, String defaultApi) {
      Optional<String> clientId = optional(prefix + "_CLIENT_ID");
      Optional<String> secret = optional(prefix + "_CLIENT_SECRET");
      if (clientId.isEmpty() && secret.isEmpty()) {
        return Optional.empty();
      }
      if (clientId.isEmpty()) {
        throw new ConfigException(prefix + "_CLIENT_ID", "must be set when " + prefix + "_CLIENT_SECRET is");
      }
      if (secret.isEmpty()) {
        throw new ConfigException(prefix + "_CLIENT_SECRET", "must be set when " + prefix + "_CLIENT_ID is");
      }
      URI site = url(prefix + "_URL").orElse(URI.create(defaultSite));
      URI api =
          url(prefix + "_API_URL")
              .orElse(defaultApi != null ? URI.create(defaultApi) : URI.create(site + "/api/v4"));
      return Optional.of(new OAuthProviderConfig(id, clientId.get(), secret.get(), site, api));
    }
  }
}
