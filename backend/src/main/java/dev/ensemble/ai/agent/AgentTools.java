package dev.ensemble.ai.agent;

import dev.ensemble.git.GitService;
import dev.ensemble.http.ApiException;
import dev.ensemble.projects.Project;
import dev.ensemble.runs.Run;
import dev.ensemble.runs.RunChunk;
import dev.ensemble.runs.RunResult;
import dev.ensemble.runs.RunService;
import dev.ensemble.runs.RunView;
import dev.ensemble.sync.SyncSettings;
import dev.ensemble.sync.files.FilePath;
import dev.ensemble.sync.files.FileTree.Entry;
import dev.ensemble.sync.files.FileTree.Kind;
import dev.ensemble.sync.files.ProjectFiles;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Carries out the agent's tool calls with the project's own services, so an edit is a CRDT change
 * every collaborator sees, a run is a sandboxed run of the runs feature and git is the project's
 * working copy. Every result is text for the model, bounded by
 * {@link AgentSettings#maxResultChars()}; what goes wrong is a {@link ToolFailure}.
 */
final class AgentTools {
  private static final int SEARCH_BATCH = 16;

  private final Vertx vertx;
  private final ProjectFiles files;
  private final RunService runs;
  private final GitService git;
  private final SyncSettings sync;
  private final AgentSettings settings;

  AgentTools(Vertx vertx, ProjectFiles files, RunService runs, GitService git, SyncSettings sync, AgentSettings settings) {
    this.vertx = vertx;
    this.files = files;
    this.runs = runs;
    this.git = git;
    this.sync = sync;
    this.settings = settings;
  }

  /**
   * Runs one call. {@code started} receives a way to cancel long work (a run) while it lasts.
   * Failures the model can act on (a bad path, a missing file, a refused run) fail the future with
   * a {@link ToolFailure}.
   */
  Future<String> execute(Project project, UUID userId, AgentTool tool, JsonObject args, Consumer<Runnable> started) {
    Future<String> result;
    try {
      result = switch (tool) {
        case LIST_FILES -> list(project, prefix(args.getString("prefix")));
        case READ_FILE -> read(project, path(args.getString("path")), args.getLong("start_line"), args.getLong("end_line"));
        case SEARCH -> search(project, args.getString("query"), args.getBoolean("regex", false),
            prefix(args.getString("prefix")));
        case WRITE_FILE -> write(project, path(args.getString("path")), args.getString("content"));
        case EDIT_FILE -> edit(project, path(args.getString("path")), args.getString("old_text"),
            args.getString("new_text"));
        case DELETE_FILE -> delete(project, path(args.getString("path")));
        case RUN_COMMAND -> run(project, userId, args.getString("command"), started);
        case GIT_STATUS -> git.status(project).map(JsonObject::encodePrettily);
        case GIT_DIFF -> git.diff(project, Optional.ofNullable(args.getString("path")).map(p -> path(p).value()),
                args.getBoolean("staged", false))
            .map(d -> d.getString("diff", "").isEmpty() ? "no differences" : d.getString("diff"));
      };
    } catch (RuntimeException e) {
      result = Future.failedFuture(e);
    }
    return result
        .map(this::bounded)
        .recover(e -> Future.failedFuture(e instanceof ToolFailure ? e : new ToolFailure(describe(e))));
  }

  /** Text the model can read about a failure of the services underneath. */
  static String describe(Throwable e) {
    if (e instanceof ApiException a) {
      return a.getMessage();
    }
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }

  String bounded(String text) {
    int max = settings.maxResultChars();
    if (text.length() <= max) {
      return text;
    }
    return text.substring(0, max) + "\n[… " + (text.length() - max) + " more characters left out]";
  }

  private FilePath path(String raw) {
    try {
      return FilePath.parse(raw, "path", sync.maxPathLength(), sync.maxPathDepth());
    } catch (ApiException e) {
      throw new ToolFailure(e.getMessage());
    }
  }

  private Optional<String> prefix(String raw) {
    if (raw == null || raw.isBlank() || raw.strip().equals(".") || raw.strip().equals("/")) {
      return Optional.empty();
    }
    return Optional.of(path(raw.startsWith("/") ? raw.substring(1) : raw).value() + "/");
  }

  private static boolean under(Entry e, Optional<String> prefix) {
    return prefix.isEmpty() || e.path().startsWith(prefix.get());
  }

  private Future<String> list(Project project, Optional<String> prefix) {
    return files.list(project).map(entries -> {
      List<Entry> shown = entries.stream().filter(e -> under(e, prefix)).sorted(java.util.Comparator.comparing(Entry::path)).toList();
      if (shown.isEmpty()) {
        return prefix.map(p -> "no files under " + p).orElse("the project has no files");
      }
      StringBuilder b = new StringBuilder();
      for (Entry e : shown) {
        b.append(e.path()).append('\t').append(e.kind().name().toLowerCase(Locale.ROOT)).append('\t').append(e.size()).append('\n');
      }
      return b.toString();
    });
  }

  private Future<String> read(Project project, FilePath path, Long start, Long end) {
    return files.read(project, path).map(found -> {
      ProjectFiles.Content c = found.orElseThrow(() -> new ToolFailure("there is no file " + path));
      if (c.kind() == Kind.BINARY) {
        throw new ToolFailure(path + " is a binary file of " + c.bytes().length + " bytes");
      }
      String[] lines = new String(c.bytes(), StandardCharsets.UTF_8).split("\n", -1);
      long from = Math.max(1, start == null ? 1 : start);
      long to = Math.min(lines.length, end == null ? lines.length : end);
      if (from > to) {
        return path + " has " + lines.length + " lines; nothing in " + from + "–" + (end == null ? "end" : end);
      }
      StringBuilder b = new StringBuilder();
      for (long i = from; i <= to; i++) {
        b.append(i).append('\t').append(lines[(int) i - 1]).append('\n');
      }
      return b.toString();
    });
  }

  private Future<String> search(Project project, String query, boolean regex, Optional<String> prefix) {
    if (query.isEmpty()) {
      throw new ToolFailure("'query' is empty");
    }
    Pattern pattern;
    try {
      pattern = regex ? Pattern.compile(query) : Pattern.compile(Pattern.quote(query));
    } catch (PatternSyntaxException e) {
      throw new ToolFailure("not a valid regular expression: " + e.getDescription());
    }
    long deadline = System.nanoTime() + settings.searchTimeout().toNanos();
    return files.list(project).compose(entries -> {
      List<Entry> candidates = entries.stream()
          .filter(e -> e.kind() == Kind.TEXT && under(e, prefix))
          .sorted(java.util.Comparator.comparing(Entry::path))
          .toList();
      Search s = new Search(project, pattern, deadline,
          candidates.subList(0, Math.min(candidates.size(), settings.searchMaxFiles())),
          candidates.size() > settings.searchMaxFiles());
      return s.next(0).map(v -> s.report(query));
    });
  }

  /** One search: reads files in small batches and matches them on a worker, within its deadline. */
  private final class Search {
    private final Project project;
    private final Pattern pattern;
    private final long deadline;
    private final List<Entry> entries;
    private final boolean skippedFiles;
    private final StringBuilder out = new StringBuilder();
    private int matches;
    private boolean full;
    private boolean timedOut;

    Search(Project project, Pattern pattern, long deadline, List<Entry> entries, boolean skippedFiles) {
      this.project = project;
      this.pattern = pattern;
      this.deadline = deadline;
      this.entries = entries;
      this.skippedFiles = skippedFiles;
    }

    Future<Void> next(int from) {
      if (from >= entries.size() || full || timedOut) {
        return Future.succeededFuture();
      }
      List<Entry> batch = entries.subList(from, Math.min(entries.size(), from + SEARCH_BATCH));
      List<Future<Optional<ProjectFiles.Content>>> reads = new ArrayList<>();
      batch.forEach(e -> reads.add(files.read(project, new FilePath(e.path()))));
      return Future.all(reads)
          .compose(all -> vertx.executeBlocking(() -> {
            for (int i = 0; i < batch.size() && !full && !timedOut; i++) {
              Optional<ProjectFiles.Content> c = reads.get(i).result();
              if (c.isPresent()) {
                match(batch.get(i).path(), new String(c.get().bytes(), StandardCharsets.UTF_8));
              }
            }
            return null;
          }, false))
          .compose(v -> next(from + SEARCH_BATCH));
    }

    private void match(String path, String text) {
      String[] lines = text.split("\n", -1);
      for (int i = 0; i < lines.length; i++) {
        boolean found;
        try {
          found = pattern.matcher(new Deadlined(lines[i], deadline)).find();
        } catch (Deadlined.Expired e) {
          timedOut = true;
          return;
        }
        if (found) {
          String line = lines[i].length() > 300 ? lines[i].substring(0, 300) + "…" : lines[i];
          out.append(path).append(':').append(i + 1).append(": ").append(line).append('\n');
          matches++;
          if (out.length() >= settings.maxResultChars()) {
            full = true;
            return;
          }
        }
      }
    }

    String report(String query) {
      if (matches == 0 && !timedOut) {
        return "no matches for " + query + (skippedFiles ? " in the first " + entries.size() + " files" : "");
      }
      StringBuilder b = new StringBuilder(out);
      if (full) {
        b.append("[stopped after ").append(matches).append(" matches: the result is full]\n");
      }
      if (timedOut) {
        b.append("[stopped: the search took longer than ").append(settings.searchTimeout().toSeconds()).append(" s]\n");
      }
      if (skippedFiles) {
        b.append("[only the first ").append(entries.size()).append(" files were searched]\n");
      }
      return b.toString();
    }
  }

  /** Text whose reading fails once a deadline has passed, so no pattern can search forever. */
  private static final class Deadlined implements CharSequence {
    static final class Expired extends RuntimeException {
      Expired() {
        super(null, null, false, false);
      }
    }

    private final CharSequence text;
    private final long deadline;
    private int reads;

    Deadlined(CharSequence text, long deadline) {
      this.text = text;
      this.deadline = deadline;
    }

    @Override
    public char charAt(int index) {
      if ((++reads & 0xfff) == 0 && System.nanoTime() > deadline) {
        throw new Expired();
      }
      return text.charAt(index);
    }

    @Override
    public int length() {
      return text.length();
    }

    @Override
    public CharSequence subSequence(int start, int end) {
      return new Deadlined(text.subSequence(start, end), deadline);
    }

    @Override
    public String toString() {
      return text.toString();
    }
  }

  private Future<String> write(Project project, FilePath path, String content) {
    return files.write(project, path, content.getBytes(StandardCharsets.UTF_8))
        .map(w -> (w.created() ? "created " : "replaced the content of ") + path + " (" + w.entry().size() + " bytes)");
  }

  private Future<String> edit(Project project, FilePath path, String oldText, String newText) {
    if (oldText.isEmpty()) {
      throw new ToolFailure("'old_text' is empty; use write_file to create a file");
    }
    return files.readVersion(project, path).compose(found -> {
      ProjectFiles.Version v = found.orElseThrow(() -> new ToolFailure("there is no file " + path));
      if (v.content().kind() != Kind.TEXT) {
        throw new ToolFailure(path + " is a binary file");
      }
      String text = new String(v.content().bytes(), StandardCharsets.UTF_8);
      int at = text.indexOf(oldText);
      if (at < 0) {
        throw new ToolFailure("old_text does not occur in " + path + "; read the file again and copy it exactly");
      }
      if (text.indexOf(oldText, at + 1) >= 0) {
        throw new ToolFailure("old_text occurs more than once in " + path + "; include more surrounding lines");
      }
      String updated = text.substring(0, at) + newText + text.substring(at + oldText.length());
      int line = (int) text.substring(0, at).chars().filter(c -> c == '\n').count() + 1;
      return files.writeOnto(project, path, v, updated.getBytes(StandardCharsets.UTF_8)).map(written -> {
        if (written.isEmpty()) {
          throw new ToolFailure(path + " was replaced by another file meanwhile; read it again");
        }
        return "edited " + path + " at line " + line + " (" + lineCount(oldText) + " line(s) replaced by "
            + lineCount(newText) + ")";
      });
    });
  }

  private static long lineCount(String s) {
    return s.isEmpty() ? 0 : s.chars().filter(c -> c == '\n').count() + (s.endsWith("\n") ? 0 : 1);
  }

  private Future<String> delete(Project project, FilePath path) {
    return files.delete(project, path).map(deleted -> {
      if (!deleted) {
        throw new ToolFailure("there is no file " + path);
      }
      return "deleted " + path;
    });
  }

  private Future<String> run(Project project, UUID userId, String command, Consumer<Runnable> started) {
    if (command.isBlank()) {
      throw new ToolFailure("'command' is empty");
    }
    return runs.start(project, userId, command, Map.of()).compose(view -> {
      Optional<Run> live = runs.live(view.id());
      if (live.isEmpty()) {
        return Future.failedFuture(new ToolFailure("the run " + view.id() + " is no longer known to this server"));
      }
      started.accept(() -> runs.cancel(view.id()));
      return live.get().finished().compose(result -> output(view.id()).map(out -> report(view, result, out)));
    });
  }

  private static String report(RunView view, RunResult result, String output) {
    StringBuilder b = new StringBuilder();
    b.append("run ").append(view.id()).append(": ").append(result.status().wire());
    result.exitCode().ifPresent(c -> b.append(", exit code ").append(c));
    b.append(", ").append(result.durationMs()).append(" ms");
    if (result.truncated()) {
      b.append(" (output beyond the run's limit was dropped)");
    }
    b.append('\n').append(output.isEmpty() ? "(no output)" : output);
    return b.toString();
  }

  /** The run's output, stdout and stderr interleaved: its start and, mostly, its end when long. */
  private Future<String> output(UUID runId) {
    int budget = settings.maxResultChars() - 200;
    Tail tail = new Tail(budget / 4, budget - budget / 4);
    Promise<String> done = Promise.promise();
    page(runId, 0, tail, done);
    return done.future();
  }

  private void page(UUID runId, long after, Tail tail, Promise<String> done) {
    runs.chunksAfter(runId, after, RunService.page()).onComplete(ar -> {
      if (ar.failed()) {
        done.fail(ar.cause());
        return;
      }
      List<RunChunk> chunks = ar.result();
      if (chunks.isEmpty()) {
        done.complete(tail.text());
        return;
      }
      chunks.forEach(c -> tail.add(c.data()));
      page(runId, chunks.get(chunks.size() - 1).seq(), tail, done);
    });
  }

  /** Keeps the first {@code headBytes} and the last {@code tailBytes} of a byte stream. */
  private static final class Tail {
    private final int headBytes;
    private final int tailBytes;
    private final ByteArrayOutputStream head = new ByteArrayOutputStream();
    private final java.util.ArrayDeque<byte[]> last = new java.util.ArrayDeque<>();
    private long lastSize;
    private long dropped;

    Tail(int headBytes, int tailBytes) {
      this.headBytes = headBytes;
      this.tailBytes = tailBytes;
    }

    void add(byte[] data) {
      int intoHead = Math.min(data.length, headBytes - head.size());
      if (intoHead > 0) {
        head.write(data, 0, intoHead);
      }
      if (intoHead == data.length) {
        return;
      }
      byte[] rest = java.util.Arrays.copyOfRange(data, intoHead, data.length);
      last.addLast(rest);
      lastSize += rest.length;
      while (lastSize - last.peekFirst().length >= tailBytes) {
        byte[] gone = last.pollFirst();
        lastSize -= gone.length;
        dropped += gone.length;
      }
    }

    String text() {
      ByteArrayOutputStream end = new ByteArrayOutputStream();
      last.forEach(b -> end.write(b, 0, b.length));
      byte[] tailBytesKept = end.toByteArray();
      int cut = (int) Math.max(0, tailBytesKept.length - tailBytes);
      dropped += cut;
      String s = head.toString(StandardCharsets.UTF_8);
      if (dropped > 0) {
        s += "\n[… " + dropped + " bytes of output left out …]\n";
      }
      return s + new String(tailBytesKept, cut, tailBytesKept.length - cut, StandardCharsets.UTF_8);
    }
  }
}
