package dev.ensemble.workspace;

import dev.ensemble.http.ApiException;
import dev.ensemble.projects.Project;
import dev.ensemble.sync.SyncSettings;
import dev.ensemble.sync.files.FilePath;
import dev.ensemble.sync.files.ProjectFiles;
import dev.ensemble.sync.protocol.DocumentId;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A project's files on disk, for the tools that need a real directory (git, runs). The documents
 * are the truth: {@link #materialise} writes exactly what collaborators see, and
 * {@link #applyBack} turns what a tool changed on disk into document edits (minimal diffs, so open
 * editors update in place). A {@code .git} directory is never touched or read as project content.
 * Disk work runs on worker threads.
 */
public final class WorkingCopy {
  private static final Logger log = LoggerFactory.getLogger(WorkingCopy.class);
  private static final String GIT_DIR = ".git";
  private static final int BATCH = 32;

  private final Vertx vertx;
  private final ProjectFiles files;
  private final SyncSettings limits;

  public WorkingCopy(Vertx vertx, ProjectFiles files, SyncSettings limits) {
    this.vertx = vertx;
    this.files = files;
    this.limits = limits;
  }

  /**
   * What {@link #applyBack} did: files written (new, or changed by the tool with nobody editing
   * them meanwhile), files merged (changed by the tool and by collaborators: both kept), files
   * deleted, and what it could not take in, with the reason.
   */
  public record Applied(List<String> written, List<String> merged, List<String> deleted, Map<String, String> skipped) {}

  /**
   * The files {@link #materialise} wrote, as the versions they were read at; and, when every
   * document it read held exactly what the store had, each one's stored seq at that moment (the
   * tree's root document included): while the store still has those seqs, the files are the same.
   */
  public record Snapshot(Path dir, Map<String, ProjectFiles.Version> files, Optional<Map<DocumentId, Long>> storedSeqs) {}

  /** The files as read for {@link #materialise}, before they are written. */
  private record Read(List<Map.Entry<String, Optional<ProjectFiles.Version>>> contents,
      Optional<Map<DocumentId, Long>> storedSeqs) {}

  /**
   * Writes the project's current files into {@code dir} (created if needed) and removes files that
   * are no longer in the tree; files whose bytes already match are left alone. The snapshot it
   * returns is the base {@link #applyBack} compares the tool's result with.
   */
  public Future<Snapshot> materialise(Project project, Path dir) {
    return files.listStamped(project)
        .compose(tree -> inBatches(tree.value(), e -> files.readVersion(project, e)
            .map(version -> Map.entry(e.path(), version)))
            .map(contents -> {
              Map<DocumentId, Long> seqs = new HashMap<>();
              boolean exact = tree.storedOnly();
              seqs.put(new DocumentId(project.rootDocId()), tree.seq());
              for (Map.Entry<String, Optional<ProjectFiles.Version>> c : contents) {
                Optional<ProjectFiles.Version> v = c.getValue();
                if (v.isEmpty()) {
                  exact = false; // named by the tree but gone when read: the tree has moved on
                } else if (v.get().doc().isPresent()) {
                  java.util.OptionalLong seq = v.get().storedSeq();
                  Long earlier = seq.isPresent() ? seqs.putIfAbsent(v.get().doc().get(), seq.getAsLong()) : null;
                  exact &= seq.isPresent() && (earlier == null || earlier == seq.getAsLong());
                }
              }
              return new Read(contents, exact ? Optional.of(Map.copyOf(seqs)) : Optional.empty());
            }))
        .compose(read -> vertx.executeBlocking(() -> {
          List<Map.Entry<String, Optional<ProjectFiles.Version>>> contents = read.contents();
          Files.createDirectories(dir);
          Map<String, ProjectFiles.Version> wanted = new HashMap<>();
          for (Map.Entry<String, Optional<ProjectFiles.Version>> c : contents) {
            if (c.getValue().isEmpty()) {
              continue; // removed while we read: not part of this snapshot
            }
            byte[] bytes = c.getValue().get().content().bytes();
            wanted.put(c.getKey(), c.getValue().get());
            Path target = resolveInside(dir, c.getKey());
            if (Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS) && Arrays.equals(Files.readAllBytes(target), bytes)) {
              continue;
            }
            Files.createDirectories(target.getParent());
            if (Files.isSymbolicLink(target) || Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
              deleteTree(target);
            }
            Files.write(target, bytes);
          }
          for (String stale : onDisk(dir).keySet()) {
            if (!wanted.containsKey(stale)) {
              Files.deleteIfExists(dir.resolve(stale));
            }
          }
          removeEmptyDirectories(dir);
          return new Snapshot(dir, Map.copyOf(wanted), read.storedSeqs());
        }, false));
  }

  /**
   * Gives the documents what the tool changed in {@code dir} since {@code base} was materialised,
   * and nothing else: files the tool did not touch keep whatever collaborators typed meanwhile; a
   * text file the tool changed becomes an edit made against the base version, so concurrent typing
   * merges with it (as two peers' edits do); new files are created and files the tool removed are
   * deleted unless someone changed them meanwhile. Symbolic links, paths the project cannot hold
   * and files over the size limit are skipped and reported, as are the rare cases that cannot
   * merge (a binary file changed on both sides keeps the live version; git still has its own).
   */
  public Future<Applied> applyBack(Project project, Snapshot base) {
    Path dir = base.dir();
    Map<String, String> skipped = new java.util.concurrent.ConcurrentHashMap<>();
    return vertx.executeBlocking(() -> changedOnDisk(dir, base), false)
        .compose(changed -> {
          List<String> candidates = new ArrayList<>();
          for (Map.Entry<String, Path> f : changed.entrySet()) {
            Optional<String> problem = problem(f.getKey(), f.getValue());
            if (problem.isPresent()) {
              skipped.put(f.getKey(), problem.get());
            } else {
              candidates.add(f.getKey());
            }
          }
          Collections.sort(candidates);
          List<String> gone = base.files().keySet().stream()
              .filter(p -> !Files.exists(dir.resolve(p), LinkOption.NOFOLLOW_LINKS) || !Files.isRegularFile(dir.resolve(p), LinkOption.NOFOLLOW_LINKS))
              .sorted().toList();
          return inBatches(candidates, path -> bringIn(project, path, changed.get(path), base.files().get(path), skipped))
              .compose(outcomes -> inBatches(gone, path -> removeUnlessChanged(project, path, base.files().get(path), skipped))
                  .map(removed -> new Applied(
                      pathsWith(candidates, outcomes, Outcome.WRITTEN),
                      pathsWith(candidates, outcomes, Outcome.MERGED),
                      pathsWith(gone, removed, Outcome.DELETED),
                      Map.copyOf(skipped))));
        });
  }

  private enum Outcome { WRITTEN, MERGED, DELETED, KEPT }

  private static List<String> pathsWith(List<String> paths, List<Outcome> outcomes, Outcome wanted) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < paths.size(); i++) {
      if (outcomes.get(i) == wanted) {
        out.add(paths.get(i));
      }
    }
    return out;
  }

  /** One file the tool created or changed. */
  private Future<Outcome> bringIn(Project project, String path, Path file, ProjectFiles.Version was,
      Map<String, String> skipped) {
    FilePath fp = new FilePath(path);
    return vertx.executeBlocking(() -> Files.readAllBytes(file), false)
        .compose(bytes -> {
          if (was == null) { // new to the tool's side
            return files.read(project, fp).compose(now -> {
              if (now.isPresent() && !Arrays.equals(now.get().bytes(), bytes)) {
                skipped.put(path, "created here while the operation ran; kept the version typed here");
                return Future.succeededFuture(Outcome.KEPT);
              }
              return now.isPresent()
                  ? Future.succeededFuture(Outcome.KEPT)
                  : files.write(project, fp, bytes).map(Outcome.WRITTEN);
            });
          }
          return files.writeOnto(project, fp, was, bytes).compose(merged -> {
            if (merged.isPresent()) {
              return Future.succeededFuture(Outcome.MERGED);
            }
            // not a text edit on the same document: only replace what nobody changed meanwhile
            return files.read(project, fp).compose(now -> {
              if (now.isEmpty() || Arrays.equals(now.get().bytes(), was.content().bytes())) {
                return files.write(project, fp, bytes).map(Outcome.WRITTEN);
              }
              if (Arrays.equals(now.get().bytes(), bytes)) {
                return Future.succeededFuture(Outcome.KEPT);
              }
              skipped.put(path, "changed here while the operation ran and cannot be merged; kept the version typed here");
              return Future.succeededFuture(Outcome.KEPT);
            });
          });
        });
  }

  /** A file the tool removed: deleted unless a collaborator changed it meanwhile. */
  private Future<Outcome> removeUnlessChanged(Project project, String path, ProjectFiles.Version was,
      Map<String, String> skipped) {
    FilePath fp = new FilePath(path);
    return files.read(project, fp).compose(now -> {
      if (now.isEmpty()) {
        return Future.succeededFuture(Outcome.KEPT);
      }
      if (!Arrays.equals(now.get().bytes(), was.content().bytes())) {
        skipped.put(path, "removed by the operation but changed here meanwhile; kept");
        return Future.succeededFuture(Outcome.KEPT);
      }
      return files.delete(project, fp).map(deleted -> deleted ? Outcome.DELETED : Outcome.KEPT);
    });
  }

  /** Regular files in {@code dir} that are new or differ from the base. */
  private static Map<String, Path> changedOnDisk(Path dir, Snapshot base) throws IOException {
    Map<String, Path> changed = new HashMap<>();
    for (Map.Entry<String, Path> f : onDisk(dir).entrySet()) {
      ProjectFiles.Version was = base.files().get(f.getKey());
      if (was == null || Files.size(f.getValue()) != was.content().bytes().length
          || !Arrays.equals(Files.readAllBytes(f.getValue()), was.content().bytes())) {
        changed.put(f.getKey(), f.getValue());
      }
    }
    return changed;
  }

  private Optional<String> problem(String path, Path file) {
    try {
      FilePath parsed = FilePath.parse(path, "path", limits.maxPathLength(), limits.maxPathDepth());
      if (!parsed.value().equals(path)) {
        return Optional.of("not a normalised project path");
      }
      if (Files.size(file) > limits.maxFileBytes()) {
        return Optional.of("larger than " + limits.maxFileBytes() + " bytes");
      }
      return Optional.empty();
    } catch (ApiException e) {
      return Optional.of(e.getMessage());
    } catch (IOException e) {
      return Optional.of("unreadable: " + e.getMessage());
    }
  }

  /** Regular files below {@code dir} by project path, outside {@code .git}, links not followed. */
  private static Map<String, Path> onDisk(Path dir) throws IOException {
    Map<String, Path> found = new HashMap<>();
    if (!Files.isDirectory(dir)) {
      return found;
    }
    Files.walkFileTree(dir, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) {
        return d.getFileName() != null && d.getFileName().toString().equals(GIT_DIR) && d.getParent().equals(dir)
            ? FileVisitResult.SKIP_SUBTREE
            : FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) {
        if (attrs.isRegularFile()) {
          found.put(dir.relativize(f).toString().replace('\\', '/'), f);
        } else if (attrs.isSymbolicLink()) {
          log.debug("ignoring symbolic link {}", f);
        }
        return FileVisitResult.CONTINUE;
      }
    });
    return found;
  }

  private static Path resolveInside(Path dir, String path) {
    Path target = dir.resolve(path).normalize();
    if (!target.startsWith(dir) || target.equals(dir)) {
      throw new IllegalArgumentException("path escapes the working copy: " + path);
    }
    return target;
  }

  private static void removeEmptyDirectories(Path dir) throws IOException {
    Files.walkFileTree(dir, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) {
        return d.getFileName() != null && d.getFileName().toString().equals(GIT_DIR) && d.getParent().equals(dir)
            ? FileVisitResult.SKIP_SUBTREE
            : FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
        if (!d.equals(dir)) {
          try (var children = Files.list(d)) {
            if (children.findAny().isEmpty()) {
              Files.delete(d);
            }
          }
        }
        return FileVisitResult.CONTINUE;
      }
    });
  }

  private static void deleteTree(Path p) throws IOException {
    if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
      try (var children = Files.list(p)) {
        for (Path c : children.toList()) {
          deleteTree(c);
        }
      }
    }
    Files.deleteIfExists(p);
  }

  /** Runs {@code step} over the items, {@value #BATCH} at a time, keeping their order. */
  private static <T, R> Future<List<R>> inBatches(List<T> items, Function<T, Future<R>> step) {
    List<R> results = new ArrayList<>(items.size());
    Future<Void> chain = Future.succeededFuture();
    for (int start = 0; start < items.size(); start += BATCH) {
      List<T> batch = items.subList(start, Math.min(items.size(), start + BATCH));
      chain = chain.compose(v -> {
        List<Future<R>> running = batch.stream().map(step).toList();
        return Future.all(running).map(all -> {
          running.forEach(f -> results.add(f.result()));
          return null;
        });
      });
    }
    return chain.map(v -> results);
  }

}
