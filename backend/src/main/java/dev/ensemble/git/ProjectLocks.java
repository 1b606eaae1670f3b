package dev.ensemble.git;

import io.vertx.core.Future;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/** One git operation per project at a time: each waits for the one before it, whatever its outcome. */
final class ProjectLocks {
  private final Map<UUID, Future<?>> tails = new ConcurrentHashMap<>();

  <T> Future<T> run(UUID projectId, Supplier<Future<T>> operation) {
    Future<?>[] mine = new Future<?>[1];
    tails.compute(projectId, (id, tail) -> {
      Future<?> before = tail == null ? Future.succeededFuture() : tail;
      mine[0] = before.transform(x -> {
        try {
          return operation.get();
        } catch (RuntimeException e) {
          return Future.failedFuture(e);
        }
      });
      return mine[0];
    });
    @SuppressWarnings("unchecked")
    Future<T> result = (Future<T>) mine[0];
    // The last operation of a project removes its entry, so idle projects hold no memory.
    result.onComplete(x -> tails.remove(projectId, result));
    return result;
  }
}
