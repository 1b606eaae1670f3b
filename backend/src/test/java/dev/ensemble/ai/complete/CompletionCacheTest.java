package dev.ensemble.ai.complete;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class CompletionCacheTest {
  private static final UUID PROJECT = UUID.randomUUID();

  @Test
  void theLeastRecentlyUsedEntryGoesFirst() {
    CompletionCache cache = new CompletionCache(2);
    cache.put("a", "1");
    cache.put("b", "2");
    cache.get("a");
    cache.put("c", "3");
    assertEquals(Optional.of("1"), cache.get("a"));
    assertEquals(Optional.empty(), cache.get("b"));
    assertEquals(Optional.of("3"), cache.get("c"));
    assertEquals(2, cache.size());
  }

  @Test
  void sizeZeroTurnsTheCacheOff() {
    CompletionCache cache = new CompletionCache(0);
    cache.put("a", "1");
    assertEquals(Optional.empty(), cache.get("a"));
  }

  @Test
  void theKeyIsTheCodeNearestTheCursor() {
    String near = "x".repeat(CompletionCache.PREFIX_KEY_CHARS);
    assertEquals(
        CompletionCache.key(PROJECT, "m", Optional.empty(), "far away A" + near, "tail"),
        CompletionCache.key(PROJECT, "m", Optional.empty(), "far away B" + near, "tail"));
    assertNotEquals(
        CompletionCache.key(PROJECT, "m", Optional.empty(), "ab", "c"),
        CompletionCache.key(PROJECT, "m", Optional.empty(), "a", "bc"));
    assertNotEquals(
        CompletionCache.key(PROJECT, "m", Optional.empty(), "a", "b"),
        CompletionCache.key(PROJECT, "other", Optional.empty(), "a", "b"));
    assertNotEquals(
        CompletionCache.key(PROJECT, "m", Optional.empty(), "a", "b"),
        CompletionCache.key(UUID.randomUUID(), "m", Optional.empty(), "a", "b"));
  }
}
