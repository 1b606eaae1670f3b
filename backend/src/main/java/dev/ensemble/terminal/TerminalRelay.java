package dev.ensemble.terminal;

import dev.ensemble.cluster.Bus;
import dev.ensemble.terminal.TerminalBusMessage.Backlog;
import dev.ensemble.terminal.TerminalBusMessage.BacklogRequest;
import dev.ensemble.terminal.TerminalBusMessage.Close;
import dev.ensemble.terminal.TerminalBusMessage.Input;
import dev.ensemble.terminal.TerminalBusMessage.Output;
import dev.ensemble.terminal.TerminalBusMessage.Reply;
import dev.ensemble.terminal.TerminalBusMessage.Resize;
import dev.ensemble.terminal.TerminalBusMessage.State;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Shared terminals across nodes, over the {@link Bus} and the {@link TerminalStore}. The node
 * running a project's terminal publishes its states and numbered output, in order, on {@code
 * terminal:<projectId>} and answers requests on {@code terminal-control:<projectId>}: the state and
 * backlog after a number, input, resize, close. Another node keeps a {@link RemoteTerminal} copy for
 * its viewers while it has a live connection of the project, and fills a skipped number, a lost end
 * or whatever the bus lost while reconnecting by asking for the backlog after its newest number.
 * The store decides who may open one: the lease of a node that stops confirming it runs out.
 */
final class TerminalRelay {
  private static final Logger log = LoggerFactory.getLogger(TerminalRelay.class);

  /** What the relay needs of the node's own terminals. */
  interface Host {
    Optional<TerminalSession> local(UUID projectId);

    /** The project's terminal here, or the one that ended here last (to answer late questions). */
    Optional<TerminalSession> localOrRecent(UUID projectId, UUID sessionId);

    /** A terminal of another node opened, resized or ended: tell the project's watchers. */
    void announce(TerminalState state);
  }

  private final Vertx vertx;
  private final Bus bus;
  private final TerminalStore store;
  private final TerminalSettings settings;
  private final Host host;
  private final Map<UUID, Interest> interests = new ConcurrentHashMap<>();
  private final Map<UUID, RemoteTerminal> copies = new ConcurrentHashMap<>();
  private final Map<UUID, Future<Optional<RemoteTerminal>>> joining = new ConcurrentHashMap<>();
  private final Map<String, Promise<TerminalBusMessage>> asked = new ConcurrentHashMap<>();
  private final Map<UUID, Sender> senders = new ConcurrentHashMap<>();
  /** Per project, the question for missed output in flight: the number of bus gaps when it was sent. */
  private final Map<UUID, Long> filling = new ConcurrentHashMap<>();
  private final AtomicLong gaps = new AtomicLong();

  TerminalRelay(Vertx vertx, Bus bus, TerminalStore store, TerminalSettings settings, Host host) {
    this.vertx = vertx;
    this.bus = bus;
    this.store = store;
    this.settings = settings;
    this.host = host;
    // Anything may have been lost, questions in flight and their answers too: every copy asks
    // its terminal's node again for what it missed.
    bus.onGap(() -> {
      gaps.incrementAndGet();
      copies.values().forEach(this::check);
    });
  }

  String nodeId() {
    return bus.nodeId();
  }

  TerminalStore store() {
    return store;
  }

  // ---- interest: this node listens to a project while it has watchers or holds its terminal ----

  /** Listens to the project's terminal topics until the handle is closed. */
  AutoCloseable listen(UUID projectId) {
    Interest i = interests.compute(projectId, (id, cur) -> {
      Interest it = cur == null ? new Interest(projectId) : cur;
      it.count++;
      return it;
    });
    return () -> interests.computeIfPresent(projectId, (id, it) -> {
      if (it != i || --it.count > 0) {
        return it;
      }
      it.cancel();
      copies.remove(projectId);
      return null;
    });
  }

  private final class Interest {
    int count;
    final List<Future<Bus.Subscription>> subs = new ArrayList<>();

    Interest(UUID projectId) {
      subs.add(bus.subscribe(outputTopic(projectId), p -> onOutputTopic(projectId, p)));
      subs.add(bus.subscribe(controlTopic(projectId), p -> onControlTopic(projectId, p)));
    }

    Future<Void> ready() {
      return Future.all(subs).mapEmpty();
    }

    void cancel() {
      subs.forEach(f -> f.onSuccess(Bus.Subscription::cancel));
    }
  }

  // ---- the node running the terminal -----------------------------------------------------------

  /** Publishes the session's states and output, in order, until it ends; subscribe from its start. */
  TerminalSubscriber broadcast(TerminalSession session) {
    return new Broadcast(session);
  }

  /** A state change (open, resize) of a session held here, published after the output before it. */
  void stateChanged(TerminalSubscriber broadcast, TerminalState state) {
    ((Broadcast) broadcast).state(state);
  }

  private void onControlTopic(UUID projectId, byte[] payload) {
    TerminalBusMessage m = TerminalBusMessage.decode(payload).orElse(null);
    if (m == null || m.node().equals(bus.nodeId()) && !(m instanceof Reply || m instanceof Backlog)) {
      return;
    }
    if (m instanceof Reply || m instanceof Backlog) {
      String requestId = m instanceof Reply r ? r.requestId() : ((Backlog) m).requestId();
      Promise<TerminalBusMessage> p = asked.remove(requestId);
      if (p != null) {
        p.tryComplete(m);
      }
    } else if (m instanceof BacklogRequest q) {
      host.localOrRecent(projectId, q.sessionId()).ifPresent(s -> publish(controlTopic(projectId),
          new Backlog(bus.nodeId(), q.requestId(), new State(bus.nodeId(), s.state(), s.lastSeq()),
              s.chunksAfter(q.afterSeq(), (int) Math.min(Integer.MAX_VALUE, settings.backlogBytes())))));
    } else {
      String requestId;
      UUID sessionId;
      Consumer<TerminalSession> action;
      if (m instanceof Input in) {
        requestId = in.requestId();
        sessionId = in.sessionId();
        action = s -> s.input(in.data());
      } else if (m instanceof Resize r) {
        requestId = r.requestId();
        sessionId = r.sessionId();
        action = s -> s.resize(r.size());
      } else if (m instanceof Close c) {
        requestId = c.requestId();
        sessionId = c.sessionId();
        action = s -> s.stop(TerminalState.EndReason.CLOSED);
      } else {
        return;
      }
      Optional<TerminalSession> session = host.local(projectId).filter(s -> s.id().equals(sessionId));
      if (session.isEmpty()) {
        if (host.localOrRecent(projectId, sessionId).isPresent()) {
          publish(controlTopic(projectId), new Reply(bus.nodeId(), requestId, "not_open", "the terminal has ended"));
        }
        return;
      }
      String code = "";
      String text = "";
      try {
        action.accept(session.get());
      } catch (TerminalException e) {
        code = e.code();
        text = e.getMessage();
      }
      publish(controlTopic(projectId), new Reply(bus.nodeId(), requestId, code, text));
    }
  }

  // ---- other nodes -----------------------------------------------------------------------------

  /** This node's copy of the project's terminal running elsewhere, if it follows one. */
  Optional<RemoteTerminal> copy(UUID projectId) {
    return Optional.ofNullable(copies.get(projectId)).filter(c -> c.ended().isEmpty());
  }

  /**
   * The project's terminal running on another node, looked up in the store when this node has no
   * copy yet: its node is asked for the state and backlog. Empty when there is none, or its node
   * does not answer.
   */
  Future<Optional<RemoteTerminal>> find(UUID projectId) {
    Optional<RemoteTerminal> known = copy(projectId);
    if (known.isPresent()) {
      return Future.succeededFuture(known);
    }
    AutoCloseable listening = listen(projectId);
    return interests.get(projectId).ready()
        .compose(v -> store.holder(projectId, settings.lease()))
        .compose(holder -> holder.filter(h -> !h.nodeId().equals(bus.nodeId()))
            .map(h -> join(projectId, h.sessionId()))
            .orElse(Future.succeededFuture(Optional.empty())))
        .andThen(x -> closeQuietly(listening));
  }

  /** Makes a copy of another node's session from its answer to a backlog request. */
  private Future<Optional<RemoteTerminal>> join(UUID projectId, UUID sessionId) {
    return joining.computeIfAbsent(projectId, id -> {
      Future<Optional<RemoteTerminal>> f = ask(projectId, new BacklogRequest(bus.nodeId(), newRequest(), sessionId, 0))
          .map(answer -> {
            if (!(answer instanceof Backlog b) || !b.state().state().running() || !interests.containsKey(projectId)) {
              return Optional.<RemoteTerminal>empty();
            }
            RemoteTerminal c = new RemoteTerminal(b.node(), b.state().state(), settings.backlogBytes());
            RemoteTerminal before = copies.get(projectId);
            if (before != null && before.id().equals(c.id()) && before.ended().isEmpty()) {
              return Optional.of(before);
            }
            c.fill(b.state().state(), b.state().lastSeq(), b.chunks());
            copies.put(projectId, c);
            if (before != null && before.ended().isEmpty()) {
              before.end(endedElsewhere(before.state()));
            }
            host.announce(c.state());
            return Optional.of(c);
          })
          .otherwise(Optional.empty());
      return f.andThen(x -> joining.remove(projectId));
    });
  }

  private void onOutputTopic(UUID projectId, byte[] payload) {
    TerminalBusMessage m = TerminalBusMessage.decode(payload).orElse(null);
    if (m == null || m.node().equals(bus.nodeId())) {
      return;
    }
    RemoteTerminal c = copies.get(projectId);
    if (m instanceof State s) {
      TerminalState state = s.state();
      if (c == null || !c.id().equals(state.sessionId())) {
        if (state.running()) {
          join(projectId, state.sessionId());
        }
      } else if (state.running()) {
        c.resized(state);
        host.announce(c.state());
      } else if (c.lastSeq() >= s.lastSeq()) {
        end(projectId, c, state);
      } else {
        fill(projectId, c); // the end comes with the output before it
      }
    } else if (m instanceof Output o) {
      if (c == null || !c.id().equals(o.sessionId())) {
        join(projectId, o.sessionId());
      } else if (c.offer(o.chunks())) {
        fill(projectId, c);
      }
    }
  }

  /**
   * Asks the terminal's node for what the copy misses; one question at a time per project, but a
   * bus gap voids the one in flight (it, or its answer, may be lost): a question asked before the
   * gap that goes unanswered leaves the decision to the one asked after it, instead of concluding
   * from the store that the terminal is gone while its node could still tell how it ended.
   */
  private void fill(UUID projectId, RemoteTerminal c) {
    long gapsWhenAsked = gaps.get();
    boolean[] mine = {false};
    filling.compute(projectId, (id, inFlight) -> {
      if (inFlight != null && inFlight == gapsWhenAsked) {
        return inFlight;
      }
      mine[0] = true;
      return gapsWhenAsked;
    });
    if (!mine[0]) {
      return;
    }
    ask(projectId, new BacklogRequest(bus.nodeId(), newRequest(), c.id(), c.lastSeq()))
        .onComplete(ar -> {
          filling.remove(projectId, gapsWhenAsked);
          if (ar.succeeded() && ar.result() instanceof Backlog b && b.state().state().sessionId().equals(c.id())) {
            boolean gap = c.fill(b.state().state(), b.state().lastSeq(), b.chunks());
            c.ended().ifPresentOrElse(end -> end(projectId, c, end), () -> {
              if (gap) {
                fill(projectId, c);
              }
            });
          } else if (gaps.get() == gapsWhenAsked) {
            confirm(projectId, c);
          }
        });
  }

  /** Periodic and after a bus gap: the copy asks for what it missed (and learns of a lost end). */
  void check(RemoteTerminal c) {
    copies.entrySet().stream().filter(e -> e.getValue() == c).findFirst().ifPresent(e -> fill(e.getKey(), c));
  }

  /** Checks every copy (see {@link #check}). */
  void checkAll() {
    copies.values().forEach(this::check);
  }

  /** Its node did not answer: the copy ends unless the store says that node still holds it. */
  private void confirm(UUID projectId, RemoteTerminal c) {
    store.holder(projectId, settings.lease()).onSuccess(holder -> {
      if (holder.filter(h -> h.sessionId().equals(c.id())).isEmpty() && c.ended().isEmpty()) {
        log.info("terminal {} of project {} on node {} is gone", c.id(), projectId, c.node());
        end(projectId, c, endedElsewhere(c.state()));
      }
    });
  }

  private void end(UUID projectId, RemoteTerminal c, TerminalState end) {
    // As on the terminal's own node: the project forgets it before its viewers hear the end.
    copies.remove(projectId, c);
    host.announce(end);
    c.end(end);
  }

  /** How a terminal whose node went away ended, as far as anyone can tell. */
  private static TerminalState endedElsewhere(TerminalState s) {
    return new TerminalState(s.sessionId(), s.projectId(), false, s.size(), s.startedById(), s.startedBy(),
        s.startedAt(), Optional.empty(), Optional.of(TerminalState.EndReason.SHUTDOWN));
  }

  /** Sends an editor's input, resize or close to the terminal's node; fails with its refusal. */
  Future<Void> request(UUID projectId, TerminalBusMessage message) {
    return ask(projectId, message).compose(answer -> {
      if (answer instanceof Reply r && !r.code().isEmpty()) {
        return Future.failedFuture(new TerminalException(r.code(), r.message()));
      }
      return Future.<Void>succeededFuture();
    }, e -> Future.failedFuture(new TerminalException("not_open", "the terminal's server did not answer")));
  }

  String newRequest() {
    return UUID.randomUUID().toString();
  }

  /** Publishes {@code question} (in order with this node's earlier ones) and waits for its answer. */
  private Future<TerminalBusMessage> ask(UUID projectId, TerminalBusMessage question) {
    String requestId = question instanceof BacklogRequest q ? q.requestId()
        : question instanceof Input i ? i.requestId()
        : question instanceof Resize r ? r.requestId()
        : ((Close) question).requestId();
    Promise<TerminalBusMessage> answer = Promise.promise();
    asked.put(requestId, answer);
    long timer = vertx.setTimer(settings.relayWait().toMillis(),
        t -> answer.tryFail(new TerminalException("not_open", "no answer")));
    senders.computeIfAbsent(projectId, id -> new Sender(controlTopic(id))).send(TerminalBusMessage.encode(question));
    return answer.future().andThen(x -> {
      vertx.cancelTimer(timer);
      asked.remove(requestId);
    });
  }

  private void publish(String topic, TerminalBusMessage message) {
    bus.publish(topic, TerminalBusMessage.encode(message))
        .onFailure(e -> log.warn("publishing on {} failed: {}", topic, e.toString()));
  }

  static String outputTopic(UUID projectId) {
    return "terminal:" + projectId;
  }

  static String controlTopic(UUID projectId) {
    return "terminal-control:" + projectId;
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception ignored) {
      // releasing interest cannot fail in a way that matters
    }
  }

  /** Messages to one topic, one publish in flight, so they arrive in the order they were sent. */
  private final class Sender {
    private final String topic;
    private final ArrayDeque<byte[]> queue = new ArrayDeque<>();
    private boolean publishing;

    Sender(String topic) {
      this.topic = topic;
    }

    void send(byte[] payload) {
      synchronized (this) {
        queue.add(payload);
        if (publishing) {
          return;
        }
        publishing = true;
      }
      next();
    }

    private void next() {
      byte[] payload;
      synchronized (this) {
        payload = queue.poll();
        if (payload == null) {
          publishing = false;
          return;
        }
      }
      bus.publish(topic, payload).onComplete(ar -> {
        if (ar.failed()) {
          log.debug("publishing on {} failed: {}", topic, ar.cause().toString());
        }
        next();
      });
    }
  }

  /**
   * A session's output and states on their way to the bus: one publish in flight; output that
   * arrives meanwhile goes in the next batch (bounded by the backlog: receivers ask for what was
   * dropped), and a state goes out after the output before it. The end goes last.
   */
  private final class Broadcast implements TerminalSubscriber {
    private final TerminalSession session;
    private final String topic;
    private long sentThrough;
    private TerminalState pendingState;
    private boolean publishing;
    /** Output or a state arrived since {@link #next} last read the backlog. */
    private boolean kicked;

    Broadcast(TerminalSession session) {
      this.session = session;
      this.topic = outputTopic(session.owner().projectId());
    }

    @Override
    public void onOutput(long seq) {
      kick();
    }

    @Override
    public void onEnd(TerminalState end) {
      state(end);
    }

    void state(TerminalState state) {
      synchronized (this) {
        if (pendingState == null || pendingState.running()) {
          pendingState = state;
        }
      }
      kick();
    }

    private void kick() {
      synchronized (this) {
        kicked = true;
        if (publishing) {
          return;
        }
        publishing = true;
      }
      vertx.runOnContext(v -> next());
    }

    /**
     * Publishes the next batch. The backlog is read without holding this object's lock: the
     * backlog calls {@link #kick} while holding its own, so taking the two in the other order
     * deadlocked the shell's reader against every event loop. A kick that lands while the backlog
     * is being read is not lost: it leaves {@code kicked} set, and an empty read then looks again.
     */
    private void next() {
      long from;
      synchronized (this) {
        kicked = false;
        from = sentThrough;
      }
      List<TerminalChunk> batch = session.chunksAfter(from, (int) Math.min(Integer.MAX_VALUE, settings.backlogBytes()));
      TerminalState state = null;
      synchronized (this) {
        if (batch.isEmpty()) {
          state = pendingState;
          pendingState = null;
          if (state == null) {
            if (kicked) {
              vertx.runOnContext(v -> next());
            } else {
              publishing = false;
            }
            return;
          }
        } else {
          sentThrough = batch.get(batch.size() - 1).seq();
        }
      }
      TerminalBusMessage m = batch.isEmpty()
          ? new State(bus.nodeId(), state, session.lastSeq())
          : new Output(bus.nodeId(), session.id(), batch);
      bus.publish(topic, TerminalBusMessage.encode(m)).onComplete(ar -> {
        if (ar.failed()) {
          log.debug("publishing on {} failed: {}", topic, ar.cause().toString());
        }
        next();
      });
    }
  }
}
