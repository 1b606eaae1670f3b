package dev.ensemble.sync;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ensemble.sync.protocol.DocumentId;
import dev.ensemble.sync.protocol.ProtocolException;
import dev.ensemble.sync.protocol.WireCodec;
import dev.ensemble.sync.protocol.WireMessage;
import dev.ensemble.sync.protocol.WireMessage.DocUnavailable;
import dev.ensemble.sync.protocol.WireMessage.Ephemeral;
import dev.ensemble.sync.protocol.WireMessage.HeadsAt;
import dev.ensemble.sync.protocol.WireMessage.Join;
import dev.ensemble.sync.protocol.WireMessage.PeerMetadata;
import dev.ensemble.sync.protocol.WireMessage.RemoteHeadsChanged;
import dev.ensemble.sync.protocol.WireMessage.RemoteSubscriptionChange;
import dev.ensemble.sync.protocol.WireMessage.Request;
import dev.ensemble.sync.protocol.WireMessage.Sync;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.automerge.Document;
import org.automerge.ObjectId;
import org.automerge.ObjectType;
import org.automerge.SyncState;
import org.automerge.Transaction;
import org.junit.jupiter.api.Test;

/** The CBOR codec reads what the stock client writes, round-trips every message, rejects junk. */
class SyncWireCodecTest {
  private static final DocumentId DOC = DocumentId.parse("1Bhh3pU9gLXZiNDL6PEa1Gs9fh").orElseThrow();
  private static final HexFormat HEX = HexFormat.of();

  /** Bytes written by automerge-repo 2.5.6's cbor helper (cbor-x) for the same messages. */
  @Test
  void decodesFramesAsTheStockClientEncodesThem() throws Exception {
    WireMessage sync = WireCodec.decode(HEX.parseHex(
        "b9000564747970656473796e636873656e646572496466706565722d61687461726765744964667365727665726a646f63756d656e744964781a3142686833705539674c585a694e444c365045613147733966686464617461454200000000"));
    Sync s = (Sync) sync;
    assertEquals("peer-a", s.senderId());
    assertEquals("server", s.targetId());
    assertEquals(DOC, s.documentId());
    assertArrayEquals(new byte[] {0x42, 0, 0, 0, 0}, s.data());

    Ephemeral e = (Ephemeral) WireCodec.decode(HEX.parseHex(
        "b90007647479706569657068656d6572616c6873656e64657249646161687461726765744964616265636f756e74076973657373696f6e49646273316a646f63756d656e744964781a3142686833705539674c585a694e444c365045613147733966686464617461420102"));
    assertEquals(7, e.count());
    assertEquals("s1", e.sessionId());
    assertArrayEquals(new byte[] {1, 2}, e.data());

    Join j = (Join) WireCodec.decode(HEX.parseHex(
        "b900046474797065646a6f696e6873656e646572496461616c706565724d65746164617461b900016b6973457068656d6572616cf57819737570706f7274656450726f746f636f6c56657273696f6e73816131"));
    assertEquals("a", j.senderId());
    assertEquals(Optional.of(true), j.peerMetadata().isEphemeral());
    assertEquals(List.of("1"), j.supportedProtocolVersions());
  }

  @Test
  void everyMessageSurvivesARoundTrip() throws Exception {
    byte[] data = {0x42, 1, 2, 3};
    List<WireMessage> all = List.of(
        new Join("c", new PeerMetadata(Optional.of("storage-1"), Optional.of(false)), List.of("1")),
        new WireMessage.Peer("s", "c", new PeerMetadata(Optional.empty(), Optional.of(false)), "1"),
        new WireMessage.Error("s", "c", "read-only"),
        new Request("c", "s", DOC, data),
        new Sync("c", "s", DOC, data),
        new DocUnavailable("s", "c", DOC),
        new Ephemeral("c", "s", 12, "session", DOC, data),
        new RemoteSubscriptionChange("c", "s", List.of("a"), List.of()),
        new RemoteHeadsChanged("c", "s", DOC, Map.of("storage-1", new HeadsAt(List.of("h1", "h2"), 1700000000000.0))));
    for (WireMessage m : all) {
      WireMessage back = WireCodec.decode(WireCodec.encode(m));
      assertEquals(m.getClass(), back.getClass());
      assertEquals(normalize(m), normalize(back), m.type());
    }
  }

  @Test
  void rejectsTruncatedUnknownAndMalformedFrames() throws Exception {
    byte[] good = WireCodec.encode(new Sync("c", "s", DOC, new byte[] {0x42, 0, 0, 0, 0}));
    assertThrows(ProtocolException.class, () -> WireCodec.decode(Arrays.copyOf(good, good.length - 3)));
    assertThrows(ProtocolException.class, () -> WireCodec.decode(new byte[0]));
    assertThrows(ProtocolException.class, () -> WireCodec.decode(new byte[] {(byte) 0x83, 1, 2, 3}), "an array");
    ProtocolException unknown = assertThrows(ProtocolException.class, () -> WireCodec.decode(HEX.parseHex(
        "a2647479706563666f6f6873656e64657249646161")));
    assertTrue(unknown.getMessage().contains("unknown message type"), unknown.getMessage());
    assertThrows(ProtocolException.class, () -> WireCodec.decode(cbor(Map.of(
        "type", "doc-unavailable", "senderId", "a", "targetId", "b", "documentId", "113DyTCgLVu"))),
        "a documentId that is not base58check of 16 bytes");
    assertThrows(ProtocolException.class, () -> WireCodec.decode(cbor(Map.of(
        "type", "sync", "senderId", "a", "targetId", "b", "documentId", DOC.encoded(), "data", "text"))),
        "data that is not a byte string");
    assertThrows(ProtocolException.class, () -> WireCodec.decode(cbor(Map.of(
        "type", "ephemeral", "senderId", "a", "targetId", "b", "documentId", DOC.encoded(), "data", new byte[] {1}))),
        "ephemeral without count and sessionId");
  }

  private static byte[] cbor(Map<String, Object> message) throws Exception {
    return new com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper().writeValueAsBytes(message);
  }

  @Test
  void readsChangeCountsOfAutomergeSyncMessages() {
    Document doc = new Document();
    try (Transaction tx = doc.startTransaction()) {
      ObjectId text = tx.set(ObjectId.ROOT, "content", ObjectType.TEXT);
      tx.spliceText(text, 0, 0, "hello");
      tx.commit();
    }
    Document empty = new Document();
    SyncState docSide = new SyncState();
    SyncState emptySide = new SyncState();
    byte[] first = doc.generateSyncMessage(docSide).orElseThrow();
    assertEquals(new SyncPayload(1, 0), SyncPayload.read(first).orElseThrow(), "the first message only advertises heads");
    empty.receiveSyncMessage(emptySide, first);
    byte[] reply = empty.generateSyncMessage(emptySide).orElseThrow();
    assertEquals(0, SyncPayload.read(reply).orElseThrow().headCount());
    doc.receiveSyncMessage(docSide, reply);
    byte[] withChanges = doc.generateSyncMessage(docSide).orElseThrow();
    assertTrue(SyncPayload.read(withChanges).orElseThrow().changeCount() > 0, "now it carries the change");
    assertTrue(SyncPayload.read(new byte[] {1, 2, 3}).isEmpty());
    assertTrue(SyncPayload.read(Arrays.copyOf(withChanges, withChanges.length - 5)).isEmpty(), "truncated");
  }

  /** Records compare byte arrays by identity; compare their content instead. */
  private static String normalize(WireMessage m) {
    String s = m.toString();
    byte[] data = m instanceof Sync x ? x.data() : m instanceof Request x ? x.data() : m instanceof Ephemeral x ? x.data() : null;
    return data == null ? s : s.replaceAll("data=\\[B@[0-9a-f]+", "data=" + HEX.formatHex(data));
  }
}
