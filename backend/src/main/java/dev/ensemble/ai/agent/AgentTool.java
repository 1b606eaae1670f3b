package dev.ensemble.ai.agent;

import dev.ensemble.ai.ToolCallingModel.Parameter;
import dev.ensemble.ai.ToolCallingModel.Parameter.Type;
import dev.ensemble.ai.ToolCallingModel.Tool;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The tools the agent may call, what they take and whether a participant must approve a call
 * first: anything that changes the project's files or runs code does.
 */
enum AgentTool {
  LIST_FILES(
      "Lists the project's files with their kind (text or binary) and size in bytes.",
      false,
      new Parameter("prefix", Type.STRING, "Only files under this directory, e.g. src/main", false)),
  READ_FILE(
      "Reads a text file of the project. Lines are numbered from 1; ask for a range of a long file.",
      false,
      new Parameter("path", Type.STRING, "The file's path relative to the project root", true),
      new Parameter("start_line", Type.INTEGER, "First line to read (default 1)", false),
      new Parameter("end_line", Type.INTEGER, "Last line to read (default: the end)", false)),
  SEARCH(
      "Searches the project's text files for a substring (or a Java regular expression) and lists the"
          + " matching lines as path:line: text.",
      false,
      new Parameter("query", Type.STRING, "The text to look for", true),
      new Parameter("regex", Type.BOOLEAN, "Treat the query as a regular expression (default false)", false),
      new Parameter("prefix", Type.STRING, "Only files under this directory", false)),
  WRITE_FILE(
      "Creates a text file or replaces its whole content. Collaborators see the change live. Needs a"
          + " participant's approval unless the project allows auto-apply.",
      true,
      new Parameter("path", Type.STRING, "The file's path relative to the project root", true),
      new Parameter("content", Type.STRING, "The complete new content", true)),
  EDIT_FILE(
      "Replaces one exact occurrence of old_text in a text file with new_text, merged with what"
          + " collaborators type meanwhile. Include enough context to make old_text unique. Needs approval"
          + " unless the project allows auto-apply.",
      true,
      new Parameter("path", Type.STRING, "The file's path relative to the project root", true),
      new Parameter("old_text", Type.STRING, "The text to replace; must occur exactly once", true),
      new Parameter("new_text", Type.STRING, "The replacement", true)),
  DELETE_FILE(
      "Deletes a file. Needs approval unless the project allows auto-apply.",
      true,
      new Parameter("path", Type.STRING, "The file's path relative to the project root", true)),
  RUN_COMMAND(
      "Runs a shell command (sh -c) in a sandboxed copy of the project as it is now, e.g. the tests, and"
          + " returns its exit status and output. Changes the command makes to files are not kept. Needs"
          + " approval unless the project allows auto-apply.",
      true,
      new Parameter("command", Type.STRING, "The command line, e.g. npm test", true)),
  GIT_STATUS(
      "Shows the git status of the project: branch, staged, unstaged and untracked files.",
      false),
  GIT_DIFF(
      "Shows the git diff of the project's working tree (or of what is staged) against HEAD.",
      false,
      new Parameter("path", Type.STRING, "Only this file", false),
      new Parameter("staged", Type.BOOLEAN, "The staged changes instead of the working tree (default false)", false));

  private final String description;
  private final boolean needsApproval;
  private final List<Parameter> parameters;

  AgentTool(String description, boolean needsApproval, Parameter... parameters) {
    this.description = description;
    this.needsApproval = needsApproval;
    this.parameters = List.of(parameters);
  }

  /** The name the model calls the tool by. */
  String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  boolean needsApproval() {
    return needsApproval;
  }

  Tool spec() {
    return new Tool(wire(), description, parameters);
  }

  static Optional<AgentTool> named(String name) {
    for (AgentTool t : values()) {
      if (t.wire().equals(name)) {
        return Optional.of(t);
      }
    }
    return Optional.empty();
  }

  static List<Tool> specs() {
    return java.util.Arrays.stream(values()).map(AgentTool::spec).toList();
  }

  /** The arguments as a JSON object that fits the parameters, or a failure the model can act on. */
  JsonObject arguments(String json) {
    Object parsed;
    try {
      parsed = json == null || json.isBlank() ? new JsonObject() : io.vertx.core.json.Json.decodeValue(json);
    } catch (DecodeException e) {
      throw new ToolFailure("the arguments are not valid JSON: " + json);
    }
    if (!(parsed instanceof JsonObject args)) {
      throw new ToolFailure("the arguments must be a JSON object");
    }
    for (String key : args.fieldNames()) {
      if (parameters.stream().noneMatch(p -> p.name().equals(key))) {
        throw new ToolFailure(wire() + " has no parameter '" + key + "'; it takes " + parameterNames());
      }
    }
    for (Parameter p : parameters) {
      Object v = args.getValue(p.name());
      if (v == null) {
        if (p.required()) {
          throw new ToolFailure("'" + p.name() + "' is required");
        }
        continue;
      }
      boolean fits = switch (p.type()) {
        case STRING -> v instanceof String;
        case INTEGER -> v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue());
        default -> v instanceof Boolean;
      };
      if (!fits) {
        throw new ToolFailure("'" + p.name() + "' must be a " + p.type().name().toLowerCase(Locale.ROOT));
      }
    }
    return args;
  }

  private String parameterNames() {
    return parameters.isEmpty() ? "none" : String.join(", ", parameters.stream().map(Parameter::name).toList());
  }
}
