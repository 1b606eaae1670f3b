package dev.ensemble.sync;

import dev.ensemble.sync.protocol.DocumentId;
import dev.ensemble.sync.protocol.ProtocolException;
import dev.ensemble.sync.protocol.WireCodec;
import dev.ensemble.sync.protocol.WireMessage;
import dev.ensemble.sync.protocol.WireMessage.Join;
import dev.ensemble.sync.protocol.WireMessage.PeerMetadata;
import dev.ensemble.sync.protocol.WireMessage.Request;
import dev.ensemble.sync.protocol.WireMessage.Sync;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import java.util.List;
import java.util.Optional;
import org.automerge.AmValue;
import org.automerge.Document;
import org.automerge.ObjectId;
import org.automerge.SyncState;
import org.automerge.Transaction;

/**
 * One benchmark client speaking the automerge-repo protocol as a stock client does: {@code join},
 * wait for {@code peer}, {@code request} a document from an empty Automerge document, then apply
 * every {@code sync} the server sends and answer it at once with the message Automerge generates
 * (if any). It holds one document (a file's {@code {content}} text) with a real {@link Document}
 * and {@link SyncState}. Everything runs on the socket's event-loop context.
 */
final class BenchPeer {
  /** Told on the peer's context after a sync message from the server has been applied. */
  interface Applied {
    void applied(BenchPeer peer, long nanos);
  }

  final String peerId;
  private final WebSocket ws;
  private final Context context;
  private String serverId = "";
  private Promise<Void> joined = Promise.promise();
  private DocumentId docId;
  private Document doc;
  private SyncState state;
  private Optional<ObjectId> text = Optional.empty();
  private Promise<Void> opened;
  private long openedAfterChars;
  private volatile Applied listener = (p, t) -> {};
  /** Nanos when the first sync for the document arrived (before applying it). */
  private long firstSyncAt;
  private volatile boolean closed;
  /** Messages written and sync messages received, for the report. */
  volatile long sent;
  volatile long received;

  private BenchPeer(String peerId, WebSocket ws, Context context) {
    this.peerId = peerId;
    this.ws = ws;
    this.context = context;
  }

  /** Connects to {@code /sync} with a bearer token and joins; completes once the server said {@code peer}. */
  static Future<BenchPeer> connect(Vertx vertx, WebSocketClient client, int port, String projectId, String token,
      String peerId) {
    WebSocketConnectOptions options = new WebSocketConnectOptions()
        .setHost("127.0.0.1").setPort(port).setURI("/sync?project=" + projectId)
        .addHeader("Authorization", "Bearer " + token);
    return client.connect(options).compose(ws -> {
      BenchPeer peer = new BenchPeer(peerId, ws, vertx.getOrCreateContext());
      ws.binaryMessageHandler(peer::onFrame);
      ws.closeHandler(v -> peer.closed = true);
      ws.exceptionHandler(e -> {});
      peer.write(new Join(peerId, PeerMetadata.NONE, List.of(WireMessage.PROTOCOL_V1)));
      return peer.joined.future().map(peer);
    });
  }

  /**
   * Opens the document as {@code Repo.find} does for one it does not have: a {@code request} with
   * a sync message from an empty document. Completes once the text holds at least {@code chars}.
   */
  Future<Void> open(DocumentId id, long chars) {
    Promise<Void> done = Promise.promise();
    context.runOnContext(v -> {
      docId = id;
      doc = new Document();
      state = new SyncState();
      opened = done;
      openedAfterChars = chars;
      write(new Request(peerId, serverId, id, doc.generateSyncMessage(state).orElseThrow()));
    });
    return done.future();
  }

  void onApplied(Applied listener) {
    this.listener = listener;
  }

  /** Runs on this peer's context (where its document may be touched). */
  void run(Runnable task) {
    context.runOnContext(v -> task.run());
  }

  /** Characters in the text now; call on the peer's context. */
  long length() {
    return text.map(doc::length).orElse(0L);
  }

  /**
   * Inserts one character at a position and sends the change at once in its own sync message
   * (call on the peer's context); {@code stamp} runs right after the commit, before the message is
   * generated. Returns false when Automerge had nothing to send.
   */
  boolean typeOneCharacter(long position, String ch, Runnable stamp) {
    ObjectId t = text.orElseThrow();
    try (Transaction tx = doc.startTransaction()) {
      tx.spliceText(t, Math.min(position, doc.length(t)), 0, ch);
      tx.commit();
    }
    stamp.run();
    Optional<byte[]> m = doc.generateSyncMessage(state);
    m.ifPresent(data -> write(new Sync(peerId, serverId, docId, data)));
    return m.isPresent();
  }

  long firstSyncAt() {
    return firstSyncAt;
  }

  boolean isClosed() {
    return closed || ws.isClosed();
  }

  Future<Void> close() {
    return ws.close().andThen(ar -> {
      if (doc != null) {
        run(() -> {
          state.free();
          doc.free();
        });
      }
    });
  }

  private void onFrame(Buffer frame) {
    WireMessage m;
    try {
      m = WireCodec.decode(frame.getBytes());
    } catch (ProtocolException e) {
      throw new IllegalStateException(peerId + ": undecodable message from the server: " + e.getMessage());
    }
    if (m instanceof WireMessage.Peer p) {
      serverId = p.senderId();
      joined.tryComplete();
    } else if (m instanceof Sync s && doc != null && s.documentId().equals(docId)) {
      received++;
      if (firstSyncAt == 0) {
        firstSyncAt = System.nanoTime();
      }
      doc.receiveSyncMessage(state, s.data());
      // A stock client answers every sync message right away (this also tells the server's flow
      // control that the changes arrived).
      doc.generateSyncMessage(state).ifPresent(reply -> write(new Sync(peerId, serverId, docId, reply)));
      if (text.isEmpty()) {
        text = doc.get(ObjectId.ROOT, "content").map(v -> v instanceof AmValue.Text t ? t.getId() : null);
      }
      long now = System.nanoTime();
      if (opened != null && length() >= openedAfterChars && text.isPresent()) {
        Promise<Void> o = opened;
        opened = null;
        o.complete();
      }
      listener.applied(this, now);
    } else if (m instanceof WireMessage.DocUnavailable d) {
      failOpen("document " + d.documentId() + " unavailable");
    } else if (m instanceof WireMessage.Error e) {
      joined.tryFail(e.message());
      failOpen("server error: " + e.message());
      System.err.println(peerId + ": server error: " + e.message());
    }
  }

  private void failOpen(String why) {
    if (opened != null) {
      Promise<Void> o = opened;
      opened = null;
      o.fail(why);
    }
  }

  private void write(WireMessage m) {
    sent++;
    ws.writeBinaryMessage(Buffer.buffer(WireCodec.encode(m)));
  }
}
