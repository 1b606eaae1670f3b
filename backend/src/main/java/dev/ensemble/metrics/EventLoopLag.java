package dev.ensemble.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Measures how late a periodic timer fires on an event loop: a direct reading of how long that loop
 * was kept busy. Exposed as {@code ensemble_event_loop_lag_seconds{loop=...}}.
 */
public final class EventLoopLag {
  private static final long PERIOD_MS = 200;

  private EventLoopLag() {}

  /** Starts measuring the event loop of the given context (call from that context). */
  public static long watch(Vertx vertx, Context context, MeterRegistry registry, String loop) {
    AtomicLong lagNanos = new AtomicLong();
    Gauge.builder("ensemble.event.loop.lag", lagNanos, v -> v.get() / 1e9)
        .baseUnit("seconds")
        .description("How late the last periodic check ran on this event loop")
        .tag("loop", loop)
        .register(registry);
    AtomicLong expected = new AtomicLong(System.nanoTime() + PERIOD_MS * 1_000_000);
    return vertx.setPeriodic(
        PERIOD_MS,
        id -> {
          long now = System.nanoTime();
          lagNanos.set(Math.max(0, now - expected.get()));
          expected.set(now + PERIOD_MS * 1_000_000);
        });
  }
}
