package dev.ensemble.runs;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * One thing to run: a shell command line run with {@code /bin/sh -c} in the project's working copy.
 *
 * @param id the run's id
 * @param projectId the project the run belongs to (for the per-project cap)
 * @param userId who started it (for the per-user cap)
 * @param command the command line, as typed
 * @param workspace the project's working copy on the host; the only writable place the run sees
 * @param environment extra variables for the run
 * @param allowNetwork true when the project owner allowed network access
 */
public record RunRequest(
    UUID id,
    UUID projectId,
    UUID userId,
    String command,
    Path workspace,
    Map<String, String> environment,
    boolean allowNetwork) {

  private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,127}");

  public RunRequest {
    Objects.requireNonNull(id);
    Objects.requireNonNull(projectId);
    Objects.requireNonNull(userId);
    if (command == null || command.isBlank() || command.indexOf('\0') >= 0) {
      throw new IllegalArgumentException("a run needs a command without NUL characters");
    }
    if (!workspace.isAbsolute()) {
      throw new IllegalArgumentException("workspace must be an absolute path");
    }
    environment = Map.copyOf(environment);
    environment.forEach(
        (k, v) -> {
          if (!NAME.matcher(k).matches() || v.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("bad environment variable: " + k);
          }
        });
  }

  /** A request with a new id, no extra environment and no network. */
  public static RunRequest of(UUID projectId, UUID userId, String command, Path workspace) {
    return new RunRequest(UUID.randomUUID(), projectId, userId, command, workspace, Map.of(), false);
  }

  /** The same request with network access allowed or not. */
  public RunRequest withNetwork(boolean allowed) {
    return new RunRequest(id, projectId, userId, command, workspace, environment, allowed);
  }
}
