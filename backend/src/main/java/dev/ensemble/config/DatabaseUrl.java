package dev.ensemble.config;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/** A parsed {@code postgresql://user:pass@host:port/db} URL. */
public record DatabaseUrl(String host, int port, String database, String user, String password) {

  /** Parses a URL, throwing a {@link ConfigException} that names {@code variable}. */
  public static DatabaseUrl parse(String variable, String value) {
    URI uri;
    try {
      uri = new URI(value);
    } catch (java.net.URISyntaxException e) {
      throw new ConfigException(variable, "is not a valid URL");
    }
    String scheme = uri.getScheme();
    if (!"postgresql".equals(scheme) && !"postgres".equals(scheme)) {
      throw new ConfigException(variable, "must start with postgresql://");
    }
    if (uri.getHost() == null) {
      throw new ConfigException(variable, "has no host");
    }
    String path = uri.getRawPath() == null ? "" : uri.getRawPath();
    if (path.length() <= 1) {
      throw new ConfigException(variable, "has no database name (postgresql://user:pass@host:port/db)");
    }
    String user = "postgres";
    String password = "";
    if (uri.getRawUserInfo() != null) {
      String[] parts = uri.getRawUserInfo().split(":", 2);
      user = decode(parts[0]);
      password = parts.length > 1 ? decode(parts[1]) : "";
    }
    int port = uri.getPort() == -1 ? 5432 : uri.getPort();
    return new DatabaseUrl(uri.getHost(), port, decode(path.substring(1)), user, password);
  }

  /** The JDBC form, used only by the migration tool. */
  public String jdbcUrl() {
    return "jdbc:postgresql://" + host + ":" + port + "/" + database;
  }

  private static String decode(String s) {
    return URLDecoder.decode(s, StandardCharsets.UTF_8);
  }

  @Override
  public String toString() {
    return "postgresql://" + user + "@" + host + ":" + port + "/" + database;
  }
}
