package dev.ensemble.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class OrderedExecutorTest {
  @Test
  void tasksRunOneAtATimeInTheOrderTheyCame() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      OrderedExecutor exec = new OrderedExecutor(pool);
      List<Integer> seen = new CopyOnWriteArrayList<>();
      CountDownLatch done = new CountDownLatch(1);
      for (int i = 0; i < 1000; i++) {
        int n = i;
        exec.execute(() -> seen.add(n));
      }
      exec.execute(done::countDown);
      assertEquals(true, done.await(10, TimeUnit.SECONDS));
      for (int i = 0; i < 1000; i++) {
        assertEquals(i, seen.get(i));
      }
    } finally {
      pool.shutdownNow();
    }
  }

  /** A node stopping shuts the pool down while documents still hand it work: no exception escapes. */
  @Test
  void workHandedToAStoppedPoolIsDroppedQuietly() throws Exception {
    ExecutorService pool = Executors.newSingleThreadExecutor();
    OrderedExecutor exec = new OrderedExecutor(pool);
    pool.shutdown();
    pool.awaitTermination(5, TimeUnit.SECONDS);
    List<Integer> seen = new CopyOnWriteArrayList<>();
    exec.execute(() -> seen.add(1));
    exec.execute(() -> seen.add(2));
    assertEquals(List.of(), seen);
  }
}
