package dev.ensemble.runs;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Figures for docs/benchmarks.md (not a JUnit test): sandbox start overhead, and output throughput
 * to ten viewers whose deliveries hop onto a Vert.x event loop, with the loop's worst lag measured.
 */
public final class RunBenchmark {
  private static final int STARTS = 20;
  private static final long OUTPUT = 100L * 1024 * 1024;
  private static final int VIEWERS = 10;

  public static void main(String[] args) throws Exception {
    RunSandbox sandbox = Sandboxes.sandbox();
    System.out.println("isolation: " + sandbox.description());
    RunLimits limits = Sandboxes.limits().withOutputBytes(2 * OUTPUT);
    try (RunSupervisor supervisor = new RunSupervisor(sandbox, limits, new RunQueue(1, 1, 1, 10))) {
      Path ws = Sandboxes.workspace(sandbox);
      startOverhead(supervisor, ws);
      throughput(supervisor, ws);
    }
    System.exit(0);
  }

  private static void startOverhead(RunSupervisor supervisor, Path ws) throws Exception {
    List<Double> outside = new ArrayList<>();
    List<Double> inside = new ArrayList<>();
    for (int i = 0; i < STARTS + 3; i++) {
      long t0 = System.nanoTime();
      Process p = new ProcessBuilder("/usr/bin/python3", "-c", "pass").start();
      p.waitFor();
      double plain = (System.nanoTime() - t0) / 1e6;
      t0 = System.nanoTime();
      Run run = supervisor.submit(RunRequest.of(UUID.randomUUID(), UUID.randomUUID(), "python3 -c pass", ws));
      RunResult r = run.finished().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
      double sandboxed = (System.nanoTime() - t0) / 1e6;
      if (r.status() != RunStatus.SUCCEEDED) {
        throw new IllegalStateException("run failed: " + r);
      }
      if (i >= 3) { // the first few warm up the JVM and the page cache
        outside.add(plain);
        inside.add(sandboxed);
      }
    }
    double in = median(inside);
    double out = median(outside);
    System.out.printf("start: python3 -c pass, median of %d: outside %.1f ms, inside (submit to result) %.1f ms,"
        + " overhead %.1f ms%n", STARTS, out, in, in - out);
  }

  private static void throughput(RunSupervisor supervisor, Path ws) throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      Context loop = vertx.getOrCreateContext();
      AtomicLong worstLagNanos = new AtomicLong();
      long[] last = {System.nanoTime()};
      long period = 5;
      long timer = vertx.setPeriodic(period, id -> {
        long now = System.nanoTime();
        worstLagNanos.accumulateAndGet(now - last[0] - TimeUnit.MILLISECONDS.toNanos(period), Math::max);
        last[0] = now;
      });
      Run run = supervisor.submit(
          RunRequest.of(UUID.randomUUID(), UUID.randomUUID(), "head -c " + OUTPUT + " /dev/zero", ws));
      long t0 = System.nanoTime();
      List<CompletableFuture<Long>> received = new ArrayList<>();
      for (int i = 0; i < VIEWERS; i++) {
        CompletableFuture<Long> done = new CompletableFuture<>();
        received.add(done);
        long[] bytes = {0};
        run.log().subscribe(0, new RunSubscriber() {
          @Override
          public void onChunk(RunChunk chunk) {
            loop.runOnContext(v -> bytes[0] += chunk.data().length);
          }

          @Override
          public void onEnd(RunResult result) {
            loop.runOnContext(v -> done.complete(bytes[0]));
          }
        });
      }
      for (CompletableFuture<Long> f : received) {
        long got = f.get(120, TimeUnit.SECONDS);
        if (got != OUTPUT) {
          throw new IllegalStateException("a viewer got " + got + " bytes");
        }
      }
      double seconds = (System.nanoTime() - t0) / 1e9;
      vertx.cancelTimer(timer);
      System.out.printf("throughput: %d MB to %d viewers in %.2f s = %.1f MB/s per viewer (%.1f MB/s delivered);"
          + " worst event-loop lag %.1f ms%n", OUTPUT >> 20, VIEWERS, seconds, (OUTPUT >> 20) / seconds,
          VIEWERS * (OUTPUT >> 20) / seconds, Math.max(0, worstLagNanos.get()) / 1e6);
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  private static double median(List<Double> values) {
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }
}
