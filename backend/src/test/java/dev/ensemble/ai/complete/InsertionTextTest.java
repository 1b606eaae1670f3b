package dev.ensemble.ai.complete;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class InsertionTextTest {

  @Test
  void aFencedAnswerGivesTheFencedCode() {
    assertEquals("return 1;", InsertionText.fromChat("Here you go:\n```java\nreturn 1;\n```\nDone.", "  ", "\n"));
    assertEquals("x + 1", InsertionText.fromChat("```\nx + 1", "y = ", ""), "an unclosed fence");
  }

  @Test
  void anEchoOfTheLineBeforeTheCursorIsDropped() {
    assertEquals("rn x;", InsertionText.fromChat("    return x;", "int f() {\n    retu", "\n}"));
    assertEquals("rn x;", InsertionText.fromChat("return x;", "int f() {\n    retu", "\n}"), "indentation left out");
    assertEquals("turn x;", InsertionText.fromChat("turn x;", "    re", ""), "no echo, nothing dropped");
  }

  @Test
  void codeAlreadyAfterTheCursorIsNotRepeated() {
    assertEquals("    y();", InsertionText.fromChat("    y();\n}\n", "void f() {\n", "\n}\n"));
    // an inner block's closing brace is not the outer one's
    assertEquals("    if (x) {\n      y();\n    }",
        InsertionText.fromChat("    if (x) {\n      y();\n    }\n}", "void f() {\n", "\n}\n"));
  }

  @Test
  void inTheMiddleOfALineADuplicatedClosingIsCutButABalancedOneKept() {
    assertEquals("values", InsertionText.fromChat("values)", "sum(", ")\n"));
    assertEquals("foo()", InsertionText.fromChat("foo()", "print(", ")\n"));
    assertEquals("x = 1", InsertionText.fromChat("x = 1;\nmore();", "  ", ";\n"));
  }
}
