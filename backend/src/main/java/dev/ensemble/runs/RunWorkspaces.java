package dev.ensemble.runs;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where runs get their copy of a project: {@code <data dir>/runs/<projectId>/<runId>}, one fresh
 * directory per run, removed when the run ends. Kept apart from git's working copy
 * ({@code <data dir>/workspaces}) so a run's leftovers never look like project files.
 * All methods block: call them from a worker.
 */
final class RunWorkspaces {
  private static final Logger log = LoggerFactory.getLogger(RunWorkspaces.class);

  private final Path dataDir;
  private final Path root;

  RunWorkspaces(Path dataDir) {
    this.dataDir = dataDir.toAbsolutePath().normalize();
    this.root = this.dataDir.resolve("runs");
  }

  /**
   * Creates the root. When runs execute as another uid (the server is root), that uid must be
   * able to traverse to each run's directory: the data directory and what Ensemble creates below it
   * get search permission for others (never read), and a parent above the data directory without
   * it is an error naming it.
   */
  void prepare(boolean otherUid) throws IOException {
    Files.createDirectories(root);
    if (!otherUid) {
      return;
    }
    traversable(root);
    for (Path p = root.getParent(); p != null; p = p.getParent()) {
      Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p);
      if (perms.contains(PosixFilePermission.OTHERS_EXECUTE)) {
        continue;
      }
      if (p.startsWith(dataDir)) {
        traversable(p);
        log.info("gave {} search permission for others (o+x, no read) so sandboxed runs can reach their working copy", p);
      } else {
        throw new IOException(p + " is not searchable by others, so the sandbox uid cannot reach "
            + root + "; make it o+x or choose another ENSEMBLE_DATA_DIR");
      }
    }
  }

  /** A new, empty directory for one run (its parents traversable). */
  Path create(UUID projectId, UUID runId) throws IOException {
    Path project = root.resolve(projectId.toString());
    Files.createDirectories(project);
    traversable(project);
    Path dir = project.resolve(runId.toString());
    Files.createDirectories(dir);
    return dir;
  }

  /** Removes a run's directory, whatever the run did to its permissions; failures are logged. */
  void remove(Path dir) {
    if (!dir.startsWith(root) || !Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try {
      Files.walkFileTree(dir, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) throws IOException {
          // a run may leave directories it cannot itself read; the server can always fix that
          Files.setPosixFilePermissions(d, Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE,
              PosixFilePermission.OWNER_EXECUTE));
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) throws IOException {
          Files.delete(f);
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
          Files.delete(d);
          return FileVisitResult.CONTINUE;
        }
      });
    } catch (IOException | RuntimeException e) {
      log.warn("could not remove the run directory {}: {}", dir, e.toString());
    }
  }

  private static void traversable(Path dir) throws IOException {
    Set<PosixFilePermission> perms = Files.getPosixFilePermissions(dir);
    if (perms.add(PosixFilePermission.OTHERS_EXECUTE)) {
      Files.setPosixFilePermissions(dir, perms);
    }
  }
}
