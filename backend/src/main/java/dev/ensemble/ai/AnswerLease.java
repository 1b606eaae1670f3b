package dev.ensemble.ai;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers whose node went away. Each answer names the node writing it; with several nodes, each
 * node confirms in the store that it is alive every quarter of {@code orphanAfter}, and ends as
 * interrupted (the text stored so far kept) the answers of nodes that stopped confirming for
 * {@code orphanAfter}, then tells every node's subscribers. A node alone ends at start-up every
 * answer a previous run of it left streaming.
 */
public final class AnswerLease {
  private static final Logger log = LoggerFactory.getLogger(AnswerLease.class);

  private final Vertx vertx;
  private final ChatStore store;
  private final ChatFanOut fanOut;
  private final Duration orphanAfter;
  private final boolean singleNode;
  private long timer = -1;

  public AnswerLease(Vertx vertx, ChatStore store, ChatFanOut fanOut, Duration orphanAfter, boolean singleNode) {
    this.vertx = vertx;
    this.store = store;
    this.fanOut = fanOut;
    this.orphanAfter = orphanAfter;
    this.singleNode = singleNode;
  }

  /**
   * Confirms this node and ends what is orphaned now; with several nodes, goes on doing so every
   * quarter of {@code orphanAfter}. Never fails: a failed round is logged and the next one tries again.
   */
  public Future<Void> start() {
    if (singleNode) {
      // nobody else writes answers: whatever is streaming was left by a previous run of this node
      return endOrphans(Duration.ZERO);
    }
    long every = Math.max(1_000, orphanAfter.toMillis() / 4);
    timer = vertx.setPeriodic(every, t -> renewAndEndOrphans());
    return renewAndEndOrphans();
  }

  /** Stops confirming; other nodes end this node's unfinished answers once {@code orphanAfter} has passed. */
  public void close() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
  }

  private Future<Void> renewAndEndOrphans() {
    return store.renewLease()
        .onFailure(e -> log.warn("confirming this node's answers failed: {}", e.toString()))
        .transform(v -> endOrphans(orphanAfter));
  }

  private Future<Void> endOrphans(Duration silentFor) {
    return store.endOrphans(silentFor)
        .onSuccess(ended -> ended.forEach(a -> {
          log.warn("answer {} in thread {} was written by a node that went away; ended as interrupted",
              a.messageId(), a.threadId());
          fanOut.interrupted(a);
        }))
        .onFailure(e -> log.warn("ending answers of nodes that went away failed: {}", e.toString()))
        .<Void>mapEmpty()
        .otherwiseEmpty();
  }
}
