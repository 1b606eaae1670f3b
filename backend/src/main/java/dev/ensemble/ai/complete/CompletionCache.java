package dev.ensemble.ai.complete;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Recent completions, least recently used evicted first, shared by every event loop of the node.
 * The key is a digest of the project, the model, the language and the code nearest the cursor (the
 * end of the prefix and the start of the suffix), so an entry costs a few hundred bytes whatever
 * the size of the file, and the same spot typed again (undo, retyping a word) is answered at once.
 */
final class CompletionCache {
  /** How much of the code before the cursor keys an entry. */
  static final int PREFIX_KEY_CHARS = 2_000;
  /** How much of the code after the cursor keys an entry. */
  static final int SUFFIX_KEY_CHARS = 1_000;

  private final int capacity;
  private final LinkedHashMap<String, String> entries;

  CompletionCache(int capacity) {
    this.capacity = capacity;
    this.entries = new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
        return size() > CompletionCache.this.capacity;
      }
    };
  }

  static String key(UUID projectId, String model, Optional<String> language, String prefix, String suffix) {
    MessageDigest sha;
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    for (String part : new String[] {
      projectId.toString(), model, language.orElse(""),
      prefix.substring(Math.max(0, prefix.length() - PREFIX_KEY_CHARS)),
      suffix.substring(0, Math.min(suffix.length(), SUFFIX_KEY_CHARS))
    }) {
      byte[] bytes = part.getBytes(StandardCharsets.UTF_8);
      // the length first, so that no two different splits of the same characters collide
      sha.update(Integer.toString(bytes.length).getBytes(StandardCharsets.US_ASCII));
      sha.update((byte) ':');
      sha.update(bytes);
    }
    return HexFormat.of().formatHex(sha.digest());
  }

  synchronized Optional<String> get(String key) {
    return capacity == 0 ? Optional.empty() : Optional.ofNullable(entries.get(key));
  }

  synchronized void put(String key, String completion) {
    if (capacity > 0) {
      entries.put(key, completion);
    }
  }

  synchronized int size() {
    return entries.size();
  }
}
