package dev.ensemble.workspace;

import dev.ensemble.http.ApiException;
import dev.ensemble.projects.Project;
import dev.ensemble.sync.SyncSettings;
import dev.ensemble.sync.files.FilePath;
import dev.ensemble.sync.files.FileTree.Entry;
import dev.ensemble.sync.files.ProjectFiles;
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
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
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

  /** What {@link #applyBack} did, and what it could not take in (with the reason). */
  public record Applied(List<String> written, List<String> deleted, Map<String, String> skipped) {}

  /**
   * Writes the project's current files into {@code dir} (created if needed) and removes files that
   * are no longer in the tree; files whose bytes already match are left alone.
   */
  public Future<Path> materialise(Project project, Path dir) {
    return files.list(project)
        .compose(entries -> inBatches(entries, e -> files.read(project, new FilePath(e.path()))
            .map(content -> Map.entry(e.path(), content.map(ProjectFiles.Content::bytes)))))
        .compose(contents -> vertx.executeBlocking(() -> {
          Files.createDirectories(dir);
          Set<String> wanted = new HashSet<>();
          for (Map.Entry<String, Optional<byte[]>> c : contents) {
            if (c.getValue().isEmpty()) {
              continue; // removed while we read: not part of this snapshot
            }
            wanted.add(c.getKey());
            Path target = resolveInside(dir, c.getKey());
            if (Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS)
                && Arrays.equals(Files.readAllBytes(target), c.getValue().get())) {
              continue;
            }
            Files.createDirectories(target.getParent());
            if (Files.isSymbolicLink(target) || Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
              deleteTree(target);
            }
            Files.write(target, c.getValue().get());
          }
          for (String stale : onDisk(dir).keySet()) {
            if (!wanted.contains(stale)) {
              Files.deleteIfExists(dir.resolve(stale));
            }
          }
          removeEmptyDirectories(dir);
          return dir;
        }, false));
  }

  /**
   * Makes the documents match {@code dir}: new and changed files are written (text as a minimal
   * diff), files missing from disk are deleted. Symbolic links, paths the project cannot hold and
   * files over the size limit are skipped and reported.
   */
  public Future<Applied> applyBack(Project project, Path dir) {
    Map<String, String> skipped = new HashMap<>();
    return vertx.executeBlocking(() -> onDisk(dir), false)
        .compose(disk -> files.list(project).map(entries -> Map.entry(disk, entries)))
        .compose(state -> {
          Map<String, Path> disk = state.getKey();
          Set<String> inTree = new HashSet<>();
          state.getValue().forEach(e -> inTree.add(e.path()));
          List<String> candidates = new ArrayList<>();
          for (Map.Entry<String, Path> f : disk.entrySet()) {
            Optional<String> problem = problem(f.getKey(), f.getValue());
            if (problem.isPresent()) {
              skipped.put(f.getKey(), problem.get());
            } else {
              candidates.add(f.getKey());
            }
          }
          List<String> gone = inTree.stream().filter(p -> !disk.containsKey(p)).sorted().toList();
          return inBatches(candidates, path -> writeIfChanged(project, path, disk.get(path)))
              .compose(written -> inBatches(gone, path -> files.delete(project, new FilePath(path)).map(path))
                  .map(deleted -> new Applied(
                      written.stream().flatMap(Optional::stream).sorted().toList(), deleted, Map.copyOf(skipped))));
        });
  }

  private Future<Optional<String>> writeIfChanged(Project project, String path, Path file) {
    FilePath fp = new FilePath(path);
    return files.read(project, fp)
        .compose(current -> vertx.executeBlocking(() -> Files.readAllBytes(file), false)
            .compose(bytes -> current.isPresent() && Arrays.equals(current.get().bytes(), bytes)
                ? Future.succeededFuture(Optional.<String>empty())
                : files.write(project, fp, bytes).map(w -> Optional.of(path))));
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
