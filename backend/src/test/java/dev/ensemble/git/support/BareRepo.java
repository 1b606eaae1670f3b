package dev.ensemble.git.support;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.treewalk.TreeWalk;

/**
 * A bare repository on disk, as a git host keeps it, that tests commit to directly (the remote
 * advancing) and read back (what a push left there).
 */
public final class BareRepo {
  public static final PersonIdent SOMEONE_ELSE = new PersonIdent("Remote Rita", "rita@example.org");

  private final Path dir;

  private BareRepo(Path dir) {
    this.dir = dir;
  }

  /** A new bare repository {@code <root>/<name>.git} with branch main holding the files. */
  public static BareRepo create(Path root, String name, Map<String, byte[]> files) throws Exception {
    Path dir = root.resolve(name + ".git");
    Git.init().setBare(true).setDirectory(dir.toFile()).setInitialBranch("main").call().close();
    BareRepo repo = new BareRepo(dir);
    repo.commit("initial import", files, Map.of());
    return repo;
  }

  /** The existing bare repository {@code <root>/<name>.git}. */
  public static BareRepo open(Path root, String name) {
    return new BareRepo(root.resolve(name + ".git"));
  }

  public static Map<String, byte[]> text(Map<String, String> files) {
    Map<String, byte[]> out = new java.util.LinkedHashMap<>();
    files.forEach((k, v) -> out.put(k, v.getBytes(StandardCharsets.UTF_8)));
    return out;
  }

  /** Commits on main as someone else: writes the files, deletes those named in {@code deleted}. */
  public RevCommit commit(String message, Map<String, byte[]> files, Map<String, Boolean> deleted) throws Exception {
    Path work = Files.createTempDirectory("ensemble-git-remote-work");
    try (Git git = Git.cloneRepository().setURI(dir.toUri().toString()).setDirectory(work.toFile()).call()) {
      // no background gc in this throw-away clone: it would race with deleting it
      git.getRepository().getConfig().setInt("gc", null, "auto", 0);
      git.getRepository().getConfig().save();
      for (Map.Entry<String, byte[]> f : files.entrySet()) {
        Path p = work.resolve(f.getKey());
        Files.createDirectories(p.getParent());
        Files.write(p, f.getValue());
        git.add().addFilepattern(f.getKey()).call();
      }
      for (String gone : deleted.keySet()) {
        git.rm().addFilepattern(gone).call();
      }
      RevCommit c = git.commit().setMessage(message).setAuthor(SOMEONE_ELSE).setCommitter(SOMEONE_ELSE).call();
      Iterable<org.eclipse.jgit.transport.PushResult> pushed =
          git.push().setRemote("origin").setRefSpecs(new org.eclipse.jgit.transport.RefSpec("HEAD:refs/heads/main")).call();
      for (var r : pushed) {
        for (var u : r.getRemoteUpdates()) {
          if (u.getStatus() != org.eclipse.jgit.transport.RemoteRefUpdate.Status.OK) {
            throw new IllegalStateException("push to the bare repository: " + u.getStatus());
          }
        }
      }
      return c;
    } finally {
      deleteTree(work);
    }
  }

  public Repository open() throws IOException {
    return new FileRepositoryBuilder().setGitDir(dir.toFile()).setBare().build();
  }

  public RevCommit head() throws IOException {
    try (Repository r = open(); RevWalk walk = new RevWalk(r)) {
      return walk.parseCommit(r.resolve("refs/heads/main"));
    }
  }

  /** The file at main's tip; empty when it has none. */
  public Optional<byte[]> file(String path) throws IOException {
    try (Repository r = open(); RevWalk walk = new RevWalk(r)) {
      ObjectId tip = r.resolve(Constants.R_HEADS + "main");
      try (TreeWalk tw = TreeWalk.forPath(r, path, walk.parseCommit(tip).getTree())) {
        return tw == null ? Optional.empty() : Optional.of(r.open(tw.getObjectId(0)).getBytes());
      }
    }
  }

  public Optional<String> text(String path) throws IOException {
    return file(path).map(b -> new String(b, StandardCharsets.UTF_8));
  }

  /**
   * Deletes a temporary tree. JGit may still be writing a lock file in it (automatic gc after a
   * commit runs in the background), so files that vanish are fine and the walk is retried.
   */
  static void deleteTree(Path dir) throws IOException {
    for (int attempt = 1; ; attempt++) {
      try (var paths = Files.walk(dir)) {
        for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
        return;
      } catch (java.nio.file.NoSuchFileException | java.nio.file.DirectoryNotEmptyException
          | java.io.UncheckedIOException e) {
        if (attempt == 5 || !Files.exists(dir)) {
          if (!Files.exists(dir)) {
            return;
          }
          throw e;
        }
        try {
          Thread.sleep(50);
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          throw e;
        }
      }
    }
  }
}
