package dev.ensemble.git;

import dev.ensemble.http.ApiException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.Collection;
import java.util.Locale;
import java.util.stream.Collectors;
import org.eclipse.jgit.api.errors.CheckoutConflictException;
import org.eclipse.jgit.api.errors.EmptyCommitException;
import org.eclipse.jgit.api.errors.InvalidRefNameException;
import org.eclipse.jgit.api.errors.RefAlreadyExistsException;
import org.eclipse.jgit.api.errors.RefNotFoundException;
import org.eclipse.jgit.api.errors.UnmergedPathsException;
import org.eclipse.jgit.errors.NoRemoteRepositoryException;
import org.eclipse.jgit.errors.TransportException;

/**
 * What went wrong with git, as the API's error codes: the client's or the remote's doing is a 4xx,
 * an unreachable remote a 502; anything else stays a 500.
 */
final class GitErrors {
  private GitErrors() {}

  static ApiException detachedHead() {
    return ApiException.conflict("detached_head", "HEAD is detached: check out a branch first");
  }

  static ApiException nothingToCommit() {
    return ApiException.conflict("nothing_to_commit", "nothing is staged: stage changes or name paths to commit");
  }

  static ApiException noRepository() {
    return ApiException.conflict("no_repository", "this project has no git repository: import one or connect a remote");
  }

  static ApiException noRemote() {
    return ApiException.conflict("no_remote", "this project has no remote 'origin': connect a repository first");
  }

  static ApiException nonFastForward(String ref) {
    return ApiException.conflict("non_fast_forward",
        "the remote " + ref + " has commits this project does not have: pull first, then push");
  }

  static ApiException pushRejected(String ref, String reason) {
    return ApiException.conflict("push_rejected", "the remote refused " + ref + (reason == null ? "" : ": " + reason));
  }

  static ApiException localChanges(Collection<String> paths) {
    return ApiException.conflict("uncommitted_changes_conflict",
        "uncommitted changes would be overwritten in: " + list(paths) + "; commit or revert them first");
  }

  static ApiException cancelled() {
    return ApiException.of(409, "cancelled", "the job was cancelled");
  }

  /** The API error for a failure of JGit work; the failure itself when it already is one. */
  static Throwable map(Throwable e) {
    if (e instanceof ApiException) {
      return e;
    }
    if (e instanceof CheckoutConflictException c) {
      return localChanges(c.getConflictingPaths());
    }
    if (e instanceof org.eclipse.jgit.errors.CheckoutConflictException c) {
      return ApiException.conflict("uncommitted_changes_conflict",
          "uncommitted changes would be overwritten: " + c.getMessage() + "; commit or revert them first");
    }
    if (e instanceof EmptyCommitException) {
      return nothingToCommit();
    }
    if (e instanceof UnmergedPathsException) {
      return ApiException.conflict("unresolved_conflicts", "resolve the conflicts and stage the files before committing");
    }
    if (e instanceof RefAlreadyExistsException) {
      return ApiException.conflict("branch_exists", e.getMessage());
    }
    if (e instanceof InvalidRefNameException) {
      return ApiException.invalidField("name", "not a valid branch name");
    }
    if (e instanceof RefNotFoundException) {
      return ApiException.of(404, "ref_not_found", e.getMessage());
    }
    TransportException transport = find(e, TransportException.class);
    if (transport != null) {
      return transport(transport);
    }
    return e;
  }

  private static ApiException transport(TransportException e) {
    String message = String.valueOf(e.getMessage());
    String lower = message.toLowerCase(Locale.ROOT);
    if (e instanceof NoRemoteRepositoryException || lower.contains("repository not found")) {
      return ApiException.badRequest("remote_not_found", "no git repository at that URL (or no access to it)");
    }
    if (lower.contains("not authorized") || lower.contains("authentication is required")
        || lower.contains("authentication not supported") || lower.contains("401")) {
      return ApiException.of(403, "git_auth_failed",
          "the git host refused the credentials: store a token for it (POST /api/git/credentials) or link your account");
    }
    if (lower.contains("not permitted") || lower.contains("403")) {
      return ApiException.of(403, "git_auth_failed", "the git host refused access with these credentials");
    }
    if (lower.contains("remote branch") && lower.contains("not found")) {
      return ApiException.invalidField("branch", "the remote has no such branch");
    }
    if (find(e, UnknownHostException.class) != null || find(e, ConnectException.class) != null
        || find(e, NoRouteToHostException.class) != null || find(e, SocketTimeoutException.class) != null
        || lower.contains("connection refused") || lower.contains("unknownhost") || lower.contains("timed out")
        || lower.contains("connection reset") || lower.contains("cannot open git-")) {
      return ApiException.of(502, "git_network_error", "cannot reach the git host: " + message);
    }
    return ApiException.of(502, "git_remote_error", "the git host answered with an error: " + message);
  }

  private static <T extends Throwable> T find(Throwable e, Class<T> type) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (type.isInstance(t)) {
        return type.cast(t);
      }
    }
    return null;
  }

  static String list(Collection<String> paths) {
    return paths.stream().sorted().limit(20).collect(Collectors.joining(", "))
        + (paths.size() > 20 ? " and " + (paths.size() - 20) + " more" : "");
  }
}
