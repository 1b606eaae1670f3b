package dev.ensemble.identity;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Counts failed login attempts per account and per client address in a sliding window. Kept per
 * node: with N nodes an attacker gets at most N times the limit, which the limits allow for.
 */
public final class LoginThrottle {
  private final int perAccount;
  private final int perIp;
  private final Duration window;
  private final Clock clock;
  private final Map<String, Deque<Long>> attempts = new ConcurrentHashMap<>();

  public LoginThrottle(int perAccount, int perIp, Duration window, Clock clock) {
    this.perAccount = perAccount;
    this.perIp = perIp;
    this.window = window;
    this.clock = clock;
  }

  /** Seconds until another attempt is allowed, or 0 when it is allowed now. */
  public long retryAfter(String username, String ip) {
    long now = clock.millis();
    return Math.max(wait("u:" + username.toLowerCase(), perAccount, now), wait("ip:" + ip, perIp, now));
  }

  public void recordFailure(String username, String ip) {
    long now = clock.millis();
    record("u:" + username.toLowerCase(), now);
    record("ip:" + ip, now);
    if (attempts.size() > 100_000) {
      attempts.entrySet().removeIf(e -> expire(e.getValue(), now).isEmpty());
    }
  }

  /** A successful login clears the account's failures (not the address's). */
  public void recordSuccess(String username) {
    attempts.remove("u:" + username.toLowerCase());
  }

  private long wait(String key, int limit, long now) {
    Deque<Long> q = attempts.get(key);
    if (q == null) {
      return 0;
    }
    synchronized (q) {
      expire(q, now);
      if (q.size() < limit) {
        return 0;
      }
      long oldest = q.peekFirst();
      return Math.max(1, (oldest + window.toMillis() - now + 999) / 1000);
    }
  }

  private void record(String key, long now) {
    Deque<Long> q = attempts.computeIfAbsent(key, k -> new ArrayDeque<>());
    synchronized (q) {
      expire(q, now);
      q.addLast(now);
    }
  }

  private Deque<Long> expire(Deque<Long> q, long now) {
    synchronized (q) {
      while (!q.isEmpty() && q.peekFirst() <= now - window.toMillis()) {
        q.pollFirst();
      }
      return q;
    }
  }
}
