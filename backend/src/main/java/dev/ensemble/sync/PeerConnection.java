package dev.ensemble.sync;

import dev.ensemble.projects.Role;
import dev.ensemble.sync.protocol.DocumentId;
import dev.ensemble.sync.protocol.ProtocolException;
import dev.ensemble.sync.protocol.WireCodec;
import dev.ensemble.sync.protocol.WireMessage;
import dev.ensemble.sync.protocol.WireMessage.DocUnavailable;
import dev.ensemble.sync.protocol.WireMessage.Ephemeral;
import dev.ensemble.sync.protocol.WireMessage.Join;
import dev.ensemble.sync.protocol.WireMessage.PeerMetadata;
import dev.ensemble.sync.protocol.WireMessage.Request;
import dev.ensemble.sync.protocol.WireMessage.Sync;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One authenticated WebSocket, scoped to one project: decodes frames, checks them against the
 * connection (joined, sender, project, size, how many documents) and hands them to documents;
 * encodes and writes what documents send back, dropping the connection when it reads too slowly.
 * Documents it was told are unavailable are awaited and synced once they appear.
 * Everything except {@link #send}, {@link #processed} and {@link #available} runs on the socket's
 * event loop.
 */
final class PeerConnection implements Peer, AwaitedDocuments.Waiter {
  private static final Logger log = LoggerFactory.getLogger(PeerConnection.class);
  /** Close codes (RFC 6455). */
  private static final short POLICY_VIOLATION = 1008;
  private static final short TRY_AGAIN_LATER = 1013;

  private final Vertx vertx;
  private final Context context;
  private final ServerWebSocket ws;
  private final DocRegistry registry;
  private final SyncSettings settings;
  private final UUID projectId;
  private final Role role;
  private final String userName;
  private final AtomicInteger inFlight = new AtomicInteger();
  private final Set<DocumentId> documents = new HashSet<>();
  /** Documents the peer was told are unavailable, oldest first; at most maxAwaitedDocuments. */
  private final LinkedHashSet<DocumentId> awaited = new LinkedHashSet<>();

  private volatile boolean closed;
  private volatile String remotePeerId = "";
  private boolean joined;
  private boolean paused;
  private boolean pongSeen = true;
  private long joinTimer = -1;
  private long keepAliveTimer = -1;
  /** Inbound rate, a token bucket: refilled at maxMessagesPerSecond, holding at most messageBurst. */
  private double messageTokens;
  private long tokensAt = System.nanoTime();
  /**
   * Other peers' presence sent to this connection and not yet passed back (at most a burst):
   * what a stock client passes back of it costs no tokens; anything beyond does.
   */
  private long passBackAllowance;

  PeerConnection(
      Vertx vertx, Context context, ServerWebSocket ws, DocRegistry registry, SyncSettings settings,
      UUID projectId, Role role, String userName) {
    this.vertx = vertx;
    this.context = context;
    this.ws = ws;
    this.registry = registry;
    this.settings = settings;
    this.projectId = projectId;
    this.role = role;
    this.userName = userName;
    this.messageTokens = settings.messageBurst();
  }

  /** Installs the handlers; called on the socket's context. */
  void start() {
    ws.setWriteQueueMaxSize(settings.maxOutboundBytes());
    ws.binaryMessageHandler(this::onFrame);
    ws.textMessageHandler(t -> fail("messages are binary CBOR"));
    ws.pongHandler(b -> pongSeen = true);
    ws.exceptionHandler(e -> log.debug("sync socket of {} failed: {}", userName, e.toString()));
    ws.closeHandler(v -> onClosed());
    joinTimer = vertx.setTimer(settings.joinTimeout().toMillis(), t -> {
      if (!joined) {
        fail("expected a join message");
      }
    });
    keepAliveTimer = vertx.setPeriodic(settings.keepAlive().toMillis(), t -> keepAlive());
  }

  // ---- Peer ----------------------------------------------------------------------------------

  @Override
  public String peerId() {
    return remotePeerId;
  }

  @Override
  public boolean mayWrite() {
    return role.atLeast(Role.EDITOR);
  }

  @Override
  public void send(WireMessage message) {
    if (closed) {
      return;
    }
    byte[] frame = WireCodec.encode(message);
    if (message instanceof Ephemeral e && !e.senderId().equals(remotePeerId)) {
      onContext(() -> {
        // Someone else's presence: a stock client may pass it back once, free of charge.
        passBackAllowance = Math.min(settings.messageBurst(), passBackAllowance + 1);
        write(frame);
      });
    } else {
      onContext(() -> write(frame));
    }
  }

  @Override
  public void fail(String reason) {
    onContext(
        () -> {
          if (closed) {
            return;
          }
          write(WireCodec.encode(new WireMessage.Error(registry.serverPeerId(), remotePeerId.isEmpty() ? "unknown" : remotePeerId, reason)));
          close(POLICY_VIOLATION, reason);
        });
  }

  @Override
  public void processed() {
    int now = inFlight.decrementAndGet();
    if (now <= settings.maxInFlight() / 2) {
      onContext(
          () -> {
            if (paused && !closed && inFlight.get() <= settings.maxInFlight() / 2) {
              paused = false;
              ws.resume();
            }
          });
    }
  }

  // ---- inbound -------------------------------------------------------------------------------

  private void onFrame(Buffer frame) {
    if (closed) {
      return;
    }
    pongSeen = true; // any message proves the peer alive, however busy it is
    if (!withinRate()) {
      log.info("closing the sync connection of {} ({}): it sent more than {} messages per second", userName,
          remotePeerId.isEmpty() ? "not joined" : remotePeerId, settings.maxMessagesPerSecond());
      fail("flood: more than " + settings.maxMessagesPerSecond() + " messages per second (burst "
          + settings.messageBurst() + ")");
      return;
    }
    if (frame.length() > settings.maxMessageBytes()) {
      fail("message of " + frame.length() + " bytes exceeds the limit of " + settings.maxMessageBytes());
      return;
    }
    WireMessage message;
    try {
      message = WireCodec.decode(frame.getBytes());
    } catch (ProtocolException e) {
      fail(e.getMessage());
      return;
    }
    if (!joined) {
      if (message instanceof Join join) {
        onJoin(join);
      } else {
        fail("expected a join message first");
      }
      return;
    }
    if (!message.senderId().equals(remotePeerId)) {
      if (message instanceof Ephemeral) {
        // Stock clients forward the presence they receive to their other peers, keeping its
        // original sender; the server relayed it to everyone already, so it is dropped, not an
        // error. Up to what the server sent the connection, it does not count toward its rate.
        if (passBackAllowance > 0) {
          passBackAllowance--;
          messageTokens = Math.min(settings.messageBurst(), messageTokens + 1);
        }
        return;
      }
      fail("senderId does not match the peer that joined");
      return;
    }
    if (message instanceof Request || message instanceof Sync) {
      onSync(message);
    } else if (message instanceof Ephemeral e) {
      onEphemeral(e);
    } else if (message instanceof Join) {
      fail("already joined");
    } else if (message instanceof WireMessage.Peer || message instanceof WireMessage.Error) {
      fail("'" + message.type() + "' is sent by servers only");
    }
    // doc-unavailable, remote-subscription-change and remote-heads-changed need no answer: the
    // server never asks clients for documents and does not advertise storage ids.
  }

  /** Takes one message from the bucket; false when it is empty (a flood). */
  private boolean withinRate() {
    long now = System.nanoTime();
    messageTokens = Math.min(settings.messageBurst(),
        messageTokens + (now - tokensAt) * (settings.maxMessagesPerSecond() / 1e9));
    tokensAt = now;
    if (messageTokens < 1) {
      return false;
    }
    messageTokens -= 1;
    return true;
  }

  private void onJoin(Join join) {
    joined = true;
    vertx.cancelTimer(joinTimer);
    remotePeerId = join.senderId();
    if (!join.supportedProtocolVersions().contains(WireMessage.PROTOCOL_V1)) {
      fail("unsupported protocol version");
      return;
    }
    write(WireCodec.encode(new WireMessage.Peer(
        registry.serverPeerId(), remotePeerId,
        new PeerMetadata(Optional.empty(), Optional.of(false)), WireMessage.PROTOCOL_V1)));
  }

  private void onSync(WireMessage message) {
    DocumentId id = message instanceof Sync s ? s.documentId() : ((Request) message).documentId();
    byte[] data = message instanceof Sync s ? s.data() : ((Request) message).data();
    Optional<SyncPayload> payload = SyncPayload.read(data);
    if (payload.isEmpty()) {
      fail("data of " + message.type() + " for " + id + " is not an Automerge sync message");
      return;
    }
    if (!documents.contains(id) && documents.size() >= settings.maxDocumentsPerConnection()) {
      fail("more than " + settings.maxDocumentsPerConnection() + " documents on one connection");
      return;
    }
    documents.add(id);
    if (inFlight.incrementAndGet() >= settings.maxInFlight() && !paused) {
      paused = true;
      ws.pause();
    }
    // A sync with heads may create the document; a request or an empty sync only asks for it.
    boolean offers = message instanceof Sync && payload.get().headCount() > 0;
    registry
        .find(id)
        .onComplete(
            ar ->
                onContext(
                    () -> {
                      if (closed) {
                        processed();
                      } else if (ar.failed()) {
                        processed();
                        log.error("loading document {} failed", id, ar.cause());
                        unavailableForNow(id);
                      } else if (ar.result().isPresent()) {
                        deliver(ar.result().get(), message);
                      } else if (!offers) {
                        processed();
                        unavailableForNow(id);
                      } else if (!mayWrite()) {
                        processed();
                        send(new WireMessage.Error(registry.serverPeerId(), remotePeerId,
                            "read-only access: document " + id + " was not created"));
                      } else {
                        registry
                            .findOrCreate(id, projectId)
                            .onComplete(
                                created ->
                                    onContext(
                                        () -> {
                                          if (created.failed() || closed) {
                                            processed();
                                            if (created.failed()) {
                                              log.error("creating document {} failed", id, created.cause());
                                              unavailableForNow(id);
                                            }
                                          } else {
                                            deliver(created.result(), message);
                                          }
                                        }));
                      }
                    }));
  }

  /** Hands the message to the session when the document belongs to this connection's project. */
  private void deliver(DocSession session, WireMessage message) {
    if (!session.projectId().equals(projectId)) {
      processed();
      unavailable(session.id());
      return;
    }
    // An evicted session sends the message round again, to its successor.
    session.receive(this, message, () -> onContext(() -> {
      if (closed) {
        processed();
      } else {
        registry.find(session.id()).onComplete(ar -> onContext(() -> {
          if (ar.succeeded() && ar.result().isPresent() && !closed) {
            deliver(ar.result().get(), message);
          } else {
            processed();
          }
        }));
      }
    }));
  }

  private void onEphemeral(Ephemeral message) {
    // Presence never loads a document: with nobody syncing it there is nobody to tell.
    registry
        .loaded(message.documentId())
        .filter(s -> s.projectId().equals(projectId))
        .ifPresent(s -> s.relay(this, message));
  }

  private void unavailable(DocumentId id) {
    send(new DocUnavailable(registry.serverPeerId(), remotePeerId, id));
  }

  /**
   * Tells the peer the document is unavailable and remembers that it asked: once the document
   * appears the peer is synced it as if it had asked again, as automerge-repo's own server does (a
   * stock client never asks again by itself). Beyond the limit the oldest is forgotten.
   */
  private void unavailableForNow(DocumentId id) {
    unavailable(id);
    if (closed || settings.maxAwaitedDocuments() == 0) {
      return;
    }
    if (awaited.remove(id)) {
      awaited.add(id); // asked again: now the most recent
      return;
    }
    awaited.add(id);
    registry.await(id, this);
    if (awaited.size() > settings.maxAwaitedDocuments()) {
      Iterator<DocumentId> oldest = awaited.iterator();
      DocumentId forgotten = oldest.next();
      oldest.remove();
      registry.stopAwaiting(forgotten, this);
    }
  }

  @Override
  public void available(DocSession session) {
    onContext(() -> {
      if (!closed && awaited.remove(session.id()) && session.projectId().equals(projectId)) {
        offer(session);
      }
    });
  }

  /** Starts syncing the document, or its successor when the session was evicted meanwhile. */
  private void offer(DocSession session) {
    session.offer(this, () -> onContext(() -> {
      if (!closed) {
        registry.find(session.id()).onSuccess(found -> onContext(() -> {
          if (!closed && found.isPresent() && found.get().projectId().equals(projectId)) {
            offer(found.get());
          }
        }));
      }
    }));
  }

  // ---- outbound ------------------------------------------------------------------------------

  private void write(byte[] frame) {
    if (closed) {
      return;
    }
    if (ws.isClosed()) {
      onClosed();
      return;
    }
    if (ws.writeQueueFull()) {
      log.info("dropping sync connection of {}: it reads too slowly", userName);
      close(TRY_AGAIN_LATER, "too slow");
      return;
    }
    ws.writeBinaryMessage(Buffer.buffer(frame));
  }

  private void keepAlive() {
    if (closed) {
      return;
    }
    // While paused for backpressure we read nothing, pongs included: that is not silence.
    if (!pongSeen && !paused) {
      close(POLICY_VIOLATION, "no pong");
      return;
    }
    pongSeen = false;
    ws.writePing(Buffer.buffer("ka"));
  }

  private void close(short code, String reason) {
    if (closed) {
      return;
    }
    ws.close(code, truncate(reason));
    onClosed();
  }

  private void onClosed() {
    if (closed) {
      return;
    }
    closed = true;
    vertx.cancelTimer(joinTimer);
    vertx.cancelTimer(keepAliveTimer);
    for (DocumentId id : awaited) {
      registry.stopAwaiting(id, this);
    }
    awaited.clear();
    for (DocumentId id : documents) {
      registry.loaded(id).ifPresent(s -> s.detach(this));
    }
  }

  private void onContext(Runnable task) {
    if (Vertx.currentContext() == context) {
      task.run();
    } else {
      context.runOnContext(v -> task.run());
    }
  }

  /** A close reason is at most 123 bytes of UTF-8. */
  private static String truncate(String reason) {
    byte[] b = reason.getBytes(StandardCharsets.UTF_8);
    if (b.length <= 123) {
      return reason;
    }
    String s = reason;
    while (s.getBytes(StandardCharsets.UTF_8).length > 120) {
      s = s.substring(0, s.length() - 1);
    }
    return s + "…";
  }
}
