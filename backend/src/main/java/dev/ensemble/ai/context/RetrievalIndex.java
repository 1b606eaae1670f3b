package dev.ensemble.ai.context;

import dev.ensemble.projects.Project;
import dev.ensemble.sync.Documents;
import dev.ensemble.sync.files.FilePath;
import dev.ensemble.sync.files.FileTree.Entry;
import dev.ensemble.sync.files.FileTree.Kind;
import dev.ensemble.sync.files.ProjectFiles;
import dev.ensemble.sync.protocol.DocumentId;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Semantic search over each project's text files, in memory on this node. A project's index is
 * built on its first search; afterwards an edit marks its document changed, and the changed files
 * are embedded again after a quiet period (and before any search that comes sooner). Indexes
 * unused for a while are dropped. Bounded by {@link ContextSettings}: files, bytes per file,
 * lines per chunk.
 */
public final class RetrievalIndex {
  private static final Logger log = LoggerFactory.getLogger(RetrievalIndex.class);
  /** The most characters of one chunk given to the model that embeds it (it reads ~256 tokens). */
  private static final int EMBED_CHARS = 2000;

  /** A chunk that matched, best first; lines count from 1 and include {@code toLine}. */
  public record Hit(String path, int fromLine, int toLine, String text, double score) {}

  private record Chunk(String path, int fromLine, int toLine, String text, float[] vector) {}

  private record IndexedFile(DocumentId doc, long size, String digest, List<Chunk> chunks) {}

  /** One project's index; its fields are guarded by the instance. */
  private static final class ProjectIndex {
    final UUID projectId;
    Project project;
    final Map<String, IndexedFile> files = new HashMap<>();
    final Set<DocumentId> dirty = new HashSet<>();
    Future<Void> refreshing = Future.succeededFuture();
    boolean refreshScheduled;
    long lastUsed = System.nanoTime();

    ProjectIndex(Project project) {
      this.projectId = project.id();
      this.project = project;
    }
  }

  private final Vertx vertx;
  private final ProjectFiles files;
  private final TextEmbedder embedder;
  private final ContextSettings settings;
  private final Map<UUID, ProjectIndex> projects = new ConcurrentHashMap<>();
  /** Which project's index holds a document, so an edit finds its index. */
  private final Map<DocumentId, UUID> owners = new ConcurrentHashMap<>();

  public RetrievalIndex(Vertx vertx, ProjectFiles files, Documents documents, TextEmbedder embedder, ContextSettings settings) {
    this.vertx = vertx;
    this.files = files;
    this.embedder = embedder;
    this.settings = settings;
    documents.onChange(this::changed);
    vertx.setPeriodic(60_000, t -> dropIdle());
  }

  /**
   * The {@code k} chunks most like the query. Waits for changed files to be embedded, at most
   * {@link ContextSettings#retrievalWait()}; past that it answers from the index as it stands.
   */
  public Future<List<Hit>> search(Project project, String query, int k) {
    if (k == 0 || query.isBlank()) {
      return Future.succeededFuture(List.of());
    }
    ProjectIndex index = projects.computeIfAbsent(project.id(), id -> new ProjectIndex(project));
    Future<Void> ready;
    synchronized (index) {
      index.project = project;
      index.lastUsed = System.nanoTime();
      ready = refresh(index);
    }
    return within(ready).compose(v -> {
      synchronized (index) {
        if (index.files.values().stream().allMatch(f -> f.chunks().isEmpty())) {
          return Future.succeededFuture(List.<Hit>of());
        }
      }
      return embedder.embed(List.of(query)).map(vectors -> best(index, vectors.get(0), k));
    });
  }

  private Future<Void> within(Future<Void> ready) {
    if (ready.isComplete()) {
      return ready.otherwiseEmpty();
    }
    io.vertx.core.Promise<Void> waited = io.vertx.core.Promise.promise();
    long timer = vertx.setTimer(Math.max(1, settings.retrievalWait().toMillis()), t -> waited.tryComplete());
    ready.onComplete(ar -> {
      vertx.cancelTimer(timer);
      waited.tryComplete();
    });
    return waited.future();
  }

  private static List<Hit> best(ProjectIndex index, float[] query, int k) {
    List<Chunk> all = new ArrayList<>();
    synchronized (index) {
      index.files.values().forEach(f -> all.addAll(f.chunks()));
    }
    return all.stream()
        .map(c -> new Hit(c.path(), c.fromLine(), c.toLine(), c.text(), dot(query, c.vector())))
        .sorted(Comparator.comparingDouble(Hit::score).reversed().thenComparing(Hit::path).thenComparingInt(Hit::fromLine))
        .limit(k)
        .toList();
  }

  private static double dot(float[] a, float[] b) {
    double sum = 0;
    for (int i = 0; i < Math.min(a.length, b.length); i++) {
      sum += a[i] * b[i];
    }
    return sum;
  }

  /** An edit was stored: re-embed that file once edits pause. Called on document threads. */
  private void changed(DocumentId doc) {
    UUID projectId = owners.get(doc);
    ProjectIndex index = projectId == null ? null : projects.get(projectId);
    if (index == null) {
      return;
    }
    synchronized (index) {
      index.dirty.add(doc);
      if (index.refreshScheduled) {
        return;
      }
      index.refreshScheduled = true;
    }
    vertx.setTimer(Math.max(1, settings.debounce().toMillis()), t -> {
      synchronized (index) {
        index.refreshScheduled = false;
        if (projects.get(index.projectId) == index) {
          refresh(index);
        }
      }
    });
  }

  /** Queues a refresh behind the one running; callers hold the index's lock. */
  private Future<Void> refresh(ProjectIndex index) {
    Future<Void> next = index.refreshing.transform(x -> update(index));
    index.refreshing = next;
    return next;
  }

  /** Brings the index up to date with the project's files: new, changed, moved and deleted ones. */
  private Future<Void> update(ProjectIndex index) {
    Project project;
    synchronized (index) {
      project = index.project;
    }
    return files.list(project).compose(entries -> {
      List<Entry> wanted = entries.stream()
          .filter(e -> e.kind() == Kind.TEXT && e.doc().isPresent() && e.size() <= settings.maxFileBytes())
          .sorted(Comparator.comparing(Entry::path))
          .limit(settings.maxFiles())
          .toList();
      List<Entry> stale = new ArrayList<>();
      synchronized (index) {
        Set<String> keep = new HashSet<>();
        for (Entry e : wanted) {
          keep.add(e.path());
          DocumentId doc = e.doc().get();
          owners.put(doc, index.projectId);
          boolean edited = index.dirty.remove(doc);
          IndexedFile known = index.files.get(e.path());
          if (known == null || !known.doc().equals(doc) || known.size() != e.size() || edited) {
            stale.add(e);
          }
        }
        // what is left was edited but is not indexed (too large, beyond the file limit)
        index.dirty.clear();
        index.files.keySet().removeIf(path -> !keep.contains(path));
      }
      Future<Void> chain = Future.succeededFuture();
      for (Entry e : stale) {
        chain = chain.compose(v -> reindex(index, project, e)
            .recover(err -> {
              log.warn("indexing {} of project {} failed: {}", e.path(), index.projectId, err.toString());
              return Future.succeededFuture();
            }));
      }
      return chain;
    });
  }

  private Future<Void> reindex(ProjectIndex index, Project project, Entry entry) {
    return files.read(project, new FilePath(entry.path())).compose(content -> {
      if (content.isEmpty() || content.get().kind() != Kind.TEXT) {
        synchronized (index) {
          index.files.remove(entry.path());
        }
        return Future.succeededFuture();
      }
      String text = new String(content.get().bytes(), StandardCharsets.UTF_8);
      String digest = digest(text);
      synchronized (index) {
        IndexedFile known = index.files.get(entry.path());
        if (known != null && known.digest().equals(digest) && known.doc().equals(entry.doc().get())) {
          index.files.put(entry.path(), new IndexedFile(known.doc(), entry.size(), digest, known.chunks()));
          return Future.succeededFuture();
        }
      }
      List<Chunk> pieces = chunks(entry.path(), text, settings.chunkLines());
      List<String> inputs = pieces.stream()
          .map(c -> truncate(c.path() + "\n" + c.text(), EMBED_CHARS))
          .toList();
      return embedder.embed(inputs).map(vectors -> {
        List<Chunk> embedded = new ArrayList<>(pieces.size());
        for (int i = 0; i < pieces.size(); i++) {
          Chunk c = pieces.get(i);
          embedded.add(new Chunk(c.path(), c.fromLine(), c.toLine(), c.text(), vectors.get(i)));
        }
        synchronized (index) {
          index.files.put(entry.path(), new IndexedFile(entry.doc().get(), entry.size(), digest, List.copyOf(embedded)));
        }
        return null;
      });
    });
  }

  /** Windows of {@code lines} lines that overlap by a fifth, skipping blank ones. */
  static List<Chunk> chunks(String path, String text, int lines) {
    String[] all = text.split("\n", -1);
    int step = Math.max(1, lines - lines / 5);
    List<Chunk> out = new ArrayList<>();
    for (int from = 0; from < all.length; from += step) {
      int to = Math.min(all.length, from + lines);
      String body = String.join("\n", java.util.Arrays.asList(all).subList(from, to));
      if (!body.isBlank()) {
        out.add(new Chunk(path, from + 1, to, body, new float[0]));
      }
      if (to == all.length) {
        break;
      }
    }
    return out;
  }

  private void dropIdle() {
    long cutoff = System.nanoTime() - settings.idle().toNanos();
    for (ProjectIndex index : List.copyOf(projects.values())) {
      synchronized (index) {
        if (index.lastUsed - cutoff < 0 && index.refreshing.isComplete()) {
          projects.remove(index.projectId, index);
          owners.values().removeIf(index.projectId::equals);
        }
      }
    }
  }

  private static String truncate(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max);
  }

  private static String digest(String text) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return java.util.HexFormat.of().formatHex(d);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
