package dev.ensemble.sync;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs tasks one at a time, in submission order, on a shared pool: a document's own thread without
 * a thread per document. Each run hands over with a CAS, so every task sees what earlier ones wrote.
 */
final class OrderedExecutor implements Executor {
  private static final Logger log = LoggerFactory.getLogger(OrderedExecutor.class);
  /** Tasks run before yielding the pool thread to other documents. */
  private static final int BATCH = 64;

  private final Executor pool;
  private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean scheduled = new AtomicBoolean();

  OrderedExecutor(Executor pool) {
    this.pool = pool;
  }

  @Override
  public void execute(Runnable task) {
    tasks.add(task);
    schedule();
  }

  private void schedule() {
    if (scheduled.compareAndSet(false, true)) {
      try {
        pool.execute(this::run);
      } catch (RejectedExecutionException stopping) {
        // The pool is shut down: the node is stopping and nothing runs any more (what was stored
        // is safe; what was not was never acknowledged). Callers need not hear of it.
        scheduled.set(false);
        int dropped = tasks.size();
        tasks.clear();
        log.debug("document pool stopped; {} task(s) dropped", dropped);
      }
    }
  }

  private void run() {
    try {
      for (int i = 0; i < BATCH; i++) {
        Runnable task = tasks.poll();
        if (task == null) {
          break;
        }
        try {
          task.run();
        } catch (RuntimeException e) {
          log.error("document task failed", e);
        }
      }
    } finally {
      scheduled.set(false);
      if (!tasks.isEmpty()) {
        schedule();
      }
    }
  }
}
