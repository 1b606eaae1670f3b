package dev.ensemble.runs;

import dev.ensemble.cluster.Bus;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs across nodes, over the {@link Bus}. The node running a run publishes its output, in order,
 * and then its end on {@code run:<id>}, and answers cancel requests on {@code run-control:<id>};
 * other nodes watch {@code run:<id>} for their viewers and ask on {@code run-control:<id>}.
 *
 * <p>The bus is the fast path and may lose messages; the store has everything. So the end is
 * published only once the run's output and end are stored: a viewer that hears it, or that finds
 * the run ended in the store right after subscribing, can complete what it missed from the store.
 * Chunks relayed to a viewer may skip (a lost message, or a batch dropped because the bus fell
 * more than {@code maxPendingBytes} behind); viewers fill such gaps from the store.
 */
final class RunRelay {
  private static final Logger log = LoggerFactory.getLogger(RunRelay.class);

  private final Vertx vertx;
  private final Bus bus;
  private final RunStore store;
  private final long maxPendingBytes;
  private final Duration cancelWait;
  private final Map<UUID, Future<Bus.Subscription>> hosted = new ConcurrentHashMap<>();
  private final Set<RemoteWatch> watches = ConcurrentHashMap.newKeySet();
  /** Ends not yet told to the other nodes. */
  private final Set<Future<Void>> ending = ConcurrentHashMap.newKeySet();

  RunRelay(Vertx vertx, Bus bus, RunStore store, long maxPendingBytes, Duration cancelWait) {
    this.vertx = vertx;
    this.bus = bus;
    this.store = store;
    this.maxPendingBytes = maxPendingBytes;
    this.cancelWait = cancelWait;
    // Messages may have been lost: a watched run that ended meanwhile is ended from the store.
    bus.onGap(() -> watches.forEach(RemoteWatch::endIfStored));
  }

  // ---- the node running the run ----------------------------------------------------------------

  /**
   * Takes cancel requests for a run this node holds, answering with {@code cancel}; completes once
   * other nodes can reach it.
   */
  Future<Void> host(UUID runId, Predicate<UUID> cancel) {
    String topic = controlTopic(runId);
    Future<Bus.Subscription> sub = bus.subscribe(topic, payload -> {
      if (RunBusMessage.decode(payload).orElse(null) instanceof RunBusMessage.CancelRequest q) {
        boolean cancelled = cancel.test(runId);
        publish(topic, new RunBusMessage.CancelReply(q.requestId(), cancelled));
      }
    });
    hosted.put(runId, sub);
    return sub.<Void>mapEmpty().recover(e -> {
      log.warn("run {} cannot be cancelled from other nodes: {}", runId, e.toString());
      return Future.succeededFuture();
    });
  }

  /** Publishes a run's output as it comes; subscribe it to the run's log from the start. */
  RunSubscriber broadcast(UUID runId) {
    return new Broadcast(runId);
  }

  /**
   * The run has ended: once {@code stored} (its output and end are in the store) and what {@code
   * broadcast} still had to send is sent, tells the other nodes and stops taking cancel requests.
   */
  void ended(UUID runId, RunResult result, Future<Void> stored, Optional<RunSubscriber> broadcast) {
    Future<Void> sent = broadcast.map(b -> ((Broadcast) b).drained.future()).orElse(Future.succeededFuture());
    Future<Void> told = Future.join(stored, sent).transform(ar -> {
      Future<Bus.Subscription> sub = hosted.remove(runId);
      if (sub != null) {
        sub.onSuccess(Bus.Subscription::cancel);
      }
      return bus.publish(runTopic(runId), RunBusMessage.encode(new RunBusMessage.Ended(result)));
    });
    ending.add(told);
    told.onComplete(ar -> {
      ending.remove(told);
      if (ar.failed()) {
        log.warn("telling other nodes that run {} ended failed: {}", runId, ar.cause().toString());
      }
    });
  }

  /** Completes once the ends of runs that have ended are told (or could not be), at most {@code wait}. */
  Future<Void> settled(Duration wait) {
    return Future.join(List.copyOf(ending)).<Void>mapEmpty().timeout(wait.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)
        .otherwiseEmpty();
  }

  /** A run another node held was ended in the store (its node went away): its watchers hear it. */
  void endedInStore(RunStore.StoredRun run) {
    publish(runTopic(run.id()), new RunBusMessage.Ended(result(run)));
  }

  // ---- other nodes -----------------------------------------------------------------------------

  /**
   * Relays a run held by another node to {@code viewer}: chunks as they come (possibly with gaps),
   * then the end. Subscribes first, then checks the store, so an end published meanwhile is not
   * missed.
   */
  Future<RunWatch> watch(UUID runId, RunSubscriber viewer) {
    RemoteWatch w = new RemoteWatch(runId, viewer);
    return bus.subscribe(runTopic(runId), w::onMessage).map(sub -> {
      w.subscription = sub;
      watches.add(w);
      w.endIfStored();
      return w;
    });
  }

  /**
   * Asks the node holding a run to cancel it; false when it says no or nobody answers within the
   * cancel wait (the run ended meanwhile, or its node is gone).
   */
  Future<Boolean> requestCancel(UUID runId) {
    String topic = controlTopic(runId);
    String requestId = UUID.randomUUID().toString();
    Promise<Boolean> answer = Promise.promise();
    return bus.subscribe(topic, payload -> {
      if (RunBusMessage.decode(payload).orElse(null) instanceof RunBusMessage.CancelReply a
          && a.requestId().equals(requestId)) {
        answer.tryComplete(a.cancelled());
      }
    }).compose(sub -> {
      long timer = vertx.setTimer(cancelWait.toMillis(), t -> answer.tryComplete(false));
      bus.publish(topic, RunBusMessage.encode(new RunBusMessage.CancelRequest(requestId)))
          .onFailure(e -> answer.tryComplete(false));
      return answer.future().onComplete(x -> {
        vertx.cancelTimer(timer);
        sub.cancel();
      });
    });
  }

  static RunResult result(RunStore.StoredRun run) {
    return new RunResult(run.status(), run.exitCode(), run.startedAt().orElse(run.createdAt()),
        run.durationMs().orElse(0L), run.outputBytes(), run.truncated());
  }

  private void publish(String topic, RunBusMessage message) {
    bus.publish(topic, RunBusMessage.encode(message))
        .onFailure(e -> log.warn("publishing on {} failed: {}", topic, e.toString()));
  }

  private static String runTopic(UUID runId) {
    return "run:" + runId;
  }

  private static String controlTopic(UUID runId) {
    return "run-control:" + runId;
  }

  /**
   * A run's output on its way to the bus: one publish in flight, chunks that arrive meanwhile go in
   * the next, so batches grow with the output rate and one run's messages arrive in order. When
   * more than {@code maxPendingBytes} wait, the oldest are dropped: viewers read them from the store.
   */
  private final class Broadcast implements RunSubscriber {
    private final String topic;
    private final Promise<Void> drained = Promise.promise();
    private List<RunChunk> pending = new ArrayList<>();
    private long pendingBytes;
    private boolean publishing;
    private boolean ended;

    Broadcast(UUID runId) {
      this.topic = runTopic(runId);
    }

    @Override
    public void onChunk(RunChunk chunk) {
      synchronized (this) {
        pending.add(chunk);
        pendingBytes += chunk.data().length;
        while (pendingBytes > maxPendingBytes && pending.size() > 1) {
          pendingBytes -= pending.remove(0).data().length;
        }
        if (publishing) {
          return;
        }
        publishing = true;
      }
      next();
    }

    @Override
    public void onEnd(RunResult result) {
      synchronized (this) {
        ended = true;
        if (publishing) {
          return;
        }
        publishing = true;
      }
      next();
    }

    /** Publishes what is pending; called with {@code publishing} set and no lock held. */
    private void next() {
      List<RunChunk> batch;
      boolean end;
      synchronized (this) {
        batch = pending;
        pending = new ArrayList<>();
        pendingBytes = 0;
        end = ended;
        if (batch.isEmpty()) {
          publishing = false;
        }
      }
      if (batch.isEmpty()) {
        if (end) {
          drained.tryComplete();
        }
        return;
      }
      bus.publish(topic, RunBusMessage.encode(new RunBusMessage.Output(batch))).onComplete(ar -> {
        if (ar.failed()) {
          log.debug("publishing output on {} failed: {}", topic, ar.cause().toString());
        }
        next();
      });
    }
  }

  /** One viewer of a run held by another node. */
  private final class RemoteWatch implements RunWatch {
    private final UUID runId;
    private final RunSubscriber viewer;
    private volatile Bus.Subscription subscription;
    private volatile boolean cancelled;

    RemoteWatch(UUID runId, RunSubscriber viewer) {
      this.runId = runId;
      this.viewer = viewer;
    }

    void onMessage(byte[] payload) {
      if (cancelled) {
        return;
      }
      RunBusMessage message = RunBusMessage.decode(payload).orElse(null);
      if (message instanceof RunBusMessage.Output o) {
        o.chunks().forEach(viewer::onChunk);
      } else if (message instanceof RunBusMessage.Ended e) {
        viewer.onEnd(e.result());
      }
    }

    /** Ends the viewer when the store says the run has ended (or is gone). */
    void endIfStored() {
      store.find(runId).onSuccess(found -> {
        if (!cancelled && found.map(r -> r.status().isFinal()).orElse(true)) {
          viewer.onEnd(found.map(RunRelay::result).orElseGet(
              () -> new RunResult(RunStatus.KILLED, Optional.empty(), java.time.Instant.now(), 0, 0, false)));
        }
      });
    }

    @Override
    public void cancel() {
      cancelled = true;
      watches.remove(this);
      Bus.Subscription s = subscription;
      if (s != null) {
        s.cancel();
      }
    }
  }
}
