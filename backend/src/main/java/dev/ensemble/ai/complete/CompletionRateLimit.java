package dev.ensemble.ai.complete;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.LongSupplier;

/**
 * Completions one user may ask for in any 60 seconds. Kept in memory: completions are asked for
 * on almost every pause in typing, too often to count rows in the database as the chat limit does,
 * so the limit holds per node.
 */
final class CompletionRateLimit {
  private static final long WINDOW_NANOS = 60_000_000_000L;

  private final int perMinute;
  private final LongSupplier nanoClock;
  private final Map<UUID, ArrayDeque<Long>> recent = new HashMap<>();

  CompletionRateLimit(int perMinute, LongSupplier nanoClock) {
    this.perMinute = perMinute;
    this.nanoClock = nanoClock;
  }

  /** Counts a request; when over the limit, the seconds until one is allowed again. */
  synchronized Optional<Long> acquire(UUID userId) {
    if (perMinute == 0) {
      return Optional.empty();
    }
    long now = nanoClock.getAsLong();
    ArrayDeque<Long> times = recent.computeIfAbsent(userId, u -> new ArrayDeque<>());
    while (!times.isEmpty() && now - times.peekFirst() >= WINDOW_NANOS) {
      times.pollFirst();
    }
    if (times.size() >= perMinute) {
      long wait = WINDOW_NANOS - (now - times.peekFirst());
      return Optional.of(Math.max(1, (wait + 999_999_999L) / 1_000_000_000L));
    }
    times.addLast(now);
    if (recent.size() > 10_000) {
      // forget users who have not asked for a minute, so the map cannot grow without bound
      recent.values().removeIf(t -> t.isEmpty() || now - t.peekLast() >= WINDOW_NANOS);
    }
    return Optional.empty();
  }
}
