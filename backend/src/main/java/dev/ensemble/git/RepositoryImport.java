package dev.ensemble.git;

import dev.ensemble.projects.Project;
import dev.ensemble.sync.files.FilePath;
import dev.ensemble.sync.files.ProjectFiles;
import io.vertx.core.Future;
import io.vertx.core.WorkerExecutor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.treewalk.TreeWalk;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One import: clone into the project's working copy with progress, then turn every file of HEAD
 * that can be a document into one (text) or a blob (binary), in batches read on the git workers.
 * Oversize files, symbolic links, submodules and paths the files API cannot hold stay in git only;
 * the result names them with the reason.
 */
final class RepositoryImport {
  private static final Logger log = LoggerFactory.getLogger(RepositoryImport.class);
  /** Files read from disk per trip to a worker thread. */
  private static final int BATCH = 64;
  /** Skipped files named in the result; beyond this they are only counted. */
  static final int MAX_SKIPS_NAMED = 1000;

  private final WorkerExecutor workers;
  private final GitSettings settings;
  private final ProjectFiles files;

  RepositoryImport(WorkerExecutor workers, GitSettings settings, ProjectFiles files) {
    this.workers = workers;
    this.settings = settings;
    this.files = files;
  }

  /** A file to become a document. */
  private record Item(String path, long size) {}

  /**
   * A file of HEAD that stays in git only, and why: {@code too_large}, {@code symbolic_link},
   * {@code submodule} or {@code unsupported_path}.
   */
  record Skip(String path, String reason, String message) {}

  /** What HEAD holds: the files to import, the first skipped files and how many were skipped. */
  private record Tree(List<Item> items, List<Skip> skips, int skipped) {}

  /** A finished import: how many files became documents or blobs, and what stayed in git only. */
  record Outcome(int imported, List<Skip> skips, int skipped) {}

  Future<Outcome> run(Project project, Path dir, GitAccess.Remote remote, Optional<String> branch,
      Optional<GitAccess.Login> login, JobProgress progress) {
    return workers.<Tree>executeBlocking(() -> clone(dir, remote, branch, login, progress), false)
        .compose(tree -> {
          progress.phase("creating documents", tree.items().size());
          // The root document first: the writes of a batch run at once and would all create it.
          return files.ensureRoot(project)
              .compose(v -> createDocuments(project, dir, tree.items(), 0, progress))
              .map(v -> new Outcome(tree.items().size(), tree.skips(), tree.skipped()));
        });
  }

  private Tree clone(Path dir, GitAccess.Remote remote, Optional<String> branch,
      Optional<GitAccess.Login> login, JobProgress progress) throws Exception {
    deleteTree(dir);
    Files.createDirectories(dir.getParent());
    var clone = Git.cloneRepository()
        .setURI(remote.url())
        .setDirectory(dir.toFile())
        .setProgressMonitor(progress)
        .setTimeout((int) settings.timeout().toSeconds());
    branch.ifPresent(b -> clone.setBranch(Constants.R_HEADS + b));
    login.ifPresent(l -> clone.setCredentialsProvider(
        new org.eclipse.jgit.transport.UsernamePasswordCredentialsProvider(l.username(), l.token())));
    try (Git git = clone.call(); GitWorkspace w = GitWorkspace.wrap(git, settings)) {
      if (progress.isCancelled()) {
        throw GitErrors.cancelled();
      }
      Repository repo = git.getRepository();
      if (branch.isPresent() && repo.resolve(Constants.R_HEADS + branch.get()) == null) {
        throw dev.ensemble.http.ApiException.invalidField("branch", "the remote has no branch " + branch.get());
      }
      return documents(repo, w);
    }
  }

  private Tree documents(Repository repo, GitWorkspace w) throws IOException {
    List<Item> items = new ArrayList<>();
    List<Skip> skips = new ArrayList<>();
    ObjectId head = repo.resolve(Constants.HEAD);
    if (head == null) {
      return new Tree(items, skips, 0); // an empty repository
    }
    int skipped = 0;
    try (RevWalk walk = new RevWalk(repo); TreeWalk tw = new TreeWalk(repo); var reader = repo.newObjectReader()) {
      tw.addTree(walk.parseCommit(head).getTree());
      tw.setRecursive(true);
      while (tw.next()) {
        String path = tw.getPathString();
        FileMode mode = tw.getFileMode(0);
        boolean blob = (mode.getBits() & FileMode.TYPE_MASK) == FileMode.TYPE_FILE;
        long size = blob ? reader.getObjectSize(tw.getObjectId(0), Constants.OBJ_BLOB) : -1;
        Optional<Skip> skip = skip(path, mode, size, w);
        if (skip.isEmpty()) {
          items.add(new Item(path, size));
        } else {
          if (skips.size() < MAX_SKIPS_NAMED) {
            skips.add(skip.get());
          }
          skipped++;
        }
      }
    }
    if (items.size() > settings.maxFiles()) {
      throw dev.ensemble.http.ApiException.of(422, "repository_too_large",
          "the repository has " + items.size() + " files; at most " + settings.maxFiles() + " can be imported");
    }
    if (skipped > 0) {
      log.info("import of {} leaves {} files in git only (too large, links, submodules or unusable paths)",
          repo.getWorkTree(), skipped);
    }
    return new Tree(items, skips, skipped);
  }

  /** Why a file of HEAD cannot be imported; empty when it can. */
  private Optional<Skip> skip(String path, FileMode mode, long size, GitWorkspace w) {
    if (mode == FileMode.SYMLINK) {
      return Optional.of(new Skip(path, "symbolic_link", "symbolic links stay in git only"));
    }
    if (mode == FileMode.GITLINK) {
      return Optional.of(new Skip(path, "submodule", "submodules stay in git only"));
    }
    if (!w.isDocument(mode, size)) {
      return Optional.of(new Skip(path, "too_large",
          "the file has " + size + " bytes; at most " + settings.maxFileBytes() + " are imported"));
    }
    return GitWorkspace.pathProblem(path).map(problem -> new Skip(path, "unsupported_path", problem));
  }

  private Future<Void> createDocuments(Project project, Path dir, List<Item> items, int from, JobProgress progress) {
    if (from >= items.size()) {
      return Future.succeededFuture();
    }
    if (progress.isCancelled()) {
      return Future.failedFuture(GitErrors.cancelled());
    }
    List<Item> batch = items.subList(from, Math.min(items.size(), from + BATCH));
    return workers.<List<byte[]>>executeBlocking(() -> {
          List<byte[]> out = new ArrayList<>(batch.size());
          for (Item i : batch) {
            out.add(Files.readAllBytes(dir.resolve(i.path())));
          }
          return out;
        }, false)
        .compose(contents -> {
          // All of a batch at once: the files are distinct, so the writes are independent; the
          // root document folds their entries into a few stored changes instead of one per file,
          // and the texts are built on every document thread while the database answers.
          List<Future<Void>> writes = new ArrayList<>(batch.size());
          for (int k = 0; k < batch.size(); k++) {
            writes.add(files.write(project, new FilePath(batch.get(k).path()), contents.get(k)).map(w -> {
              progress.update(1);
              return (Void) null;
            }));
          }
          return Future.all(writes).<Void>mapEmpty();
        })
        .compose(v -> createDocuments(project, dir, items, from + batch.size(), progress));
  }

  static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (var paths = Files.walk(dir)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
