package dev.ensemble.ai.context;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ensemble.ai.actions.ActionPrompts;
import dev.ensemble.ai.context.ContextPiece.Lines;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ContextBuilderTest {
  private static final String TEXT = "one\ntwo\nthree\nfour\nfive\n";

  @Test
  void theSelectionIsFoundByItsLines() {
    assertEquals(Optional.of(new Lines(2, 3)), ContextBuilder.linesOf(TEXT, "two\nthree"));
    assertEquals(Optional.of(new Lines(4, 4)), ContextBuilder.linesOf(TEXT, "four\n"));
    assertEquals(Optional.empty(), ContextBuilder.linesOf(TEXT, "six"));
  }

  @Test
  void aFileTooLargeForTheBudgetIsCutToTheLinesAroundTheSelection() {
    // "three\n" + "two\n" + "four\n" = 15 characters
    Lines window = ContextBuilder.window(TEXT, 3, 15);
    assertEquals(new Lines(2, 4), window);
    assertEquals("two\nthree\nfour", ContextBuilder.lines(TEXT, window));
    assertEquals(new Lines(1, 1), ContextBuilder.window(TEXT, 1, 4));
  }

  @Test
  void fencesAreLongerThanAnyBacktickRunInside() {
    assertEquals("````md\nuse ``` to fence\n````\n", Languages.fenced("md", "use ``` to fence"));
    assertEquals("python", Languages.of("src/a.py"));
    assertEquals("text", Languages.of("LICENSE"));
  }

  @Test
  void testsGoWhereTheLanguageKeepsThem() {
    assertEquals("src/test/java/a/DatesTest.java", ActionPrompts.testPathFor("src/main/java/a/Dates.java"));
    assertEquals("tests/test_dates.py", ActionPrompts.testPathFor("src/dates.py"));
    assertEquals("web/src/api/client.test.ts", ActionPrompts.testPathFor("web/src/api/client.ts"));
    assertEquals("pkg/dates_test.go", ActionPrompts.testPathFor("pkg/dates.go"));
  }
}
