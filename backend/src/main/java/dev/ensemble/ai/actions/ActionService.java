package dev.ensemble.ai.actions;

import dev.ensemble.ai.Briefing;
import dev.ensemble.ai.ChatService;
import dev.ensemble.ai.ChatService.LiveAnswerHandle;
import dev.ensemble.ai.ChatService.Question;
import dev.ensemble.ai.ChatStreamListener;
import dev.ensemble.ai.actions.ActionPrompts.TestFile;
import dev.ensemble.ai.actions.ActionPrompts.Worded;
import dev.ensemble.ai.actions.ProposalStore.Draft;
import dev.ensemble.ai.actions.ProposalStore.Proposal;
import dev.ensemble.ai.context.ContextBuilder;
import dev.ensemble.ai.context.ContextBuilder.Ask;
import dev.ensemble.ai.context.ContextBuilder.RunChoice;
import dev.ensemble.ai.context.ContextPiece;
import dev.ensemble.ai.context.Languages;
import dev.ensemble.http.ApiException;
import dev.ensemble.projects.Project;
import dev.ensemble.sync.SyncSettings;
import dev.ensemble.sync.files.FilePath;
import dev.ensemble.sync.files.FileTree;
import dev.ensemble.sync.files.ProjectFiles;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Code actions: each builds its request from the file, the selection, the language and the
 * project's context, and is answered in a thread through the chat's own streaming and fan-out.
 * Actions that rewrite files turn the answer's file blocks into proposals, which a member applies
 * after seeing the diff; applying refuses when the file changed since the proposal was made.
 */
public final class ActionService {
  private static final Logger log = LoggerFactory.getLogger(ActionService.class);
  /** Files one answer may propose; more are ignored. */
  static final int MAX_PROPOSALS = 20;

  private final ChatService chat;
  private final ContextBuilder context;
  private final ProposalStore proposals;
  private final ProjectFiles files;
  private final SyncSettings sync;

  public ActionService(
      ChatService chat, ContextBuilder context, ProposalStore proposals, ProjectFiles files, SyncSettings sync) {
    this.chat = chat;
    this.context = context;
    this.proposals = proposals;
    this.files = files;
    this.sync = sync;
  }

  /** A member's request for an action on a file. */
  public record ActionRequest(
      CodeAction action, String path, Optional<String> selection, Optional<UUID> runId, Optional<String> instruction,
      List<String> openPaths, Optional<UUID> threadId, Optional<String> model) {

    JsonObject toJson() {
      JsonObject json = new JsonObject().put("action", action.wire()).put("path", path);
      selection.ifPresent(s -> json.put("selection", s));
      runId.ifPresent(r -> json.put("runId", r.toString()));
      instruction.ifPresent(i -> json.put("instruction", i));
      if (!openPaths.isEmpty()) {
        json.put("openPaths", new JsonArray(openPaths));
      }
      return json;
    }
  }

  public ProposalStore proposals() {
    return proposals;
  }

  /** Starts the action's answer; refusals (limits, bad path or run) fail before anything streams. */
  public Future<LiveAnswerHandle> start(
      Context ctx, Project project, UUID userId, ActionRequest r, ChatStreamListener caller) {
    FilePath path = FilePath.parse(r.path(), "path", sync.maxPathLength(), sync.maxPathDepth());
    TestFile noTests = new TestFile("", Optional.empty());
    Worded asked = ActionPrompts.of(r.action(), path.value(), r.selection(), r.instruction(), noTests);
    Question q = new Question(
        project.id(), project.name(), userId, r.threadId(), asked.question(), r.model(), Optional.of(r.toJson()));
    return chat.ask(ctx, q, question -> brief(project, path, r), caller);
  }

  private Future<Briefing> brief(Project project, FilePath path, ActionRequest r) {
    RunChoice run = r.action() != CodeAction.FIX
        ? new RunChoice.None()
        : r.runId().<RunChoice>map(RunChoice.Exactly::new).orElse(new RunChoice.LatestFailed());
    Future<TestFile> tests = r.action() == CodeAction.TESTS
        ? testFile(project, path)
        : Future.succeededFuture(new TestFile("", Optional.empty()));
    return tests.compose(testFile -> {
      Worded worded = ActionPrompts.of(r.action(), path.value(), r.selection(), r.instruction(), testFile);
      String query = r.selection().filter(s -> !s.isBlank()).orElse(path.value()) + "\n" + worded.request();
      Ask ask = new Ask(project, Optional.of(path.value()), r.selection(), r.openPaths(), query, run, true);
      return context.gather(ask).map(gathered -> {
        StringBuilder turn = new StringBuilder(gathered.text());
        testFile.text().ifPresent(t -> turn.append("## Existing tests: ").append(testFile.path()).append('\n')
            .append(Languages.fenced(Languages.of(testFile.path()), t))
            .append('\n'));
        turn.append(worded.request());
        JsonArray sent = new JsonArray(gathered.pieces().stream().map(ContextPiece::toJson).toList());
        if (testFile.text().isPresent()) {
          sent.add(new JsonObject().put("kind", ContextPiece.Kind.OPEN.wire()).put("path", testFile.path()));
        }
        if (!r.action().proposesFiles()) {
          return new Briefing(turn.toString(), Optional.empty(), sent, Briefing.AfterAnswer.NOTHING);
        }
        Map<String, String> seen = new HashMap<>();
        gathered.fileText().ifPresent(t -> seen.put(path.value(), t));
        testFile.text().ifPresent(t -> seen.put(testFile.path(), t));
        return new Briefing(turn.toString(), Optional.of(ActionPrompts.FILE_FORMAT), sent,
            (answerId, text) -> propose(project, answerId, text, seen));
      });
    });
  }

  private Future<TestFile> testFile(Project project, FilePath path) {
    String testPath = ActionPrompts.testPathFor(path.value());
    return text(project, new FilePath(testPath)).map(t -> new TestFile(testPath, t));
  }

  /**
   * Stores the answer's file blocks as proposals. Each keeps the text it replaces: the file as the
   * model saw it, or as it is now for a file the model did not see whole.
   */
  private Future<JsonObject> propose(Project project, UUID answerId, String answer, Map<String, String> seen) {
    List<ProposalParser.Block> blocks = ProposalParser.parse(answer);
    Future<List<Draft>> drafts = Future.succeededFuture(new ArrayList<>());
    for (ProposalParser.Block b : blocks.subList(0, Math.min(blocks.size(), MAX_PROPOSALS))) {
      FilePath target;
      try {
        target = FilePath.parse(b.path(), "path", sync.maxPathLength(), sync.maxPathDepth());
      } catch (ApiException e) {
        log.info("answer {} proposed an unusable path '{}': {}", answerId, b.path(), e.getMessage());
        continue;
      }
      if (b.content().getBytes(StandardCharsets.UTF_8).length > sync.maxFileBytes()) {
        continue;
      }
      drafts = drafts.compose(list -> {
        Future<Optional<String>> base = seen.containsKey(target.value())
            ? Future.succeededFuture(Optional.of(seen.get(target.value())))
            : text(project, target);
        return base.map(before -> {
          list.removeIf(d -> d.path().equals(target.value()));
          list.add(new Draft(target.value(), before, b.content()));
          return list;
        });
      });
    }
    return drafts
        .compose(list -> proposals.save(project.id(), answerId, list))
        .map(saved -> saved.isEmpty()
            ? new JsonObject()
            : new JsonObject().put("proposals", new JsonArray(saved.stream().map(Proposal::summary).toList())));
  }

  /** What applying did: the proposal as now stored, and whether the file was created. */
  public record Applied(Proposal proposal, boolean created) {}

  /**
   * Writes the proposed content into the file as a minimal-diff edit that every participant sees.
   * Refuses with 409 {@code ai_proposal_stale} when the file is no longer the text the proposal was
   * made against (someone edited, created or deleted it), unless {@code force}.
   */
  public Future<Applied> apply(Project project, UUID proposalId, UUID userId, boolean force) {
    return proposals.find(project.id(), proposalId).compose(found -> {
      Proposal p = found.orElseThrow(() -> ApiException.notFound("proposal"));
      FilePath path = new FilePath(p.path());
      byte[] body = p.content().getBytes(StandardCharsets.UTF_8);
      return files.readVersion(project, path).compose(now -> {
        Optional<String> current = now.filter(v -> v.content().kind() == FileTree.Kind.TEXT)
            .map(v -> new String(v.content().bytes(), StandardCharsets.UTF_8));
        boolean unchanged = now.isEmpty() ? p.baseText().isEmpty() : current.isPresent() && current.equals(p.baseText());
        if (!unchanged && !force) {
          throw ApiException.conflict("ai_proposal_stale", now.isEmpty()
              ? p.path() + " was deleted after the proposal was made; apply with force to create it again"
              : p.baseText().isEmpty()
                  ? p.path() + " was created by someone else after the proposal was made; review and apply with force"
                  : p.path() + " changed after the proposal was made; review the diff against the file as it is now"
                      + " and apply with force to replace it");
        }
        Future<Boolean> written = unchanged && now.isPresent()
            // made against the version compared, so a keystroke that lands meanwhile is merged, not lost
            ? files.writeOnto(project, path, now.get(), body).compose(w -> w.isPresent()
                ? Future.succeededFuture(false)
                : files.write(project, path, body).map(ProjectFiles.Written::created))
            : files.write(project, path, body).map(ProjectFiles.Written::created);
        return written.compose(created -> proposals.applied(p.id(), userId).map(stored -> new Applied(stored, created)));
      });
    });
  }

  private Future<Optional<String>> text(Project project, FilePath path) {
    return files.read(project, path).map(c -> c
        .filter(content -> content.kind() == FileTree.Kind.TEXT)
        .map(content -> new String(content.bytes(), StandardCharsets.UTF_8)));
  }
}
