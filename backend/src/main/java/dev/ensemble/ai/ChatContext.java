package dev.ensemble.ai;

import dev.ensemble.ai.context.ContextBuilder;
import dev.ensemble.ai.context.ContextBuilder.Ask;
import dev.ensemble.ai.context.ContextBuilder.RunChoice;
import dev.ensemble.ai.context.ContextPiece;
import dev.ensemble.projects.Project;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Optional;

/**
 * A chat question with its context: what the editor sent (current file, selection, open tabs),
 * the latest run's output when that run failed, and what retrieval finds for the question.
 */
public final class ChatContext {
  private final ContextBuilder builder;

  public ChatContext(ContextBuilder builder) {
    this.builder = builder;
  }

  /** The briefing for a chat question. */
  public Future<Briefing> brief(Project project, ChatService.Question q) {
    JsonObject editor = q.context().orElse(new JsonObject());
    Optional<String> selection = Optional.ofNullable(editor.getString("selection"));
    JsonArray open = editor.getJsonArray("openPaths", new JsonArray());
    List<String> openPaths = open.stream().map(String::valueOf).toList();
    String query = selection.filter(s -> !s.isBlank()).map(s -> q.text() + "\n" + s).orElse(q.text());
    Ask ask = new Ask(project, Optional.ofNullable(editor.getString("path")), selection, openPaths, query,
        new RunChoice.LatestIfFailed(), false);
    return builder.gather(ask).map(g -> new Briefing(
        g.text().isEmpty() ? q.text() : g.text() + "Question:\n" + q.text(),
        Optional.empty(),
        new JsonArray(g.pieces().stream().map(ContextPiece::toJson).toList()),
        Briefing.AfterAnswer.NOTHING));
  }
}
