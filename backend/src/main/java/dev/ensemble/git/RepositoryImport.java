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
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.treewalk.TreeWalk;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One import: clone into the project's working copy with progress, then turn every file of HEAD
 * that can be a document into one (text) or a blob (binary), in batches read on the git workers.
 * Oversize files, symbolic links, submodules and paths the files API cannot hold stay in git only.
 */
final class RepositoryImport {
  private static final Logger log = LoggerFactory.getLogger(RepositoryImport.class);
  /** Files read from disk per trip to a worker thread. */
  private static final int BATCH = 64;

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

  Future<Void> run(Project project, Path dir, GitAccess.Remote remote, Optional<String> branch,
      Optional<GitAccess.Login> login, JobProgress progress) {
    return workers.<List<Item>>executeBlocking(() -> clone(dir, remote, branch, login, progress), false)
        .compose(items -> {
          progress.phase("creating documents", items.size());
          return createDocuments(project, dir, items, 0, progress);
        });
  }

  private List<Item> clone(Path dir, GitAccess.Remote remote, Optional<String> branch,
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

  private List<Item> documents(Repository repo, GitWorkspace w) throws IOException {
    List<Item> items = new ArrayList<>();
    ObjectId head = repo.resolve(Constants.HEAD);
    if (head == null) {
      return items; // an empty repository
    }
    int skipped = 0;
    try (RevWalk walk = new RevWalk(repo); TreeWalk tw = new TreeWalk(repo); var reader = repo.newObjectReader()) {
      tw.addTree(walk.parseCommit(head).getTree());
      tw.setRecursive(true);
      while (tw.next()) {
        String path = tw.getPathString();
        boolean blob = (tw.getFileMode(0).getBits() & org.eclipse.jgit.lib.FileMode.TYPE_MASK)
            == org.eclipse.jgit.lib.FileMode.TYPE_FILE;
        long size = blob ? reader.getObjectSize(tw.getObjectId(0), Constants.OBJ_BLOB) : -1;
        if (blob && w.isDocument(tw.getFileMode(0), size) && GitWorkspace.isDocumentPath(path)) {
          items.add(new Item(path, size));
        } else {
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
    return items;
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
          Future<Void> chain = Future.succeededFuture();
          for (int k = 0; k < batch.size(); k++) {
            Item item = batch.get(k);
            byte[] bytes = contents.get(k);
            chain = chain.compose(v -> files.write(project, new FilePath(item.path()), bytes).map(w -> {
              progress.update(1);
              return (Void) null;
            }));
          }
          return chain;
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
