package dev.ensemble.sync;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * What one writer-to-many-receivers run measured. The writer stamps each edit's send time in
 * {@link #sentAt}; a receiver that applied a server message and now holds edits up to k notes,
 * for each edit it had not seen, the time since that edit was sent (same JVM, same clock).
 */
final class BenchFanout {
  final int clients;
  final int rate;
  final int total;
  final int warmEdits;
  final AtomicLongArray sentAt;
  private final List<Receiver> receivers = new ArrayList<>();
  volatile long windowStart;
  volatile long windowEnd;
  double serverCpu;
  double clientCpu;
  double drainedAfter;
  long[] heap;
  long closed;
  long writerSent;
  long writerMadeInWindow;
  long writerReceived;

  BenchFanout(int clients, int rate, int total, int warmEdits) {
    this.clients = clients;
    this.rate = rate;
    this.total = total;
    this.warmEdits = warmEdits;
    this.sentAt = new AtomicLongArray(total);
  }

  Receiver receiver() {
    Receiver r = new Receiver();
    receivers.add(r);
    return r;
  }

  boolean allSeen() {
    return receivers.stream().allMatch(r -> r.seen == total);
  }

  /** One receiver's record; touched only on that receiver's context until the run ends. */
  final class Receiver {
    private volatile long seen;
    private long[] latencies = new long[1024];
    private int count;
    private long deliveredInWindow;
    private long messages;

    /** The receiver now holds the first {@code edits} edits. */
    void seen(long edits, long now) {
      if (now >= windowStart && now < windowEnd) {
        messages++;
      }
      for (long k = seen; k < Math.min(edits, total); k++) {
        if (k >= warmEdits) {
          if (count == latencies.length) {
            latencies = java.util.Arrays.copyOf(latencies, count * 2);
          }
          latencies[count++] = now - sentAt.get((int) k);
        }
        if (now >= windowStart && now < windowEnd) {
          deliveredInWindow++;
        }
      }
      seen = Math.max(seen, Math.min(edits, total));
    }
  }

  /** Edits the writer had made by then. */
  long madeBy(long nanos) {
    long n = 0;
    for (int k = 0; k < total; k++) {
      long t = sentAt.get(k);
      if (t != 0 && t < nanos) {
        n++;
      }
    }
    return n;
  }

  void print() {
    int n = receivers.stream().mapToInt(r -> r.count).sum();
    long[] all = new long[n];
    int at = 0;
    long delivered = 0;
    long messages = 0;
    long missing = 0;
    for (Receiver r : receivers) {
      System.arraycopy(r.latencies, 0, all, at, r.count);
      at += r.count;
      delivered += r.deliveredInWindow;
      messages += r.messages;
      missing += total - r.seen;
    }
    double window = (windowEnd - windowStart) / 1e9;
    System.out.printf("edit → applied at each receiver: %s%n", BenchStats.of(all));
    System.out.printf("delivered: %.0f edits/s (offered %d × %d receivers = %d/s); %.0f server messages/s applied"
            + " by receivers; %.1f edits per message%n",
        delivered / window, rate, receivers.size(), rate * receivers.size(), messages / window,
        delivered / (double) Math.max(1, messages));
    System.out.printf("CPU in the window: server %.0f%% of one core, clients (this JVM) %.0f%%; server heap after"
            + " GC %.0f MiB%n", serverCpu * 100, clientCpu * 100, SyncBenchmark.mib(heap[0]));
    System.out.printf("writer: %d edits, %d messages sent, %d received; reached %.0f edits/s in the window%n", total,
        writerSent, writerReceived, writerMadeInWindow / window);
    System.out.printf("all receivers caught up %.0f ms after the last edit%s%s%n", drainedAfter,
        missing == 0 ? "" : "; NOT caught up: " + missing + " edits missing",
        closed == 0 ? "" : "; " + closed + " connections closed by the server");
  }
}
