package dev.ensemble.git;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.eclipse.jgit.api.CreateBranchCommand;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.ListBranchCommand;
import org.eclipse.jgit.api.MergeResult;
import org.eclipse.jgit.api.PullResult;
import org.eclipse.jgit.api.Status;
import org.eclipse.jgit.api.TransportCommand;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.diff.DiffFormatter;
import org.eclipse.jgit.dircache.DirCache;
import org.eclipse.jgit.dircache.DirCacheEntry;
import org.eclipse.jgit.dircache.DirCacheIterator;
import org.eclipse.jgit.lib.BranchTrackingStatus;
import org.eclipse.jgit.lib.ConfigConstants;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.lib.StoredConfig;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.transport.PushResult;
import org.eclipse.jgit.transport.RefSpec;
import org.eclipse.jgit.transport.RemoteRefUpdate;
import org.eclipse.jgit.transport.URIish;
import org.eclipse.jgit.transport.UsernamePasswordCredentialsProvider;
import org.eclipse.jgit.treewalk.AbstractTreeIterator;
import org.eclipse.jgit.treewalk.CanonicalTreeParser;
import org.eclipse.jgit.treewalk.EmptyTreeIterator;
import org.eclipse.jgit.treewalk.FileTreeIterator;
import org.eclipse.jgit.treewalk.filter.AndTreeFilter;
import org.eclipse.jgit.treewalk.filter.NotIgnoredFilter;
import org.eclipse.jgit.treewalk.filter.PathFilter;
import org.eclipse.jgit.treewalk.filter.TreeFilter;

/**
 * The JGit work on one project's working copy. Blocking: called on the git worker pool only, with
 * the project's lock held. Failures are JGit's exceptions or {@link dev.ensemble.http.ApiException}s.
 */
final class GitWorkspace implements AutoCloseable {
  static final String REMOTE = "origin";

  private final Git git;
  private final Repository repo;
  private final GitSettings settings;

  private GitWorkspace(Git git, GitSettings settings) {
    this.git = git;
    this.repo = git.getRepository();
    this.settings = settings;
  }

  /** The repository of the working copy; 409 when the project has none. */
  static GitWorkspace open(Path dir, GitSettings settings) throws IOException {
    if (!Files.isDirectory(dir.resolve(Constants.DOT_GIT))) {
      throw GitErrors.noRepository();
    }
    return new GitWorkspace(Git.open(dir.toFile()), settings);
  }

  /** The repository of the working copy, created (branch main) when there is none. */
  static GitWorkspace openOrInit(Path dir, GitSettings settings) throws IOException, GitAPIException {
    if (Files.isDirectory(dir.resolve(Constants.DOT_GIT))) {
      return open(dir, settings);
    }
    Files.createDirectories(dir);
    GitWorkspace w = new GitWorkspace(Git.init().setDirectory(dir.toFile()).setInitialBranch("main").call(), settings);
    w.configure();
    return w;
  }

  static GitWorkspace wrap(Git git, GitSettings settings) throws IOException {
    GitWorkspace w = new GitWorkspace(git, settings);
    w.configure();
    return w;
  }

  /**
   * Documents carry no file modes and their bytes are what collaborators typed: git compares
   * content only, and never converts line endings.
   */
  private void configure() throws IOException {
    StoredConfig c = repo.getConfig();
    c.setBoolean(ConfigConstants.CONFIG_CORE_SECTION, null, ConfigConstants.CONFIG_KEY_FILEMODE, false);
    c.setString(ConfigConstants.CONFIG_CORE_SECTION, null, ConfigConstants.CONFIG_KEY_AUTOCRLF, "false");
    c.save();
  }

  Repository repository() {
    return repo;
  }

  // ---- files the documents do not hold -------------------------------------------------------

  /**
   * Tracked files that are not documents: larger than the import limit, symbolic links and
   * submodules. Materialising removes them; they are put back from the index before git looks
   * at the working tree, so that git never sees them as deleted.
   */
  List<String> notDocuments() throws IOException {
    List<String> out = new ArrayList<>();
    DirCache index = repo.readDirCache();
    try (var reader = repo.newObjectReader()) {
      for (int i = 0; i < index.getEntryCount(); i++) {
        DirCacheEntry e = index.getEntry(i);
        FileMode mode = e.getFileMode();
        // Not the index's length: JGit records 0 for an entry written in the same second as the
        // index ("racily clean"), which is every file of a fresh clone.
        long size = mode == FileMode.REGULAR_FILE || mode == FileMode.EXECUTABLE_FILE
            ? reader.getObjectSize(e.getObjectId(), Constants.OBJ_BLOB)
            : -1;
        if (!isDocument(mode, size) || !isDocumentPath(e.getPathString())) {
          out.add(e.getPathString());
        }
      }
    }
    return out;
  }

  boolean isDocument(FileMode mode, long size) {
    return (mode == FileMode.REGULAR_FILE || mode == FileMode.EXECUTABLE_FILE) && size <= settings.maxFileBytes();
  }

  /** Whether the files API can hold a file at this path exactly as git names it. */
  static boolean isDocumentPath(String path) {
    return pathProblem(path).isEmpty();
  }

  /** Why the files API cannot hold a file at this path exactly as git names it; empty when it can. */
  static Optional<String> pathProblem(String path) {
    try {
      return dev.ensemble.sync.files.FilePath.parse(path, "path", 4096, 256).value().equals(path)
          ? Optional.empty()
          : Optional.of("the path is not written in Unicode NFC or has empty or '.' segments");
    } catch (dev.ensemble.http.ApiException e) {
      return Optional.of(e.getMessage());
    }
  }

  void restore(List<String> paths) throws GitAPIException {
    if (!paths.isEmpty()) {
      git.checkout().addPaths(paths).call();
    }
  }

  /** Removes what {@link #restore} put back (before the working tree goes back to the documents). */
  void removeFromTree(List<String> paths) throws IOException {
    Path root = repo.getWorkTree().toPath();
    for (String p : paths) {
      Path f = root.resolve(p);
      if (Files.isSymbolicLink(f) || Files.isRegularFile(f)) {
        Files.delete(f);
      }
    }
  }

  // ---- reading -------------------------------------------------------------------------------

  JsonObject status() throws GitAPIException, IOException {
    Status s = git.status().call();
    TreeSet<String> staged = new TreeSet<>();
    staged.addAll(s.getAdded());
    staged.addAll(s.getChanged());
    staged.addAll(s.getRemoved());
    JsonObject o = new JsonObject()
        .put("branch", branch().orElse(null))
        .put("detached", branch().isEmpty() && repo.resolve(Constants.HEAD) != null)
        .put("head", Optional.ofNullable(repo.resolve(Constants.HEAD)).map(ObjectId::name).orElse(null))
        .put("state", repo.getRepositoryState().name().toLowerCase(java.util.Locale.ROOT))
        .put("staged", changes(s.getAdded(), s.getChanged(), s.getRemoved()))
        .put("unstaged", changes(Set.of(), s.getModified(), s.getMissing()))
        .put("untracked", new JsonArray(new ArrayList<>(new TreeSet<>(s.getUntracked()))))
        .put("conflicts", new JsonArray(new ArrayList<>(new TreeSet<>(s.getConflicting()))))
        .put("remote", Optional.ofNullable(repo.getConfig().getString("remote", REMOTE, "url")).orElse(null));
    Optional<String> branch = branch();
    BranchTrackingStatus tracking = branch.isPresent() ? BranchTrackingStatus.of(repo, branch.get()) : null;
    o.put("upstream", tracking == null ? null : Repository.shortenRefName(tracking.getRemoteTrackingBranch()));
    o.put("ahead", tracking == null ? 0 : tracking.getAheadCount());
    o.put("behind", tracking == null ? 0 : tracking.getBehindCount());
    return o;
  }

  private static JsonArray changes(Set<String> added, Set<String> modified, Set<String> deleted) {
    List<JsonObject> out = new ArrayList<>();
    added.forEach(p -> out.add(new JsonObject().put("path", p).put("change", "added")));
    modified.forEach(p -> out.add(new JsonObject().put("path", p).put("change", "modified")));
    deleted.forEach(p -> out.add(new JsonObject().put("path", p).put("change", "deleted")));
    out.sort(java.util.Comparator.comparing(j -> j.getString("path")));
    return new JsonArray(new ArrayList<>(out));
  }

  /**
   * A unified diff against the last commit: of the working tree (what collaborators see), or of
   * the index when {@code staged}; optionally of one path, with both texts for a diff editor.
   */
  JsonObject diff(Optional<String> path, boolean staged) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (DiffFormatter f = new DiffFormatter(out)) {
      f.setRepository(repo);
      TreeFilter visible = staged ? TreeFilter.ALL : new NotIgnoredFilter(1);
      f.setPathFilter(path.<TreeFilter>map(p -> AndTreeFilter.create(PathFilter.create(p), visible)).orElse(visible));
      AbstractTreeIterator newer = staged ? new DirCacheIterator(repo.readDirCache()) : new FileTreeIterator(repo);
      f.format(headTree(), newer);
    }
    JsonObject o = new JsonObject().put("diff", out.toString(StandardCharsets.UTF_8));
    if (path.isPresent()) {
      o.put("path", path.get());
      o.put("original", textAtHead(path.get()).orElse(null));
      Path file = repo.getWorkTree().toPath().resolve(path.get());
      o.put("modified", Files.isRegularFile(file) ? new String(Files.readAllBytes(file), StandardCharsets.UTF_8) : null);
    }
    return o;
  }

  private AbstractTreeIterator headTree() throws IOException {
    ObjectId tree = repo.resolve(Constants.HEAD + "^{tree}");
    if (tree == null) {
      return new EmptyTreeIterator();
    }
    CanonicalTreeParser p = new CanonicalTreeParser();
    try (var reader = repo.newObjectReader()) {
      p.reset(reader, tree);
    }
    return p;
  }

  private Optional<String> textAtHead(String path) throws IOException {
    ObjectId head = repo.resolve(Constants.HEAD);
    if (head == null) {
      return Optional.empty();
    }
    try (RevWalk walk = new RevWalk(repo);
        var tw = org.eclipse.jgit.treewalk.TreeWalk.forPath(repo, path, walk.parseCommit(head).getTree())) {
      if (tw == null) {
        return Optional.empty();
      }
      return Optional.of(new String(repo.open(tw.getObjectId(0)).getBytes(), StandardCharsets.UTF_8));
    }
  }

  JsonArray log(int limit) throws IOException {
    JsonArray out = new JsonArray();
    ObjectId head = repo.resolve(Constants.HEAD);
    if (head == null) {
      return out;
    }
    try (RevWalk walk = new RevWalk(repo)) {
      walk.markStart(walk.parseCommit(head));
      for (RevCommit c : walk) {
        if (out.size() >= limit) {
          break;
        }
        out.add(commitJson(c));
      }
    }
    return out;
  }

  static JsonObject commitJson(RevCommit c) {
    PersonIdent a = c.getAuthorIdent();
    JsonArray parents = new JsonArray();
    for (RevCommit p : c.getParents()) {
      parents.add(p.name());
    }
    return new JsonObject()
        .put("id", c.name())
        .put("shortId", c.abbreviate(7).name())
        .put("message", c.getFullMessage())
        .put("summary", c.getShortMessage())
        .put("author", new JsonObject().put("name", a.getName()).put("email", a.getEmailAddress()))
        .put("time", a.getWhenAsInstant().toString())
        .put("parents", parents);
  }

  JsonObject branches() throws GitAPIException, IOException {
    Optional<String> current = branch();
    JsonArray local = new JsonArray();
    for (Ref r : git.branchList().call()) {
      String name = Repository.shortenRefName(r.getName());
      BranchTrackingStatus t = BranchTrackingStatus.of(repo, name);
      local.add(new JsonObject()
          .put("name", name)
          .put("commit", r.getObjectId() == null ? null : r.getObjectId().name())
          .put("current", current.map(name::equals).orElse(false))
          .put("upstream", t == null ? null : Repository.shortenRefName(t.getRemoteTrackingBranch())));
    }
    JsonArray remote = new JsonArray();
    for (Ref r : git.branchList().setListMode(ListBranchCommand.ListMode.REMOTE).call()) {
      remote.add(Repository.shortenRefName(r.getName()));
    }
    return new JsonObject().put("current", current.orElse(null)).put("local", local).put("remote", remote);
  }

  /** The checked-out branch; empty when HEAD is detached. */
  Optional<String> branch() throws IOException {
    String full = repo.getFullBranch();
    return full != null && full.startsWith(Constants.R_HEADS)
        ? Optional.of(full.substring(Constants.R_HEADS.length()))
        : Optional.empty();
  }

  String requireBranch() throws IOException {
    return branch().orElseThrow(GitErrors::detachedHead);
  }

  // ---- changing ------------------------------------------------------------------------------

  void stage(List<String> paths) throws GitAPIException {
    var add = git.add();
    var update = git.add().setUpdate(true); // stages deletions of tracked files
    paths.forEach(p -> {
      add.addFilepattern(p);
      update.addFilepattern(p);
    });
    add.call();
    update.call();
  }

  void unstage(List<String> paths) throws GitAPIException, IOException {
    if (repo.resolve(Constants.HEAD) == null) {
      var rm = git.rm().setCached(true);
      paths.forEach(rm::addFilepattern);
      rm.call();
      return;
    }
    var reset = git.reset().setRef(Constants.HEAD);
    paths.forEach(reset::addPath);
    reset.call();
  }

  JsonObject commit(String message, List<String> paths, PersonIdent who) throws GitAPIException, IOException {
    requireBranch();
    if (!paths.isEmpty()) {
      stage(paths);
    }
    boolean merging = repo.getRepositoryState() == org.eclipse.jgit.lib.RepositoryState.MERGING_RESOLVED
        || repo.getRepositoryState() == org.eclipse.jgit.lib.RepositoryState.MERGING;
    if (!merging) {
      Status s = git.status().call();
      boolean anyStaged = !(s.getAdded().isEmpty() && s.getChanged().isEmpty() && s.getRemoved().isEmpty());
      if (!anyStaged) {
        throw GitErrors.nothingToCommit();
      }
    }
    var commit = git.commit().setMessage(message).setAuthor(who).setCommitter(who).setAllowEmpty(false);
    if (!paths.isEmpty() && !merging) {
      paths.forEach(commit::setOnly);
    }
    return commitJson(commit.call());
  }

  /** Pushes the current branch to origin (setting it as the upstream when there is none). */
  JsonObject push(Optional<GitAccess.Login> login) throws GitAPIException, IOException {
    String branch = requireBranch();
    requireRemote();
    if (repo.resolve(Constants.HEAD) == null) {
      throw GitErrors.nothingToCommit();
    }
    String ref = Constants.R_HEADS + branch;
    Iterable<PushResult> results = authorise(git.push().setRemote(REMOTE).setRefSpecs(new RefSpec(ref + ":" + ref)), login)
        .call();
    for (PushResult r : results) {
      for (RemoteRefUpdate u : r.getRemoteUpdates()) {
        switch (u.getStatus()) {
          case OK, UP_TO_DATE -> { }
          case REJECTED_NONFASTFORWARD, REJECTED_REMOTE_CHANGED -> throw GitErrors.nonFastForward(branch);
          default -> throw GitErrors.pushRejected(branch, u.getMessage() == null ? u.getStatus().name() : u.getMessage());
        }
      }
    }
    StoredConfig c = repo.getConfig();
    if (c.getString(ConfigConstants.CONFIG_BRANCH_SECTION, branch, ConfigConstants.CONFIG_KEY_REMOTE) == null) {
      c.setString(ConfigConstants.CONFIG_BRANCH_SECTION, branch, ConfigConstants.CONFIG_KEY_REMOTE, REMOTE);
      c.setString(ConfigConstants.CONFIG_BRANCH_SECTION, branch, ConfigConstants.CONFIG_KEY_MERGE, ref);
      c.save();
    }
    return new JsonObject().put("branch", branch).put("head", repo.resolve(Constants.HEAD).name());
  }

  /**
   * Fetches and merges the current branch's upstream (origin's branch of the same name when none
   * is set). Conflicting merges leave git's conflict markers in the working tree.
   */
  JsonObject pull(Optional<GitAccess.Login> login, PersonIdent who) throws GitAPIException, IOException {
    String branch = requireBranch();
    requireRemote();
    setIdentity(who);
    var pull = git.pull().setRemote(REMOTE);
    if (repo.getConfig().getString(ConfigConstants.CONFIG_BRANCH_SECTION, branch, ConfigConstants.CONFIG_KEY_MERGE) == null) {
      pull.setRemoteBranchName(branch);
    }
    PullResult result = authorise(pull, login).call();
    MergeResult merge = result.getMergeResult();
    JsonObject o = new JsonObject().put("branch", branch);
    if (merge == null) {
      return o.put("result", result.getRebaseResult() == null ? "up-to-date" : "rebased").put("conflicts", new JsonArray());
    }
    if (merge.getMergeStatus() == MergeResult.MergeStatus.FAILED && merge.getFailingPaths() != null) {
      throw GitErrors.localChanges(merge.getFailingPaths().keySet());
    }
    if (merge.getMergeStatus() == MergeResult.MergeStatus.CHECKOUT_CONFLICT && merge.getCheckoutConflicts() != null) {
      throw GitErrors.localChanges(merge.getCheckoutConflicts());
    }
    TreeSet<String> conflicts = merge.getConflicts() == null ? new TreeSet<>() : new TreeSet<>(merge.getConflicts().keySet());
    return o.put("result", switch (merge.getMergeStatus()) {
          case FAST_FORWARD, FAST_FORWARD_SQUASHED -> "fast-forward";
          case ALREADY_UP_TO_DATE -> "up-to-date";
          case MERGED, MERGED_SQUASHED, MERGED_NOT_COMMITTED, MERGED_SQUASHED_NOT_COMMITTED -> "merged";
          case CONFLICTING -> "conflicting";
          default -> merge.getMergeStatus().name().toLowerCase(java.util.Locale.ROOT);
        })
        .put("head", Optional.ofNullable(repo.resolve(Constants.HEAD)).map(ObjectId::name).orElse(null))
        .put("conflicts", new JsonArray(new ArrayList<>(conflicts)));
  }

  void createBranch(String name, Optional<String> from) throws GitAPIException, IOException {
    if (!Repository.isValidRefName(Constants.R_HEADS + name)) {
      throw dev.ensemble.http.ApiException.invalidField("name", "not a valid branch name");
    }
    if (from.isPresent() && repo.resolve(from.get()) == null) {
      throw dev.ensemble.http.ApiException.invalidField("from", "no such branch or commit");
    }
    git.branchCreate().setName(name).setStartPoint(from.orElse(Constants.HEAD)).call();
  }

  /** Checks out a local branch, or creates one tracking origin's branch of that name. */
  void checkout(String name) throws GitAPIException, IOException {
    var checkout = git.checkout().setName(name);
    if (repo.findRef(Constants.R_HEADS + name) == null) {
      String remote = Constants.R_REMOTES + REMOTE + "/" + name;
      if (repo.findRef(remote) == null) {
        throw dev.ensemble.http.ApiException.invalidField("branch", "no branch " + name + " here or on " + REMOTE);
      }
      checkout.setCreateBranch(true).setStartPoint(remote).setUpstreamMode(CreateBranchCommand.SetupUpstreamMode.TRACK);
    }
    checkout.call();
  }

  void setRemote(String url) throws GitAPIException, java.net.URISyntaxException {
    if (git.remoteList().call().stream().anyMatch(r -> r.getName().equals(REMOTE))) {
      git.remoteSetUrl().setRemoteName(REMOTE).setRemoteUri(new URIish(url)).call();
    } else {
      git.remoteAdd().setName(REMOTE).setUri(new URIish(url)).call();
    }
  }

  private void requireRemote() {
    if (repo.getConfig().getString("remote", REMOTE, "url") == null) {
      throw GitErrors.noRemote();
    }
  }

  /** Merge commits made by a pull name the user who pulled. */
  private void setIdentity(PersonIdent who) {
    StoredConfig c = repo.getConfig();
    c.setString("user", null, "name", who.getName());
    c.setString("user", null, "email", who.getEmailAddress());
  }

  <C extends TransportCommand<C, ?>> C authorise(C command, Optional<GitAccess.Login> login) {
    command.setTimeout((int) settings.timeout().toSeconds());
    login.ifPresent(l -> command.setCredentialsProvider(new UsernamePasswordCredentialsProvider(l.username(), l.token())));
    return command;
  }

  @Override
  public void close() {
    git.close();
  }
}
