package dev.ensemble.ai.context;

import java.util.Locale;
import java.util.Map;

/** The programming language of a file, by its extension, as a name for prompts and fences. */
public final class Languages {
  private Languages() {}

  private static final Map<String, String> BY_EXTENSION = Map.ofEntries(
      Map.entry("java", "java"), Map.entry("kt", "kotlin"), Map.entry("kts", "kotlin"), Map.entry("scala", "scala"),
      Map.entry("groovy", "groovy"), Map.entry("js", "javascript"), Map.entry("mjs", "javascript"),
      Map.entry("cjs", "javascript"), Map.entry("jsx", "jsx"), Map.entry("ts", "typescript"),
      Map.entry("tsx", "tsx"), Map.entry("py", "python"), Map.entry("rb", "ruby"), Map.entry("go", "go"),
      Map.entry("rs", "rust"), Map.entry("c", "c"), Map.entry("h", "c"), Map.entry("cc", "cpp"),
      Map.entry("cpp", "cpp"), Map.entry("hpp", "cpp"), Map.entry("cs", "csharp"), Map.entry("php", "php"),
      Map.entry("swift", "swift"), Map.entry("sh", "bash"), Map.entry("bash", "bash"), Map.entry("sql", "sql"),
      Map.entry("html", "html"), Map.entry("css", "css"), Map.entry("scss", "scss"), Map.entry("json", "json"),
      Map.entry("yaml", "yaml"), Map.entry("yml", "yaml"), Map.entry("toml", "toml"), Map.entry("xml", "xml"),
      Map.entry("md", "markdown"), Map.entry("lua", "lua"), Map.entry("r", "r"), Map.entry("ex", "elixir"),
      Map.entry("exs", "elixir"), Map.entry("hs", "haskell"), Map.entry("ml", "ocaml"), Map.entry("dart", "dart"));

  /** The language name, or {@code text} when the extension says nothing. */
  public static String of(String path) {
    String name = path.substring(path.lastIndexOf('/') + 1);
    if (name.equals("Dockerfile")) {
      return "dockerfile";
    }
    if (name.equals("Makefile")) {
      return "makefile";
    }
    int dot = name.lastIndexOf('.');
    return dot < 0 ? "text" : BY_EXTENSION.getOrDefault(name.substring(dot + 1).toLowerCase(Locale.ROOT), "text");
  }

  /** A Markdown fence around the text that no run of backticks inside it can close early. */
  public static String fenced(String language, String text) {
    int longest = 0;
    int run = 0;
    for (int i = 0; i < text.length(); i++) {
      run = text.charAt(i) == '`' ? run + 1 : 0;
      longest = Math.max(longest, run);
    }
    String fence = "`".repeat(Math.max(3, longest + 1));
    return fence + language + "\n" + text + (text.endsWith("\n") ? "" : "\n") + fence + "\n";
  }
}
