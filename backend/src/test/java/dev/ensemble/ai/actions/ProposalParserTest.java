package dev.ensemble.ai.actions;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ensemble.ai.actions.ProposalParser.Block;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProposalParserTest {

  @Test
  void findsEachFileBlockWithItsPathAndWholeContent() {
    String answer = """
        I changed two files.

        ```java path=src/main/java/a/Dates.java
        class Dates {}
        ```

        Some words, and a block without a path:
        ```bash
        mvn test
        ```
        ~~~ts lang=ts path="web/src/a b.ts"
        export const x = 1;
        ~~~
        """;
    assertEquals(
        List.of(new Block("src/main/java/a/Dates.java", "class Dates {}\n"), new Block("web/src/a b.ts", "export const x = 1;\n")),
        ProposalParser.parse(answer));
  }

  @Test
  void aLongerFenceHoldsShorterOnesAndTheLastBlockOfAPathWins() {
    String answer = "````markdown path=README.md\n# Use\n```sh\nrun\n```\n````\n"
        + "```md path=README.md\nsecond\n```\n";
    assertEquals(List.of(new Block("README.md", "second\n")), ProposalParser.parse(answer));
    String nested = "````markdown path=docs/a.md\n```sh\nrun\n```\n````\n";
    assertEquals(List.of(new Block("docs/a.md", "```sh\nrun\n```\n")), ProposalParser.parse(nested));
  }

  @Test
  void aBlockLeftOpenIsNotAProposal() {
    assertEquals(List.of(), ProposalParser.parse("```py path=a.py\nprint(1)\n"));
    assertEquals(List.of(new Block("a.py", "")), ProposalParser.parse("```py path=a.py\n```\r\n"));
  }
}
