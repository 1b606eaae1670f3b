package dev.ensemble.sync.files;

/**
 * Text positions across the boundary between Java and automerge-java: Java strings (and
 * automerge-js, and the browser) count UTF-16 code units, automerge-java counts Unicode code points.
 * An astral character (emoji) is two units but one point.
 */
public final class CodePoints {
  private CodePoints() {}

  /** The code-point index of a UTF-16 index of the text; an index inside a surrogate pair counts the pair as before it. */
  public static long fromUtf16(String text, int utf16Index) {
    if (utf16Index < 0 || utf16Index > text.length()) {
      throw new IndexOutOfBoundsException("UTF-16 index " + utf16Index + " outside 0.." + text.length());
    }
    return text.codePointCount(0, utf16Index);
  }

  /** The UTF-16 index of a code-point index of the text. */
  public static int toUtf16(String text, long codePointIndex) {
    if (codePointIndex < 0 || codePointIndex > text.codePointCount(0, text.length())) {
      throw new IndexOutOfBoundsException("code-point index " + codePointIndex + " outside the text");
    }
    return text.offsetByCodePoints(0, (int) codePointIndex);
  }

  /** Code points in text[from, to) (UTF-16 indexes). */
  public static long count(String text, int from, int to) {
    return text.codePointCount(from, to);
  }
}
