package dev.ensemble.sync.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ensemble.http.ApiException;
import org.junit.jupiter.api.Test;

/** File paths are relative, normalised and bounded. */
class FilePathTest {
  private static FilePath parse(String raw) {
    return FilePath.parse(raw, "path", 40, 3);
  }

  @Test
  void pathsAreNormalised() {
    assertEquals("src/main.js", parse("src//./main.js").value());
    assertEquals("src/é.txt", parse("src/e\u0301.txt").value(), "Unicode NFC");
    assertEquals("dir/x", parse("dir/x/").value());
  }

  @Test
  void unsafeOrOversizePathsAreRefused() {
    for (String bad : new String[] {"", "/etc/passwd", "a/../b", "..", "a\\b", "a\u0000b", "./", "a/b/c/d",
        "x".repeat(41), "😀.txt"}) {
      ApiException e = assertThrows(ApiException.class, () -> parse(bad), bad);
      assertEquals(400, e.status());
      assertEquals("path", e.field().orElseThrow());
    }
  }
}
