package dev.ensemble.runs;

import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.Optional;

/**
 * A named way to run a project: a command line, a working directory inside the project and extra
 * environment variables. Stored per project, or {@code detected} from the project's files.
 *
 * @param workingDirectory a directory of the project, relative to its root; empty for the root
 */
public record RunConfiguration(
    String name, String command, Optional<String> workingDirectory, Map<String, String> env, boolean detected) {

  public RunConfiguration {
    env = Map.copyOf(env);
  }

  /** The command as the sandbox runs it: from the working directory when one is set. */
  public String effectiveCommand() {
    return workingDirectory.map(d -> "cd " + shellQuote(d) + " && " + command).orElse(command);
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("name", name).put("command", command);
    workingDirectory.ifPresent(d -> json.put("workingDirectory", d));
    if (!env.isEmpty()) {
      json.put("env", new JsonObject(new java.util.TreeMap<String, Object>(env)));
    }
    return json.put("detected", detected);
  }

  static String shellQuote(String s) {
    return "'" + s.replace("'", "'\\''") + "'";
  }
}
