package dev.ensemble.sync.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ensemble.sync.files.TextDiff.CodePointSplice;
import dev.ensemble.sync.files.TextDiff.Splice;
import java.util.List;
import java.util.Random;
import org.automerge.Document;
import org.automerge.ObjectId;
import org.automerge.ObjectType;
import org.automerge.Transaction;
import org.junit.jupiter.api.Test;

/** Text diffs are minimal, never split a surrogate pair, and convert to automerge-java's code points. */
class FileTextDiffTest {

  @Test
  void utf16IndexesBecomeCodePointsAcrossAstralCharacters() {
    String s = "a😀b👍🏽c";
    assertEquals(0, CodePoints.fromUtf16(s, 0));
    assertEquals(1, CodePoints.fromUtf16(s, 1));
    assertEquals(2, CodePoints.fromUtf16(s, 3), "the emoji is two UTF-16 units but one code point");
    assertEquals(3, CodePoints.fromUtf16(s, 4));
    assertEquals(s.codePointCount(0, s.length()), CodePoints.fromUtf16(s, s.length()));
    assertEquals(3, CodePoints.toUtf16(s, 2));
    assertEquals(s.length(), CodePoints.toUtf16(s, s.codePointCount(0, s.length())));
    for (int cp = 0; cp <= s.codePointCount(0, s.length()); cp++) {
      assertEquals(cp, CodePoints.fromUtf16(s, CodePoints.toUtf16(s, cp)), "round trip at " + cp);
    }
  }

  @Test
  void anEditInTheMiddleIsOneSmallSplice() {
    assertEquals(List.of(new Splice(6, 0, "brave ")), TextDiff.between("hello world", "hello brave world"));
    assertEquals(List.of(new Splice(5, 6, "")), TextDiff.between("hello world", "hello"));
    assertEquals(List.of(), TextDiff.between("same", "same"));
  }

  @Test
  void distantEditsInDifferentLinesStaySeparateSplices() {
    String before = "one\ntwo\nthree\nfour\nfive\n";
    String after = "ONE\ntwo\nthree\nfour\nfive!\n";
    List<Splice> splices = TextDiff.between(before, after);
    assertEquals(2, splices.size(), splices.toString());
    assertEquals(after, apply(before, splices));
  }

  @Test
  void splicesNeverCutASurrogatePair() {
    // Same high surrogate, different low one: the prefix must not end between them.
    String before = "x😀y";
    String after = "x😁y";
    List<Splice> splices = TextDiff.between(before, after);
    assertEquals(List.of(new Splice(1, 2, "😁")), splices);
  }

  @Test
  void randomEditsReproduceTheNewTextInAutomergeJava() {
    Random random = new Random(42);
    String alphabet = "ab\n😀é👍🏽 ";
    int[] cps = alphabet.codePoints().toArray();
    for (int round = 0; round < 300; round++) {
      String before = randomText(random, cps, random.nextInt(40));
      String after = mutate(random, cps, before);
      List<Splice> splices = TextDiff.between(before, after);
      assertEquals(after, apply(before, splices), "UTF-16 splices of round " + round);
      Document doc = new Document();
      ObjectId text;
      try (Transaction tx = doc.startTransaction()) {
        text = tx.set(ObjectId.ROOT, "content", ObjectType.TEXT);
        tx.spliceText(text, 0, 0, before);
        tx.commit();
      }
      try (Transaction tx = doc.startTransaction()) {
        for (CodePointSplice s : TextDiff.forAutomerge(before, splices)) {
          tx.spliceText(text, s.at(), s.delete(), s.insert());
        }
        tx.commit();
      }
      assertEquals(after, doc.text(text).orElseThrow(), "automerge text of round " + round);
      doc.free();
    }
  }

  @Test
  void spliceCountStaysSmallForLocalEdits() {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < 200; i++) {
      b.append("line ").append(i).append('\n');
    }
    String before = b.toString();
    String after = before.replace("line 10\n", "line ten\n").replace("line 150\n", "");
    List<Splice> splices = TextDiff.between(before, after);
    assertEquals(2, splices.size(), splices.toString());
    assertTrue(splices.stream().allMatch(s -> s.delete() <= 9 && s.insert().length() <= 3), splices.toString());
  }

  private static String apply(String before, List<Splice> splices) {
    StringBuilder s = new StringBuilder(before);
    for (int i = splices.size() - 1; i >= 0; i--) {
      Splice sp = splices.get(i);
      s.replace(sp.at(), sp.at() + sp.delete(), sp.insert());
    }
    return s.toString();
  }

  private static String randomText(Random random, int[] cps, int n) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < n; i++) {
      b.appendCodePoint(cps[random.nextInt(cps.length)]);
    }
    return b.toString();
  }

  private static String mutate(Random random, int[] cps, String s) {
    int[] points = s.codePoints().toArray();
    StringBuilder b = new StringBuilder();
    for (int p : points) {
      int r = random.nextInt(10);
      if (r == 0) {
        continue; // delete
      }
      if (r == 1) {
        b.appendCodePoint(cps[random.nextInt(cps.length)]); // insert before
      }
      b.appendCodePoint(r == 2 ? cps[random.nextInt(cps.length)] : p); // replace or keep
    }
    if (random.nextBoolean()) {
      b.append(randomText(random, cps, random.nextInt(5)));
    }
    return b.toString();
  }
}
