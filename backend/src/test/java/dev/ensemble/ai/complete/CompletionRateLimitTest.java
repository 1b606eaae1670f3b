package dev.ensemble.ai.complete;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class CompletionRateLimitTest {
  private static final long SECOND = 1_000_000_000L;

  @Test
  void aUserOverTheLimitWaitsUntilTheOldestRequestIsAMinuteOld() {
    AtomicLong now = new AtomicLong(0);
    CompletionRateLimit limit = new CompletionRateLimit(2, now::get);
    UUID alice = UUID.randomUUID();
    assertEquals(Optional.empty(), limit.acquire(alice));
    now.set(10 * SECOND);
    assertEquals(Optional.empty(), limit.acquire(alice));
    now.set(20 * SECOND);
    assertEquals(Optional.of(40L), limit.acquire(alice));
    assertEquals(Optional.empty(), limit.acquire(UUID.randomUUID()), "per user");
    now.set(60 * SECOND);
    assertEquals(Optional.empty(), limit.acquire(alice));
  }

  @Test
  void zeroMeansNoLimit() {
    CompletionRateLimit limit = new CompletionRateLimit(0, () -> 0);
    UUID bob = UUID.randomUUID();
    for (int i = 0; i < 1000; i++) {
      assertEquals(Optional.empty(), limit.acquire(bob));
    }
  }
}
