package dev.ensemble.config;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Reading {@code ENSEMBLE_*} variables the same way everywhere: blank counts as unset, values are
 * trimmed, and a bad value throws a {@link ConfigException} naming its variable.
 */
public final class Env {
  private Env() {}

  /** The trimmed value, or empty when unset or blank. */
  public static Optional<String> value(Map<String, String> env, String name) {
    String v = env.get(name);
    return v == null || v.isBlank() ? Optional.empty() : Optional.of(v.trim());
  }

  /** A whole number within [min, max] (underscores allowed as separators), or the default. */
  public static long number(Map<String, String> env, String name, long dflt, long min, long max) {
    Optional<String> v = value(env, name);
    if (v.isEmpty()) {
      return dflt;
    }
    long parsed;
    try {
      parsed = Long.parseLong(v.get().replace("_", ""));
    } catch (NumberFormatException e) {
      throw new ConfigException(name, "must be an integer, got '" + v.get() + "'");
    }
    if (parsed < min || parsed > max) {
      throw new ConfigException(name, "must be between " + min + " and " + max + ", got " + parsed);
    }
    return parsed;
  }

  /** {@link #number} for int-sized settings. */
  public static int integer(Map<String, String> env, String name, int dflt, int min, int max) {
    return (int) number(env, name, dflt, min, max);
  }

  /** true/1/yes or false/0/no, or the default. */
  public static boolean bool(Map<String, String> env, String name, boolean dflt) {
    Optional<String> v = value(env, name);
    if (v.isEmpty()) {
      return dflt;
    }
    return switch (v.get().toLowerCase(Locale.ROOT)) {
      case "true", "1", "yes" -> true;
      case "false", "0", "no" -> false;
      default -> throw new ConfigException(name, "must be true or false, got '" + v.get() + "'");
    };
  }
}
