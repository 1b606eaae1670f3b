package dev.ensemble.ai.context;

import dev.ensemble.ai.context.ContextPiece.Kind;
import dev.ensemble.ai.context.ContextPiece.Lines;
import dev.ensemble.http.ApiException;
import dev.ensemble.projects.Project;
import dev.ensemble.runs.RunService;
import dev.ensemble.runs.RunStatus;
import dev.ensemble.runs.RunView;
import dev.ensemble.sync.SyncSettings;
import dev.ensemble.sync.files.FilePath;
import dev.ensemble.sync.files.FileTree;
import dev.ensemble.sync.files.ProjectFiles;
import io.vertx.core.Future;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Gathers what goes to the model with a question, within a token budget (estimated at four
 * characters a token): the selection, the current file (whole, or the lines around the selection
 * that fit), a run's output, other open files, then chunks retrieved from the project. It says
 * which pieces went, so the UI can show it.
 */
public final class ContextBuilder {
  /** Open files beyond these are named, not read. */
  static final int MAX_OPEN_FILES = 10;
  /** How far back a fix looks for a failed run. */
  static final int RECENT_RUNS = 20;

  private final ProjectFiles files;
  private final RunService runs;
  private final RetrievalIndex index;
  private final ContextSettings settings;
  private final SyncSettings sync;

  public ContextBuilder(
      ProjectFiles files, RunService runs, RetrievalIndex index, ContextSettings settings, SyncSettings sync) {
    this.files = files;
    this.runs = runs;
    this.index = index;
    this.settings = settings;
    this.sync = sync;
  }

  /** Which run's output to send. */
  public sealed interface RunChoice {
    /** None. */
    record None() implements RunChoice {}

    /** The project's most recent run, if it did not succeed. */
    record LatestIfFailed() implements RunChoice {}

    /** The most recent of the project's last few runs that did not succeed (409 when none). */
    record LatestFailed() implements RunChoice {}

    /** This run (404 unless it belongs to the project). */
    record Exactly(UUID runId) implements RunChoice {}
  }

  /**
   * What to gather for. {@code wholeFile}: the current file must go whole (an action that rewrites
   * it), else the request is refused.
   */
  public record Ask(
      Project project, Optional<String> path, Optional<String> selection, List<String> openPaths, String query,
      RunChoice run, boolean wholeFile) {}

  /** The context as text for the prompt, the pieces in it, and the current file as read. */
  public record Gathered(String text, List<ContextPiece> pieces, Optional<String> fileText, Optional<RunView> run) {}

  /** Reads and selects the context; fails with 400/404 for a bad path or run. */
  public Future<Gathered> gather(Ask ask) {
    Optional<FilePath> path;
    try {
      path = ask.path().map(p -> FilePath.parse(p, "path", sync.maxPathLength(), sync.maxPathDepth()));
    } catch (ApiException e) {
      return Future.failedFuture(e);
    }
    Future<Optional<String>> current = path.map(p -> text(ask.project(), p)).orElse(Future.succeededFuture(Optional.empty()));
    return current.compose(fileText -> runOutput(ask).compose(run -> {
      Budget budget = Budget.tokens(settings.tokenBudget());
      StringBuilder out = new StringBuilder();
      List<ContextPiece> pieces = new ArrayList<>();
      Set<String> whole = new HashSet<>();
      String language = path.map(p -> Languages.of(p.value())).orElse("text");

      if (ask.selection().isPresent() && !ask.selection().get().isEmpty()) {
        String sel = ask.selection().get();
        Optional<Lines> where = fileText.flatMap(t -> linesOf(t, sel));
        String clipped = budget.clip(sel);
        out.append("## Selected text").append(path.map(p -> " in " + p.value()).orElse(""))
            .append(where.map(l -> ", lines " + l.from() + "-" + l.to()).orElse("")).append('\n')
            .append(Languages.fenced(language, clipped)).append('\n');
        pieces.add(new ContextPiece(Kind.SELECTION, path.map(FilePath::value), where, Optional.empty()));
      }

      if (path.isPresent() && fileText.isPresent()) {
        String text = fileText.get();
        int total = lineCount(text);
        if (budget.fits(text)) {
          budget.take(text);
          whole.add(path.get().value());
          out.append("## Current file: ").append(path.get().value()).append(" (").append(language).append(", ")
              .append(total).append(" lines)\n").append(Languages.fenced(language, text)).append('\n');
          pieces.add(ContextPiece.of(Kind.FILE, path.get().value(), new Lines(1, total)));
        } else if (ask.wholeFile()) {
          throw ApiException.badRequest("ai_file_too_large",
              path.get().value() + " (" + text.length() + " characters) does not fit the assistant's context budget of "
                  + settings.tokenBudget() + " tokens (ENSEMBLE_AI_CONTEXT_TOKENS)");
        } else {
          int around = ask.selection().flatMap(s -> linesOf(text, s)).map(Lines::from).orElse(1);
          Lines window = window(text, around, budget.remainingChars());
          if (window.to() >= window.from()) {
            String part = lines(text, window);
            budget.take(part);
            out.append("## Current file: ").append(path.get().value()).append(" (").append(language).append(", lines ")
                .append(window.from()).append('-').append(window.to()).append(" of ").append(total).append(")\n")
                .append(Languages.fenced(language, part)).append('\n');
            pieces.add(ContextPiece.of(Kind.FILE, path.get().value(), window));
          }
        }
      } else if (ask.wholeFile() && path.isPresent()) {
        throw ApiException.notFound("file " + path.get().value());
      }

      if (run.isPresent()) {
        RunView view = run.get().view();
        String tail = clipFront(run.get().tail(), budget.remainingChars());
        budget.take(tail);
        out.append("## Output of run `").append(view.command()).append("` (").append(view.status().wire())
            .append(view.exitCode().map(c -> ", exit code " + c).orElse("")).append("), its last ")
            .append(tail.getBytes(StandardCharsets.UTF_8).length).append(" bytes\n")
            .append(Languages.fenced("text", tail)).append('\n');
        pieces.add(ContextPiece.run(view.id()));
      }

      return openFiles(ask, path, budget, whole).compose(open -> {
        open.forEach(o -> {
          out.append(o.text());
          pieces.add(o.piece());
          o.piece().path().ifPresent(whole::add);
        });
        List<String> named = ask.openPaths().stream()
            .filter(p -> !whole.contains(p) && path.map(c -> !c.value().equals(p)).orElse(true))
            .toList();
        if (!named.isEmpty()) {
          out.append("Other open files: ").append(String.join(", ", named)).append("\n\n");
        }
        return index.search(ask.project(), ask.query(), settings.topK()).map(hits -> {
          for (RetrievalIndex.Hit h : hits) {
            if (whole.contains(h.path()) || !budget.fits(h.text())) {
              continue;
            }
            budget.take(h.text());
            out.append("## From the project: ").append(h.path()).append(", lines ").append(h.fromLine()).append('-')
                .append(h.toLine()).append('\n').append(Languages.fenced(Languages.of(h.path()), h.text())).append('\n');
            pieces.add(ContextPiece.of(Kind.RETRIEVED, h.path(), new Lines(h.fromLine(), h.toLine())));
          }
          return new Gathered(out.toString(), List.copyOf(pieces), fileText, run.map(RunText::view));
        });
      });
    }));
  }

  private record RunText(RunView view, String tail) {}

  private record OpenFile(String text, ContextPiece piece) {}

  /** Other open files, whole, while they fit into half of what is left (the rest is for retrieval). */
  private Future<List<OpenFile>> openFiles(Ask ask, Optional<FilePath> current, Budget budget, Set<String> whole) {
    Set<String> paths = new LinkedHashSet<>();
    for (String raw : ask.openPaths()) {
      FilePath p = FilePath.parse(raw, "openPaths", sync.maxPathLength(), sync.maxPathDepth());
      if (current.map(c -> !c.equals(p)).orElse(true) && paths.size() < MAX_OPEN_FILES) {
        paths.add(p.value());
      }
    }
    Budget share = new Budget(budget.remainingChars() / 2);
    List<OpenFile> out = new ArrayList<>();
    Future<Void> chain = Future.succeededFuture();
    for (String p : paths) {
      chain = chain.compose(v -> text(ask.project(), new FilePath(p)).map(found -> {
        found.filter(share::fits).ifPresent(t -> {
          share.take(t);
          budget.take(t);
          String language = Languages.of(p);
          out.add(new OpenFile(
              "## Open file: " + p + "\n" + Languages.fenced(language, t) + "\n",
              ContextPiece.of(Kind.OPEN, p, new Lines(1, lineCount(t)))));
        });
        return null;
      }));
    }
    return chain.map(out);
  }

  private Future<Optional<RunText>> runOutput(Ask ask) {
    UUID projectId = ask.project().id();
    Future<Optional<RunView>> chosen;
    if (ask.run() instanceof RunChoice.Exactly exactly) {
      chosen = runs.find(exactly.runId()).map(found -> Optional.of(found
          .filter(r -> r.projectId().equals(projectId))
          .orElseThrow(() -> ApiException.notFound("run"))));
    } else if (ask.run() instanceof RunChoice.LatestIfFailed) {
      chosen = runs.history(projectId, 1).map(list -> list.stream().findFirst().filter(ContextBuilder::failed));
    } else if (ask.run() instanceof RunChoice.LatestFailed) {
      chosen = runs.history(projectId, RECENT_RUNS).map(list -> Optional.of(list.stream()
          .filter(ContextBuilder::failed)
          .findFirst()
          .orElseThrow(() -> ApiException.conflict("ai_no_failed_run",
              "none of the project's last " + RECENT_RUNS + " runs failed; name a run with runId"))));
    } else {
      chosen = Future.succeededFuture(Optional.empty());
    }
    return chosen.compose(run -> run.isEmpty() || settings.runOutputBytes() == 0
        ? Future.succeededFuture(Optional.<RunText>empty())
        : runs.outputTail(run.get().id(), settings.runOutputBytes()).map(t -> Optional.of(new RunText(run.get(), t))));
  }

  /** A run that ended without succeeding. */
  public static boolean failed(RunView run) {
    return run.status().isFinal() && run.status() != RunStatus.SUCCEEDED;
  }

  private Future<Optional<String>> text(Project project, FilePath path) {
    return files.read(project, path).map(c -> c
        .filter(content -> content.kind() == FileTree.Kind.TEXT)
        .map(content -> new String(content.bytes(), StandardCharsets.UTF_8)));
  }

  /** Where the selection first occurs in the text. */
  static Optional<Lines> linesOf(String text, String selection) {
    int at = text.indexOf(selection);
    if (at < 0 || selection.isEmpty()) {
      return Optional.empty();
    }
    int from = lineCount(text.substring(0, at + 1));
    int to = from + (int) selection.chars().filter(c -> c == '\n').count() - (selection.endsWith("\n") ? 1 : 0);
    return Optional.of(new Lines(from, Math.max(from, to)));
  }

  static int lineCount(String text) {
    if (text.isEmpty()) {
      return 1;
    }
    int n = (int) text.chars().filter(c -> c == '\n').count();
    return text.endsWith("\n") ? n : n + 1;
  }

  /** The widest run of lines around {@code around} whose text fits in {@code chars}. */
  static Lines window(String text, int around, long chars) {
    String[] all = text.split("\n", -1);
    int from = Math.min(Math.max(1, around), all.length);
    int to = from - 1;
    long used = 0;
    boolean grew = true;
    while (grew) {
      grew = false;
      if (to < all.length && used + all[to].length() + 1 <= chars) {
        used += all[to].length() + 1;
        to++;
        grew = true;
      }
      if (from > 1 && to >= from && used + all[from - 2].length() + 1 <= chars) {
        used += all[from - 2].length() + 1;
        from--;
        grew = true;
      }
    }
    return new Lines(from, to);
  }

  static String lines(String text, Lines range) {
    String[] all = text.split("\n", -1);
    return String.join("\n", java.util.Arrays.asList(all).subList(range.from() - 1, range.to()));
  }

  private static String clipFront(String text, long chars) {
    return text.length() <= chars ? text : text.substring((int) (text.length() - chars));
  }

  /** Tokens left, estimated from characters. */
  private static final class Budget {
    private long chars;

    Budget(long chars) {
      this.chars = chars;
    }

    static Budget tokens(long tokens) {
      return new Budget(tokens * 4);
    }

    boolean fits(String text) {
      return text.length() <= chars;
    }

    void take(String text) {
      chars = Math.max(0, chars - text.length());
    }

    long remainingChars() {
      return chars;
    }

    /** As much of the text as fits (all of it, usually), taken from the budget. */
    String clip(String text) {
      String kept = text.length() <= chars ? text : text.substring(0, (int) chars);
      take(kept);
      return kept;
    }
  }
}
