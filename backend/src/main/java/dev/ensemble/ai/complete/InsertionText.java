package dev.ensemble.ai.complete;

/**
 * Turns what a chat model said into the text to insert at the cursor. Chat models wrap code in
 * fences, echo the start of the line they were asked to finish and carry on into code that is
 * already after the cursor; each of those is cut away here.
 */
final class InsertionText {
  private InsertionText() {}

  static String fromChat(String raw, String prefix, String suffix) {
    String text = unfenced(raw).replace(ChatInfill.CURSOR, "");
    text = withoutEchoedLineStart(text, prefix);
    String restOfLine = firstLine(suffix);
    if (!restOfLine.isBlank()) {
      // In the middle of a line only the rest of that line is wanted.
      text = firstLine(text);
      String tail = restOfLine.strip();
      String trimmed = text.stripTrailing();
      // "values)" before ")" repeats the closing; "foo()" before ")" does not, its brackets balance
      if (trimmed.endsWith(tail) && (depth(trimmed) < 0 || tail.chars().noneMatch(c -> ")]}".indexOf(c) >= 0))) {
        text = trimmed.substring(0, trimmed.length() - tail.length());
      }
    } else {
      text = cutAtSuffix(text, prefix, suffix);
    }
    return text.stripTrailing();
  }

  /** The first fenced block's content when the answer has one, else the answer. */
  static String unfenced(String raw) {
    int open = raw.indexOf("```");
    if (open < 0) {
      return raw;
    }
    int lineEnd = raw.indexOf('\n', open);
    if (lineEnd < 0) {
      return "";
    }
    int close = raw.indexOf("```", lineEnd + 1);
    String body = close < 0 ? raw.substring(lineEnd + 1) : raw.substring(lineEnd + 1, close);
    return body.endsWith("\n") ? body.substring(0, body.length() - 1) : body;
  }

  /** A model asked to finish {@code    retu} often answers {@code return x;}: keep only {@code rn x;}. */
  static String withoutEchoedLineStart(String text, String prefix) {
    String lineStart = prefix.substring(prefix.lastIndexOf('\n') + 1);
    if (lineStart.isBlank()) {
      return text;
    }
    if (text.startsWith(lineStart)) {
      return text.substring(lineStart.length());
    }
    String code = lineStart.stripLeading();
    String answer = text.stripLeading();
    return answer.startsWith(code) && answer.length() > code.length() ? answer.substring(code.length()) : text;
  }

  /**
   * Drops what the model wrote from the first line that repeats the next line of code after the
   * cursor, indentation included (an inner block's closing brace is not the outer one's).
   */
  static String cutAtSuffix(String text, String prefix, String suffix) {
    String next = suffix.lines().filter(l -> !l.isBlank()).findFirst().map(String::stripTrailing).orElse("");
    if (next.isEmpty()) {
      return text;
    }
    String lineStart = prefix.substring(prefix.lastIndexOf('\n') + 1);
    String[] lines = text.split("\n", -1);
    StringBuilder kept = new StringBuilder();
    for (int i = 0; i < lines.length; i++) {
      String whole = i == 0 ? lineStart + lines[0] : lines[i];
      if (whole.stripTrailing().equals(next)) {
        return kept.toString();
      }
      if (i > 0) {
        kept.append('\n');
      }
      kept.append(lines[i]);
    }
    return kept.toString();
  }

  /** Opening minus closing brackets. */
  private static int depth(String s) {
    int d = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '(' || c == '[' || c == '{') {
        d++;
      } else if (c == ')' || c == ']' || c == '}') {
        d--;
      }
    }
    return d;
  }

  private static String firstLine(String s) {
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
