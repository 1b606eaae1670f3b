package dev.ensemble.ai.actions;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds the files an answer proposes: fenced blocks whose opening line names a path, as in
 * {@code ```python path=tests/test_dates.py}. A block ends at a line holding only the same fence
 * character, at least as many times (CommonMark's rule, so a longer fence can hold a shorter one).
 * A block left open is ignored; when a path comes twice, the last block wins.
 */
public final class ProposalParser {
  private static final Pattern OPENING =
      Pattern.compile("^ {0,3}(`{3,}|~{3,})[^`\\s]*\\s+(?:[^\\s]+\\s+)*path=(\"[^\"]+\"|\\S+)\\s*$");

  private ProposalParser() {}

  /** A file's proposed content, with the path as the model wrote it. */
  public record Block(String path, String content) {}

  public static List<Block> parse(String answer) {
    String[] lines = answer.split("\n", -1);
    Map<String, Block> found = new LinkedHashMap<>();
    int i = 0;
    while (i < lines.length) {
      Matcher m = OPENING.matcher(stripCr(lines[i]));
      if (!m.matches()) {
        i++;
        continue;
      }
      String fence = m.group(1);
      String path = m.group(2).startsWith("\"") ? m.group(2).substring(1, m.group(2).length() - 1) : m.group(2);
      List<String> body = new ArrayList<>();
      int j = i + 1;
      boolean closed = false;
      for (; j < lines.length; j++) {
        if (closes(stripCr(lines[j]), fence)) {
          closed = true;
          break;
        }
        body.add(lines[j]);
      }
      if (!closed) {
        break;
      }
      String content = String.join("\n", body);
      found.remove(path);
      found.put(path, new Block(path, content.isEmpty() ? "" : content + "\n"));
      i = j + 1;
    }
    return List.copyOf(found.values());
  }

  private static boolean closes(String line, String fence) {
    String t = line.strip();
    char c = fence.charAt(0);
    return t.length() >= fence.length() && t.chars().allMatch(x -> x == c);
  }

  private static String stripCr(String line) {
    return line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
  }
}
