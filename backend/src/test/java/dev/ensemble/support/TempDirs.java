package dev.ensemble.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/** Temporary directories an unprivileged user can enter (the embedded PostgreSQL runs as one when tests run as root). */
public final class TempDirs {
  private TempDirs() {}

  public static Path create(String prefix) {
    try {
      Path dir = Files.createTempDirectory(prefix);
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
      return dir;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
