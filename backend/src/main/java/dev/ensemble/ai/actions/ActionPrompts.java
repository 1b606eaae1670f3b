package dev.ensemble.ai.actions;

import dev.ensemble.ai.context.Languages;
import java.util.Optional;

/**
 * The words of each code action: the question as the thread shows it, the request to the model
 * (with the gathered context in front of it), and for actions that rewrite files, how to write
 * the files so that they can be found and applied.
 */
public final class ActionPrompts {
  private ActionPrompts() {}

  /** Added to the system prompt when an action proposes files. */
  public static final String FILE_FORMAT =
      "When you propose changes to files, write every changed or new file in full, each in its own fenced code"
          + " block whose opening line is the fence, the language and path=<the file's path in the project>, for"
          + " example:\n```python path=tests/test_dates.py\n...the whole file...\n```\nUse a longer fence when the"
          + " file itself contains three backticks. Never shorten a file with placeholders such as \"...\" or"
          + " \"rest unchanged\": the block replaces the file as written. Before the blocks, say in a few sentences"
          + " what you changed and why.";

  /** What the user asked for, as the thread shows it. */
  public record Worded(String question, String request) {}

  /**
   * The action's question and request.
   *
   * @param testFile for {@code tests}: where the tests go, and its text when it exists
   */
  public static Worded of(
      CodeAction action, String path, Optional<String> selection, Optional<String> instruction, TestFile testFile) {
    String language = Languages.of(path);
    boolean selected = selection.filter(s -> !s.isBlank()).isPresent();
    return switch (action) {
      case EXPLAIN -> new Worded(
          selected ? "Explain the selected code in " + path : "Explain " + path,
          (selected
              ? "Explain what the selected " + language + " code in " + path + " does"
              : "Explain what the " + language + " file " + path + " does")
              + ", how it fits into the rest of the code shown, and anything surprising or risky in it.");
      case TESTS -> new Worded(
          "Write tests for " + path,
          "Write unit tests for " + (selected ? "the selected code in " : "") + path + " (" + language + "), using"
              + " the test framework and style the project already uses, or the language's usual one. Put them in "
              + testFile.path()
              + testFile.text().map(t -> ", which exists (shown above): keep its tests and add the new ones.")
                  .orElse(", a new file.")
              + " Cover normal cases, edge cases and errors.");
      case FIX -> new Worded(
          "Fix the error of the failed run in " + path,
          "The run's output above shows an error. Find its cause in " + path + " or the other code shown and fix"
              + " it; change only what the fix needs.");
      case REFACTOR -> {
        String what = instruction.filter(s -> !s.isBlank()).orElse(
            "Improve the structure and naming without changing what the code does.");
        yield new Worded(
            "Refactor " + (selected ? "the selection in " : "") + path + ": " + what,
            "Refactor " + (selected ? "the selected code in " : "") + path + " as follows, keeping its behaviour"
                + " (and updating every use of a renamed name in the files shown): " + what);
      }
      case DOCS -> new Worded(
          "Add documentation to " + (selected ? "the selection in " : "") + path,
          "Add documentation comments in the " + language + " conventions (" + docStyle(language) + ") to "
              + (selected ? "the selected code in " : "the public parts of ") + path
              + ". Say what things are for and what callers must know; do not change any code.");
    };
  }

  /** Where a file's tests go, and what is there already. */
  public record TestFile(String path, Optional<String> text) {}

  /** The usual place for the tests of a file, by the conventions of its language. */
  public static String testPathFor(String path) {
    int slash = path.lastIndexOf('/');
    String dir = slash < 0 ? "" : path.substring(0, slash + 1);
    String name = path.substring(slash + 1);
    int dot = name.lastIndexOf('.');
    String base = dot < 0 ? name : name.substring(0, dot);
    String ext = dot < 0 ? "" : name.substring(dot);
    return switch (Languages.of(path)) {
      case "java", "kotlin", "scala", "groovy" -> path.contains("src/main/")
          ? path.replace("src/main/", "src/test/").replace(name, base + "Test" + ext)
          : dir + base + "Test" + ext;
      case "python" -> (dir.startsWith("src/") ? "tests/" + dir.substring(4) : dir + "tests/") + "test_" + base + ext;
      case "go" -> dir + base + "_test" + ext;
      case "ruby" -> "spec/" + (dir.startsWith("lib/") ? dir.substring(4) : dir) + base + "_spec" + ext;
      case "rust" -> dir + base + "_tests" + ext;
      case "javascript", "typescript", "jsx", "tsx" -> dir + base + ".test" + ext;
      default -> dir + base + "_test" + ext;
    };
  }

  private static String docStyle(String language) {
    return switch (language) {
      case "java", "kotlin", "scala", "groovy" -> "Javadoc or KDoc";
      case "javascript", "typescript", "jsx", "tsx" -> "JSDoc/TSDoc";
      case "python" -> "docstrings";
      case "go" -> "Go doc comments";
      case "rust" -> "/// doc comments";
      case "csharp" -> "XML doc comments";
      default -> "the language's usual doc comments";
    };
  }
}
