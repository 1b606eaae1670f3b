package dev.ensemble.sync;

import org.automerge.SyncState;

/**
 * What a document knows about syncing with one peer: the Automerge {@link SyncState} and whether
 * the peer still owes a reply to changes we sent it. Only touched on the document's executor.
 *
 * <p>Flow control: while a message carrying changes is unanswered, new changes of the document are
 * not pushed to this peer; they ride on the answer to the peer's reply instead. A stock client
 * answers every message that brings it changes, so a fast peer sees every batch at once and a slow
 * one gets fewer, larger messages instead of one per batch (applying a message costs a client time
 * that grows with the document's history, so a queue of small ones falls ever further behind). A
 * peer that does not answer within the reply wait is pushed to anyway.
 */
final class PeerSync {
  final SyncState state = new SyncState();
  /** When the unanswered message carrying changes was sent (System.nanoTime), or -1. */
  private long awaitingSince = -1;
  /** New changes were held back while awaiting. */
  private boolean behind;

  /** The peer sent something: whatever it answers, it is listening again. */
  void heard() {
    awaitingSince = -1;
  }

  /** A message carrying changes went out. */
  void sentChanges(long now) {
    awaitingSince = now;
    behind = false;
  }

  /** A message without changes went out, or none was needed: nothing is held back any more. */
  void caughtUp() {
    behind = false;
  }

  /** Whether the document's new changes may be pushed now; if not, remembers to push them later. */
  boolean mayPush(long now, long replyWaitNanos) {
    if (awaitingSince < 0 || now - awaitingSince >= replyWaitNanos) {
      return true;
    }
    behind = true;
    return false;
  }

  /** Changes were held back and the reply wait (measured from now) has not run out. */
  boolean behind() {
    return behind;
  }

  /** Nanoseconds until the reply wait ends (0 when not awaiting). */
  long waitLeft(long now, long replyWaitNanos) {
    return awaitingSince < 0 ? 0 : Math.max(0, awaitingSince + replyWaitNanos - now);
  }

  void free() {
    state.free();
  }
}
