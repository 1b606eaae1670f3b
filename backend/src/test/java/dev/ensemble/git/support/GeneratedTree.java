package dev.ensemble.git.support;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Random;
import org.eclipse.jgit.lib.FileMode;

/**
 * A source tree of N files made up from a seed, shaped like a real project: nested directories,
 * sizes spread as source files are (most a few KiB, a few tens of KiB), one file in twenty binary,
 * one in fifty with a non-ASCII name. Any file's path and bytes can be made again from its index,
 * so a test checks what arrived without keeping the whole tree in memory.
 */
public final class GeneratedTree {
  private static final String[] AREAS = {"src", "lib", "test", "docs", "assets", "tools"};
  private static final String[] NAMES = {"Main", "Parser", "Lexer", "Store", "Cache", "Router", "Worker", "Codec",
      "Config", "Queue", "Index", "Render", "Schema", "Client", "Server", "Token"};
  private static final String[] UNICODE_NAMES = {"ünïcödé", "naïve", "日本語", "données", "Ωmega", "файл", "중국"};
  private static final String[] WORDS = {"let", "const", "return", "value", "if", "for", "count", "item", "await",
      "result", "name", "=", "+", "(", ")", "{", "}", ";", "map", "filter", "// why", "\"text\"", "0", "1", "42"};
  private static final long MAX_BYTES = 64 * 1024;

  private final int files;
  private final long seed;

  public GeneratedTree(int files, long seed) {
    this.files = files;
    this.seed = seed;
  }

  public int size() {
    return files;
  }

  /** Whether file {@code i} is binary (a blob after import). */
  public boolean binary(int i) {
    return i % 20 == 7;
  }

  /** The path of file {@code i}: unique, 2 to 5 segments deep, BMP characters only. */
  public String path(int i) {
    Random r = random(i);
    StringBuilder p = new StringBuilder(AREAS[i % AREAS.length]);
    int depth = 1 + r.nextInt(4);
    for (int d = 0; d < depth; d++) {
      p.append("/m").append(r.nextInt(d == 0 ? 12 : 6));
    }
    String name = i % 50 == 3 ? UNICODE_NAMES[r.nextInt(UNICODE_NAMES.length)] : NAMES[r.nextInt(NAMES.length)];
    return p.append('/').append(name).append('-').append(i).append(binary(i) ? ".png" : ".js").toString();
  }

  /** The bytes of file {@code i}. */
  public byte[] content(int i) {
    Random r = new Random(~(seed * 1_000_003L + i));
    // Log-normal sizes: median about 3 KiB, mean about 5 KiB, capped at 64 KiB.
    long size = Math.min(MAX_BYTES, Math.max(16, Math.round(Math.exp(8.0 + r.nextGaussian()))));
    if (binary(i)) {
      byte[] b = new byte[(int) size];
      r.nextBytes(b);
      byte[] png = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 0x0d};
      System.arraycopy(png, 0, b, 0, Math.min(png.length, b.length));
      return b;
    }
    StringBuilder s = new StringBuilder((int) size + 64);
    s.append("// file ").append(i).append('\n');
    while (s.length() < size) {
      int indent = r.nextInt(4);
      s.append("  ".repeat(indent));
      int words = 3 + r.nextInt(10);
      for (int w = 0; w < words; w++) {
        s.append(WORDS[r.nextInt(WORDS.length)]).append(' ');
      }
      if (i % 50 == 3) {
        s.append("// grüße, こんにちは");
      }
      s.append('\n');
    }
    return s.toString().getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Writes the tree as the one commit on branch main of a new bare repository
   * {@code <root>/<name>.git}. Returns the bytes of all files.
   */
  public long writeBare(Path root, String name) throws Exception {
    long bytes = 0;
    try (DirectCommit commit = new DirectCommit(root, name)) {
      for (int i = 0; i < files; i++) {
        byte[] b = content(i);
        bytes += b.length;
        commit.add(path(i), FileMode.REGULAR_FILE, b);
      }
      commit.commit("generated tree of " + files + " files");
    }
    return bytes;
  }

  private Random random(int i) {
    return new Random(seed * 1_000_003L + i);
  }
}
