package dev.ensemble.sync;

import java.util.Arrays;

/** Percentiles of durations in nanoseconds, printed in milliseconds (nearest-rank). */
record BenchStats(int count, double p50, double p99, double max) {
  static BenchStats of(long[] nanos) {
    long[] s = nanos.clone();
    Arrays.sort(s);
    if (s.length == 0) {
      return new BenchStats(0, Double.NaN, Double.NaN, Double.NaN);
    }
    return new BenchStats(s.length, rank(s, 0.50), rank(s, 0.99), s[s.length - 1] / 1e6);
  }

  private static double rank(long[] sorted, double q) {
    int i = (int) Math.ceil(q * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))] / 1e6;
  }

  @Override
  public String toString() {
    return String.format("p50 %.2f ms, p99 %.2f ms, max %.2f ms (n=%d)", p50, p99, max, count);
  }
}
