package dev.ensemble.runs;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Run configurations a project suggests by its files at the root: package.json scripts
 * ({@code npm run <script>}), {@code main.py}, {@code index.js}, {@code pom.xml} and Makefile
 * targets. Each is named after its command.
 */
public final class RunDetection {
  /** The root files detection reads. */
  public static final List<String> FILES =
      List.of("package.json", "main.py", "index.js", "pom.xml", "Makefile", "makefile", "GNUmakefile");

  private static final int MAX_EACH = 20;
  private static final Pattern SCRIPT_NAME = Pattern.compile("[A-Za-z0-9:_.@/-]{1,100}");
  // "target: deps" at the start of a line; not "VAR := x", not ".PHONY", not pattern rules.
  private static final Pattern MAKE_TARGET = Pattern.compile("^([A-Za-z0-9][A-Za-z0-9_.-]{0,99})\\s*:(?![=:])", Pattern.MULTILINE);

  private RunDetection() {}

  /** The configurations these root files suggest, in a stable order. */
  public static List<RunConfiguration> detect(Map<String, byte[]> rootFiles) {
    List<String> commands = new ArrayList<>();
    Optional.ofNullable(rootFiles.get("package.json")).ifPresent(b -> commands.addAll(npmScripts(b)));
    if (rootFiles.containsKey("main.py")) {
      commands.add("python3 main.py");
    }
    if (rootFiles.containsKey("index.js")) {
      commands.add("node index.js");
    }
    if (rootFiles.containsKey("pom.xml")) {
      commands.add("mvn -q test");
    }
    for (String makefile : List.of("GNUmakefile", "makefile", "Makefile")) {
      if (rootFiles.containsKey(makefile)) {
        commands.addAll(makeTargets(rootFiles.get(makefile)));
        break; // make reads the first of these that exists
      }
    }
    return commands.stream().distinct().map(c -> new RunConfiguration(c, c, Optional.empty(), Map.of(), true)).toList();
  }

  private static List<String> npmScripts(byte[] packageJson) {
    try {
      JsonObject scripts = new JsonObject(new String(packageJson, StandardCharsets.UTF_8)).getJsonObject("scripts");
      if (scripts == null) {
        return List.of();
      }
      return scripts.fieldNames().stream()
          .filter(n -> SCRIPT_NAME.matcher(n).matches())
          .limit(MAX_EACH)
          .map(n -> "npm run " + n)
          .toList();
    } catch (DecodeException | ClassCastException e) {
      return List.of(); // not valid JSON: nothing to suggest
    }
  }

  private static List<String> makeTargets(byte[] makefile) {
    Set<String> targets = new LinkedHashSet<>();
    Matcher m = MAKE_TARGET.matcher(new String(makefile, StandardCharsets.UTF_8));
    while (m.find() && targets.size() < MAX_EACH) {
      targets.add(m.group(1));
    }
    return targets.stream().map(t -> "make " + t).toList();
  }
}
