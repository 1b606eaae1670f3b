package dev.ensemble.identity;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Counts login attempts per account and per client address in a sliding window. Kept per
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

  /**
   * Counts an attempt unless the account or address is over its limit, in one step so that
   * concurrent guesses cannot all pass the check before any is counted. Returns 0 when the attempt
   * may go ahead, else the seconds until one may.
   */
  public long tryAcquire(String username, String ip) {
    long now = clock.millis();
    Deque<Long> account = attempts.computeIfAbsent(accountKey(username), k -> new ArrayDeque<>());
    Deque<Long> address = attempts.computeIfAbsent("ip:" + ip, k -> new ArrayDeque<>());
    // Lock in a fixed order (account, then address) so two requests never wait on each other.
    synchronized (account) {
      synchronized (address) {
        long wait = Math.max(wait(account, perAccount, now), wait(address, perIp, now));
        if (wait > 0) {
          return wait;
        }
        account.addLast(now);
        address.addLast(now);
      }
    }
    if (attempts.size() > 100_000) {
      attempts.entrySet().removeIf(e -> expire(e.getValue(), now).isEmpty());
    }
    return 0;
  }

  /**
   * A successful login clears the account's attempts and takes its own attempt back from the
   * address, so people sharing an address only spend its budget on failures.
   */
  public void recordSuccess(String username, String ip) {
    attempts.remove(accountKey(username));
    Deque<Long> address = attempts.get("ip:" + ip);
    if (address != null) {
      synchronized (address) {
        address.pollLast();
      }
    }
  }

  private static String accountKey(String username) {
    return "u:" + username.toLowerCase(java.util.Locale.ROOT);
  }

  private long wait(Deque<Long> q, int limit, long now) {
    expire(q, now);
    if (q.size() < limit) {
      return 0;
    }
    long oldest = q.peekFirst();
    return Math.max(1, (oldest + window.toMillis() - now + 999) / 1000);
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
