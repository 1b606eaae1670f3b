package dev.ensemble.sync.files;

import dev.ensemble.http.ApiException;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;

/**
 * A file's path inside a project: relative, '/'-separated, in Unicode NFC, without empty, "." or
 * ".." segments, control characters, backslashes or characters beyond U+FFFF. Within the
 * configured length and depth.
 */
public record FilePath(String value) {

  /** Validates and normalises what a client sent; a 400 names the field when it is not a path. */
  public static FilePath parse(String raw, String field, int maxLength, int maxDepth) {
    if (raw == null || raw.isEmpty()) {
      throw ApiException.invalidField(field, "a file path is required");
    }
    String s = Normalizer.normalize(raw, Normalizer.Form.NFC);
    if (s.startsWith("/")) {
      throw ApiException.invalidField(field, "a file path is relative: no leading '/'");
    }
    if (s.length() > maxLength) {
      throw ApiException.invalidField(field, "a file path has at most " + maxLength + " characters");
    }
    List<String> segments = new ArrayList<>();
    for (String segment : s.split("/", -1)) {
      if (segment.isEmpty() || segment.equals(".")) {
        continue; // "a//b", "a/./b" and a trailing '/' collapse
      }
      if (segment.equals("..")) {
        throw ApiException.invalidField(field, "a file path may not contain '..'");
      }
      if (segment.chars().anyMatch(c -> c < 0x20 || c == 0x7f || c == '\\')) {
        throw ApiException.invalidField(field, "a file path may not contain control characters or '\\'");
      }
      if (segment.codePoints().anyMatch(Character::isSupplementaryCodePoint)) {
        // automerge-java 0.0.7 passes map keys through JNI's modified UTF-8, which Automerge
        // rejects for characters outside the Basic Multilingual Plane.
        throw ApiException.invalidField(field, "a file path may not contain characters beyond U+FFFF (such as emoji)");
      }
      segments.add(segment);
    }
    if (segments.isEmpty()) {
      throw ApiException.invalidField(field, "a file path needs a file name");
    }
    if (segments.size() > maxDepth) {
      throw ApiException.invalidField(field, "a file path has at most " + maxDepth + " segments");
    }
    return new FilePath(String.join("/", segments));
  }

  /** The last segment. */
  public String name() {
    return value.substring(value.lastIndexOf('/') + 1);
  }

  @Override
  public String toString() {
    return value;
  }
}
