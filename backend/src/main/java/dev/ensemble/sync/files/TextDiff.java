package dev.ensemble.sync.files;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The edit that turns one text into another, as few and as small splices as is cheap to find:
 * the common prefix and suffix are kept, the lines in between are matched by a longest common
 * subsequence (when small enough) and each changed run of lines is trimmed to the characters that
 * differ. Untouched text stays the same CRDT characters, so collaborators' cursors stay put.
 */
public final class TextDiff {
  /** Above this many line pairs, the middle is replaced by one splice. */
  static final long MAX_LINE_PAIRS = 1_000_000;

  /** Delete {@code delete} UTF-16 units at {@code at} of the old text and insert {@code insert} there. */
  public record Splice(int at, int delete, String insert) {}

  private TextDiff() {}

  /** Splices in ascending order of position in the old text; apply them from the last to the first. */
  public static List<Splice> between(String before, String after) {
    if (before.equals(after)) {
      return List.of();
    }
    int prefix = commonPrefix(before, after);
    int suffix = commonSuffix(before, after, prefix);
    List<Splice> out = new ArrayList<>();
    middle(before, prefix, before.length() - suffix, after, prefix, after.length() - suffix, out);
    return out;
  }

  /**
   * Code-point splices for automerge-java, descending, so that each one's position is still valid
   * in the text the earlier ones left behind.
   */
  public static List<CodePointSplice> forAutomerge(String before, List<Splice> splices) {
    List<CodePointSplice> out = new ArrayList<>(splices.size());
    for (Splice s : splices) {
      out.add(new CodePointSplice(
          CodePoints.fromUtf16(before, s.at()), CodePoints.count(before, s.at(), s.at() + s.delete()), s.insert()));
    }
    Collections.reverse(out);
    return out;
  }

  /** A splice counted in code points (automerge-java's {@code spliceText}). */
  public record CodePointSplice(long at, long delete, String insert) {}

  /** Diffs before[b0, b1) against after[a0, a1) by lines. */
  private static void middle(String before, int b0, int b1, String after, int a0, int a1, List<Splice> out) {
    List<int[]> oldLines = lines(before, b0, b1);
    List<int[]> newLines = lines(after, a0, a1);
    long pairs = (long) oldLines.size() * newLines.size();
    if (oldLines.size() <= 1 || newLines.size() <= 1 || pairs > MAX_LINE_PAIRS) {
      trimmed(before, b0, b1, after, a0, a1, out);
      return;
    }
    int n = oldLines.size();
    int m = newLines.size();
    // lcs[i][j] = LCS length of oldLines[i..] and newLines[j..]
    int[][] lcs = new int[n + 1][m + 1];
    for (int i = n - 1; i >= 0; i--) {
      for (int j = m - 1; j >= 0; j--) {
        lcs[i][j] = sameLine(before, oldLines.get(i), after, newLines.get(j))
            ? lcs[i + 1][j + 1] + 1
            : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
      }
    }
    int i = 0;
    int j = 0;
    int runOld = 0;
    int runNew = 0;
    while (i < n || j < m) {
      if (i < n && j < m && sameLine(before, oldLines.get(i), after, newLines.get(j))) {
        flush(before, oldLines, runOld, i, b1, after, newLines, runNew, j, a1, out);
        i++;
        j++;
        runOld = i;
        runNew = j;
      } else if (j < m && (i == n || lcs[i][j + 1] >= lcs[i + 1][j])) {
        j++;
      } else {
        i++;
      }
    }
    flush(before, oldLines, runOld, n, b1, after, newLines, runNew, m, a1, out);
  }

  /** Emits the splice for old lines [fromOld, toOld) replaced by new lines [fromNew, toNew). */
  private static void flush(
      String before, List<int[]> oldLines, int fromOld, int toOld, int oldEnd,
      String after, List<int[]> newLines, int fromNew, int toNew, int newEnd, List<Splice> out) {
    if (fromOld == toOld && fromNew == toNew) {
      return;
    }
    int b0 = fromOld < oldLines.size() ? oldLines.get(fromOld)[0] : oldEnd;
    int b1 = toOld < oldLines.size() ? oldLines.get(toOld)[0] : oldEnd;
    int a0 = fromNew < newLines.size() ? newLines.get(fromNew)[0] : newEnd;
    int a1 = toNew < newLines.size() ? newLines.get(toNew)[0] : newEnd;
    trimmed(before, b0, b1, after, a0, a1, out);
  }

  /** One splice for before[b0, b1) → after[a0, a1), without their common prefix and suffix. */
  private static void trimmed(String before, int b0, int b1, String after, int a0, int a1, List<Splice> out) {
    int p = 0;
    while (b0 + p < b1 && a0 + p < a1 && before.charAt(b0 + p) == after.charAt(a0 + p)) {
      p++;
    }
    p = notInsidePair(before, b0 + p) - b0;
    int s = 0;
    while (b1 - s > b0 + p && a1 - s > a0 + p && before.charAt(b1 - 1 - s) == after.charAt(a1 - 1 - s)) {
      s++;
    }
    s = b1 - notInsidePairFromEnd(before, b1 - s, b0 + p);
    int at = b0 + p;
    int delete = (b1 - s) - at;
    String insert = after.substring(a0 + p, a1 - s);
    if (delete > 0 || !insert.isEmpty()) {
      out.add(new Splice(at, delete, insert));
    }
  }

  private static int commonPrefix(String a, String b) {
    int n = Math.min(a.length(), b.length());
    int p = 0;
    while (p < n && a.charAt(p) == b.charAt(p)) {
      p++;
    }
    return notInsidePair(a, p);
  }

  private static int commonSuffix(String a, String b, int prefix) {
    int s = 0;
    while (s < a.length() - prefix && s < b.length() - prefix
        && a.charAt(a.length() - 1 - s) == b.charAt(b.length() - 1 - s)) {
      s++;
    }
    return a.length() - notInsidePairFromEnd(a, a.length() - s, prefix);
  }

  /** Moves a cut that would split a surrogate pair back before the pair. */
  private static int notInsidePair(String s, int cut) {
    return cut > 0 && cut < s.length() && Character.isLowSurrogate(s.charAt(cut))
        && Character.isHighSurrogate(s.charAt(cut - 1)) ? cut - 1 : cut;
  }

  /** Moves the start of a common suffix that would split a surrogate pair forward, after the pair. */
  private static int notInsidePairFromEnd(String s, int cut, int floor) {
    return cut > floor && cut < s.length() && Character.isLowSurrogate(s.charAt(cut))
        && Character.isHighSurrogate(s.charAt(cut - 1)) ? cut + 1 : cut;
  }

  /** [start, end) of each line in s[from, to), line terminators included. */
  private static List<int[]> lines(String s, int from, int to) {
    List<int[]> out = new ArrayList<>();
    int start = from;
    for (int i = from; i < to; i++) {
      if (s.charAt(i) == '\n') {
        out.add(new int[] {start, i + 1});
        start = i + 1;
      }
    }
    if (start < to) {
      out.add(new int[] {start, to});
    }
    return out;
  }

  private static boolean sameLine(String a, int[] la, String b, int[] lb) {
    int len = la[1] - la[0];
    return len == lb[1] - lb[0] && a.regionMatches(la[0], b, lb[0], len);
  }
}
