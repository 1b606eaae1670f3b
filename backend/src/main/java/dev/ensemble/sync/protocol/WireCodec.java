package dev.ensemble.sync.protocol;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import dev.ensemble.sync.protocol.WireMessage.DocUnavailable;
import dev.ensemble.sync.protocol.WireMessage.Ephemeral;
import dev.ensemble.sync.protocol.WireMessage.HeadsAt;
import dev.ensemble.sync.protocol.WireMessage.Join;
import dev.ensemble.sync.protocol.WireMessage.Peer;
import dev.ensemble.sync.protocol.WireMessage.PeerMetadata;
import dev.ensemble.sync.protocol.WireMessage.RemoteHeadsChanged;
import dev.ensemble.sync.protocol.WireMessage.RemoteSubscriptionChange;
import dev.ensemble.sync.protocol.WireMessage.Request;
import dev.ensemble.sync.protocol.WireMessage.Sync;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The one decoder and the one encoder of {@link WireMessage}s: a CBOR map per WebSocket binary
 * message, byte strings for binary fields, as automerge-repo's cbor-x encoder writes them.
 */
public final class WireCodec {
  private static final int MAX_PEER_ID_CHARS = 256;
  private static final int MAX_LIST_ITEMS = 1024;
  private static final CBORMapper MAPPER = new CBORMapper();
  private static final CBORFactory FACTORY = MAPPER.getFactory();

  private WireCodec() {}

  // ---- decoding ------------------------------------------------------------------------------

  /** Decodes one message; unknown types, missing or mistyped fields fail. */
  public static WireMessage decode(byte[] frame) throws ProtocolException {
    JsonNode m;
    try {
      m = MAPPER.readTree(frame);
    } catch (IOException | RuntimeException e) {
      throw new ProtocolException("not a CBOR message");
    }
    if (m == null || !m.isObject()) {
      throw new ProtocolException("a message is a CBOR map");
    }
    String type = text(m, "type");
    String sender = peerId(m, "senderId");
    return switch (type) {
      case "join" -> new Join(sender, metadata(m.get("peerMetadata")), versions(m.get("supportedProtocolVersions")));
      case "request" -> new Request(sender, peerId(m, "targetId"), documentId(m), bytes(m, "data"));
      case "sync" -> new Sync(sender, peerId(m, "targetId"), documentId(m), bytes(m, "data"));
      case "doc-unavailable" -> new DocUnavailable(sender, peerId(m, "targetId"), documentId(m));
      case "ephemeral" -> new Ephemeral(
          sender, peerId(m, "targetId"), count(m), text(m, "sessionId"), documentId(m), bytes(m, "data"));
      case "remote-subscription-change" -> new RemoteSubscriptionChange(
          sender, peerId(m, "targetId"), strings(m.get("add"), "add"), strings(m.get("remove"), "remove"));
      case "remote-heads-changed" -> new RemoteHeadsChanged(
          sender, peerId(m, "targetId"), documentId(m), newHeads(m.get("newHeads")));
      case "peer" -> new Peer(
          sender, peerId(m, "targetId"), metadata(m.get("peerMetadata")), text(m, "selectedProtocolVersion"));
      case "error" -> new WireMessage.Error(sender, peerId(m, "targetId"), text(m, "message"));
      default -> throw new ProtocolException("unknown message type '" + abbreviate(type) + "'");
    };
  }

  private static String text(JsonNode m, String field) throws ProtocolException {
    JsonNode v = m.get(field);
    if (v == null || !v.isTextual()) {
      throw new ProtocolException("'" + field + "' must be a string");
    }
    return v.textValue();
  }

  private static String peerId(JsonNode m, String field) throws ProtocolException {
    String id = text(m, field);
    if (id.isEmpty() || id.length() > MAX_PEER_ID_CHARS) {
      throw new ProtocolException("'" + field + "' must be 1 to " + MAX_PEER_ID_CHARS + " characters");
    }
    return id;
  }

  private static DocumentId documentId(JsonNode m) throws ProtocolException {
    String encoded = text(m, "documentId");
    return DocumentId.parse(encoded)
        .orElseThrow(() -> new ProtocolException("'documentId' is not a base58check document id"));
  }

  private static byte[] bytes(JsonNode m, String field) throws ProtocolException {
    JsonNode v = m.get(field);
    if (v == null || !v.isBinary()) {
      throw new ProtocolException("'" + field + "' must be a byte string");
    }
    try {
      byte[] b = v.binaryValue();
      if (b.length == 0) {
        throw new ProtocolException("'" + field + "' must not be empty");
      }
      return b;
    } catch (IOException e) {
      throw new ProtocolException("'" + field + "' must be a byte string");
    }
  }

  private static long count(JsonNode m) throws ProtocolException {
    JsonNode v = m.get("count");
    if (v == null || !v.isNumber() || !v.canConvertToLong()) {
      throw new ProtocolException("'count' must be a number");
    }
    return v.longValue();
  }

  private static PeerMetadata metadata(JsonNode v) throws ProtocolException {
    if (v == null || v.isNull()) {
      return PeerMetadata.NONE;
    }
    if (!v.isObject()) {
      throw new ProtocolException("'peerMetadata' must be a map");
    }
    JsonNode storage = v.get("storageId");
    JsonNode ephemeral = v.get("isEphemeral");
    return new PeerMetadata(
        storage != null && storage.isTextual() ? Optional.of(storage.textValue()) : Optional.empty(),
        ephemeral != null && ephemeral.isBoolean() ? Optional.of(ephemeral.booleanValue()) : Optional.empty());
  }

  /** Absent means a client from before versions were negotiated: it speaks "1". */
  private static List<String> versions(JsonNode v) throws ProtocolException {
    return v == null || v.isNull() ? List.of(WireMessage.PROTOCOL_V1) : strings(v, "supportedProtocolVersions");
  }

  private static List<String> strings(JsonNode v, String field) throws ProtocolException {
    if (v == null || v.isNull()) {
      return List.of();
    }
    if (!v.isArray() || v.size() > MAX_LIST_ITEMS) {
      throw new ProtocolException("'" + field + "' must be an array of at most " + MAX_LIST_ITEMS + " strings");
    }
    List<String> out = new ArrayList<>(v.size());
    for (JsonNode s : v) {
      if (!s.isTextual()) {
        throw new ProtocolException("'" + field + "' must be an array of strings");
      }
      out.add(s.textValue());
    }
    return List.copyOf(out);
  }

  private static Map<String, HeadsAt> newHeads(JsonNode v) throws ProtocolException {
    if (v == null || !v.isObject() || v.size() > MAX_LIST_ITEMS) {
      throw new ProtocolException("'newHeads' must be a map");
    }
    Map<String, HeadsAt> out = new LinkedHashMap<>();
    var fields = v.fields();
    while (fields.hasNext()) {
      var e = fields.next();
      JsonNode at = e.getValue();
      JsonNode ts = at.get("timestamp");
      if (!at.isObject() || ts == null || !ts.isNumber()) {
        throw new ProtocolException("'newHeads' entries are {heads, timestamp}");
      }
      out.put(e.getKey(), new HeadsAt(strings(at.get("heads"), "heads"), ts.doubleValue()));
    }
    return out;
  }

  private static String abbreviate(String s) {
    return s.length() <= 40 ? s : s.substring(0, 40) + "…";
  }

  // ---- encoding ------------------------------------------------------------------------------

  /** Encodes one message as a CBOR map with definite lengths. */
  public static byte[] encode(WireMessage message) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(64 + dataLength(message));
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      if (message instanceof Join j) {
        g.writeStartObject(j, 4);
        head(g, j);
        metadata(g, j.peerMetadata());
        stringArray(g, "supportedProtocolVersions", j.supportedProtocolVersions());
      } else if (message instanceof Peer p) {
        g.writeStartObject(p, 5);
        head(g, p);
        g.writeStringField("targetId", p.targetId());
        metadata(g, p.peerMetadata());
        g.writeStringField("selectedProtocolVersion", p.selectedProtocolVersion());
      } else if (message instanceof WireMessage.Error e) {
        g.writeStartObject(e, 4);
        head(g, e);
        g.writeStringField("targetId", e.targetId());
        g.writeStringField("message", e.message());
      } else if (message instanceof Request r) {
        docData(g, r, r.targetId(), r.documentId(), r.data());
      } else if (message instanceof Sync s) {
        docData(g, s, s.targetId(), s.documentId(), s.data());
      } else if (message instanceof DocUnavailable d) {
        g.writeStartObject(d, 4);
        head(g, d);
        g.writeStringField("targetId", d.targetId());
        g.writeStringField("documentId", d.documentId().encoded());
      } else if (message instanceof Ephemeral e) {
        g.writeStartObject(e, 7);
        head(g, e);
        g.writeStringField("targetId", e.targetId());
        g.writeNumberField("count", e.count());
        g.writeStringField("sessionId", e.sessionId());
        g.writeStringField("documentId", e.documentId().encoded());
        g.writeBinaryField("data", e.data());
      } else if (message instanceof RemoteSubscriptionChange r) {
        g.writeStartObject(r, 5);
        head(g, r);
        g.writeStringField("targetId", r.targetId());
        stringArray(g, "add", r.add());
        stringArray(g, "remove", r.remove());
      } else if (message instanceof RemoteHeadsChanged r) {
        g.writeStartObject(r, 5);
        head(g, r);
        g.writeStringField("targetId", r.targetId());
        g.writeStringField("documentId", r.documentId().encoded());
        g.writeFieldName("newHeads");
        g.writeStartObject(r.newHeads(), r.newHeads().size());
        for (var e : r.newHeads().entrySet()) {
          g.writeFieldName(e.getKey());
          g.writeStartObject(e.getValue(), 2);
          stringArray(g, "heads", e.getValue().heads());
          g.writeNumberField("timestamp", e.getValue().timestamp());
          g.writeEndObject();
        }
        g.writeEndObject();
      } else {
        throw new IllegalArgumentException("unknown message " + message.getClass());
      }
      g.writeEndObject();
    } catch (IOException e) {
      throw new IllegalStateException("CBOR encoding failed", e);
    }
    return out.toByteArray();
  }

  private static void head(JsonGenerator g, WireMessage m) throws IOException {
    g.writeStringField("type", m.type());
    g.writeStringField("senderId", m.senderId());
  }

  private static void docData(JsonGenerator g, WireMessage m, String target, DocumentId doc, byte[] data)
      throws IOException {
    g.writeStartObject(m, 5);
    head(g, m);
    g.writeStringField("targetId", target);
    g.writeStringField("documentId", doc.encoded());
    g.writeBinaryField("data", data);
  }

  private static void metadata(JsonGenerator g, PeerMetadata md) throws IOException {
    g.writeFieldName("peerMetadata");
    int size = (md.storageId().isPresent() ? 1 : 0) + (md.isEphemeral().isPresent() ? 1 : 0);
    g.writeStartObject(md, size);
    if (md.storageId().isPresent()) {
      g.writeStringField("storageId", md.storageId().get());
    }
    if (md.isEphemeral().isPresent()) {
      g.writeBooleanField("isEphemeral", md.isEphemeral().get());
    }
    g.writeEndObject();
  }

  private static void stringArray(JsonGenerator g, String field, List<String> values) throws IOException {
    g.writeFieldName(field);
    g.writeStartArray(values, values.size());
    for (String v : values) {
      g.writeString(v);
    }
    g.writeEndArray();
  }

  private static int dataLength(WireMessage m) {
    if (m instanceof Request r) {
      return r.data().length;
    } else if (m instanceof Sync s) {
      return s.data().length;
    } else if (m instanceof Ephemeral e) {
      return e.data().length;
    }
    return 0;
  }
}
