package dev.ensemble.ai.context;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;

/**
 * One piece of context that went to the model with a question, as the UI lists it: the current
 * file (or the lines of it that fit), the selection, another open file, a run's output, or a
 * chunk retrieved from the project.
 *
 * @param lines first and last line sent, counting from 1, when only part of a file went
 */
public record ContextPiece(Kind kind, Optional<String> path, Optional<Lines> lines, Optional<UUID> runId) {

  /** What a piece is. */
  public enum Kind {
    FILE, SELECTION, OPEN, RUN, RETRIEVED;

    public String wire() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** An inclusive range of lines. */
  public record Lines(int from, int to) {}

  static ContextPiece of(Kind kind, String path, Lines lines) {
    return new ContextPiece(kind, Optional.of(path), Optional.of(lines), Optional.empty());
  }

  static ContextPiece run(UUID runId) {
    return new ContextPiece(Kind.RUN, Optional.empty(), Optional.empty(), Optional.of(runId));
  }

  /** {@code {kind, path?, lines?: [from, to], runId?}} */
  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("kind", kind.wire());
    path.ifPresent(p -> json.put("path", p));
    lines.ifPresent(l -> json.put("lines", new JsonArray().add(l.from()).add(l.to())));
    runId.ifPresent(r -> json.put("runId", r.toString()));
    return json;
  }
}
