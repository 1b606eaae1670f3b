package dev.ensemble.git;

import dev.ensemble.http.ApiException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * Follows one git job for its owner: the listener gets the job's JSON at once and again whenever it
 * changes, until the job finishes or {@link #stop} is called. A job running on this node announces
 * each change on the event bus (so progress arrives as it is recorded); a slow poll of the job's
 * row covers jobs that run on another node, and jobs another node failed because their node went
 * away.
 */
public final class JobWatch {
  private final Vertx vertx;
  private final GitJobStore jobs;
  private final UUID jobId;
  private final UUID userId;
  private final Consumer<JsonObject> listener;
  private final long pollMillis;
  private final Promise<Void> ended = Promise.promise();
  private MessageConsumer<Object> announcements;
  private long timer = -1;
  private String last;
  private boolean reading;
  private boolean again;

  JobWatch(Vertx vertx, GitJobStore jobs, UUID jobId, UUID userId, Consumer<JsonObject> listener, long pollMillis) {
    this.vertx = vertx;
    this.jobs = jobs;
    this.jobId = jobId;
    this.userId = userId;
    this.listener = listener;
    this.pollMillis = pollMillis;
  }

  /** The event-bus address a job's changes are announced on (this node only). */
  static String address(UUID jobId) {
    return "ensemble.git.job." + jobId;
  }

  /** Reads the job (404 when it is not the user's), delivers it, and follows it unless finished. */
  Future<JobWatch> start() {
    return jobs.find(jobId, userId).map(found -> {
      GitJobStore.Job job = found.orElseThrow(() -> ApiException.notFound("job"));
      announcements = vertx.eventBus().localConsumer(address(jobId), m -> refresh());
      timer = vertx.setPeriodic(pollMillis, t -> refresh());
      deliver(job);
      return this;
    });
  }

  /** Completes when the job has finished or the watch was stopped. */
  public Future<Void> ended() {
    return ended.future();
  }

  /** Stops following; idempotent. */
  public void stop() {
    if (announcements != null) {
      announcements.unregister();
      announcements = null;
    }
    if (timer >= 0) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
    ended.tryComplete();
  }

  private void refresh() {
    if (ended.future().isComplete()) {
      return;
    }
    if (reading) {
      again = true; // one more read once this one is back, so no change is missed
      return;
    }
    reading = true;
    jobs.find(jobId, userId).onComplete(ar -> {
      reading = false;
      if (ar.succeeded() && ar.result().isPresent()) {
        deliver(ar.result().get());
      } else if (ar.succeeded()) {
        stop(); // the job is gone (its project was deleted)
      }
      if (again) {
        again = false;
        refresh();
      }
    });
  }

  private void deliver(GitJobStore.Job job) {
    if (ended.future().isComplete()) {
      return;
    }
    JsonObject json = job.toJson();
    String encoded = json.encode();
    if (!encoded.equals(last)) {
      last = encoded;
      listener.accept(json);
    }
    if (job.state().finished()) {
      stop();
    }
  }
}
