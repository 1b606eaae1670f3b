package dev.ensemble.runs;

import dev.ensemble.http.ApiException;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Hands a run's working copy to the pod that runs it: {@link #issue} gives a one-time token for
 * one run; the pod's init container presents it to {@code GET /api/runs/{id}/workspace.tar}, which
 * {@link #take}s the transfer (so it works once) and streams {@link #archive}. The transfer is
 * {@link #revoke}d when the pod's command starts or the run ends, whichever comes first. Only a
 * hash of the token is kept.
 */
final class WorkspaceTransfers {
  private static final SecureRandom RANDOM = new SecureRandom();

  private record Pending(byte[] tokenHash, Path dir) {}

  private final Map<UUID, Pending> pending = new ConcurrentHashMap<>();

  /** A new token for fetching {@code dir} as run {@code runId}'s working copy. */
  String issue(UUID runId, Path dir) {
    byte[] raw = new byte[32];
    RANDOM.nextBytes(raw);
    String token = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
    pending.put(runId, new Pending(hash(token), dir));
    return token;
  }

  /** Ends the transfer of a run, fetched or not. */
  void revoke(UUID runId) {
    pending.remove(runId);
  }

  /** True while the run's working copy can still be fetched. */
  boolean pending(UUID runId) {
    return pending.containsKey(runId);
  }

  /**
   * The directory to send when {@code token} is the run's; the transfer is used up. 404 when there
   * is none (never issued here, fetched, revoked), 401 when the token is missing or wrong.
   */
  Path take(UUID runId, Optional<String> token) {
    Pending p = pending.get(runId);
    if (p == null) {
      throw ApiException.notFound("workspace");
    }
    if (token.isEmpty() || !MessageDigest.isEqual(p.tokenHash(), hash(token.get()))) {
      throw ApiException.unauthorized("a valid workspace token is required");
    }
    if (!pending.remove(runId, p)) {
      throw ApiException.notFound("workspace"); // taken by a concurrent request
    }
    return p.dir();
  }

  /**
   * Writes {@code dir} as a tar file beside it ({@code <dir>.tar}) and returns it; regular files and
   * directories only, with modes the run's uid can use. Blocking: call from a worker.
   */
  static Path archive(Path dir) throws IOException {
    Path tar = dir.resolveSibling(dir.getFileName() + ".tar");
    List<Path> entries = new ArrayList<>();
    try (Stream<Path> all = Files.walk(dir)) {
      all.filter(p -> !p.equals(dir)).sorted().forEach(entries::add);
    }
    try (OutputStream file = new BufferedOutputStream(Files.newOutputStream(tar));
        TarArchiveOutputStream out = new TarArchiveOutputStream(file)) {
      out.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      out.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
      for (Path p : entries) {
        String name = dir.relativize(p).toString();
        if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
          TarArchiveEntry e = new TarArchiveEntry(name + "/");
          e.setMode(0_040_755);
          out.putArchiveEntry(e);
          out.closeArchiveEntry();
        } else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
          TarArchiveEntry e = new TarArchiveEntry(name);
          e.setMode(0_100_644);
          e.setSize(Files.size(p));
          out.putArchiveEntry(e);
          Files.copy(p, out);
          out.closeArchiveEntry();
        }
      }
      out.finish();
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(tar);
      throw e;
    }
    return tar;
  }

  private static byte[] hash(String token) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
