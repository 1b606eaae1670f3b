package dev.ensemble.sync.protocol;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The messages of the automerge-repo WebSocket protocol (version "1"), one record per wire
 * {@code type}. Peer ids are opaque strings chosen by each side; {@code data} is an Automerge sync
 * message ({@link Request}, {@link Sync}) or application bytes ({@link Ephemeral}).
 */
public sealed interface WireMessage {
  /** The only protocol version there is. */
  String PROTOCOL_V1 = "1";

  /** The wire {@code type} string. */
  String type();

  String senderId();

  /** What a peer says about itself in {@code join} and {@code peer}. */
  record PeerMetadata(Optional<String> storageId, Optional<Boolean> isEphemeral) {
    public static final PeerMetadata NONE = new PeerMetadata(Optional.empty(), Optional.empty());
  }

  /** Client → server, first message: who the client is and which versions it speaks. */
  record Join(String senderId, PeerMetadata peerMetadata, List<String> supportedProtocolVersions)
      implements WireMessage {
    public String type() {
      return "join";
    }
  }

  /** Server → client, answer to {@code join}. */
  record Peer(String senderId, String targetId, PeerMetadata peerMetadata, String selectedProtocolVersion)
      implements WireMessage {
    public String type() {
      return "peer";
    }
  }

  /** Server → client: something went wrong. */
  record Error(String senderId, String targetId, String message) implements WireMessage {
    public String type() {
      return "error";
    }
  }

  /** "I do not have this document; send it to me" — an Automerge sync message from an empty doc. */
  record Request(String senderId, String targetId, DocumentId documentId, byte[] data) implements WireMessage {
    public String type() {
      return "request";
    }
  }

  /** An Automerge sync message for one document. */
  record Sync(String senderId, String targetId, DocumentId documentId, byte[] data) implements WireMessage {
    public String type() {
      return "sync";
    }
  }

  /** "I do not have this document (or you may not have it)". */
  record DocUnavailable(String senderId, String targetId, DocumentId documentId) implements WireMessage {
    public String type() {
      return "doc-unavailable";
    }
  }

  /**
   * Application data about a document that is not stored (presence). {@code senderId},
   * {@code sessionId} and {@code count} are the originator's and are kept when relayed; receivers
   * drop a (sender, session) count they have already seen.
   */
  record Ephemeral(
      String senderId, String targetId, long count, String sessionId, DocumentId documentId, byte[] data)
      implements WireMessage {
    public String type() {
      return "ephemeral";
    }

    /** The same message addressed to another peer. */
    public Ephemeral to(String target) {
      return new Ephemeral(senderId, target, count, sessionId, documentId, data);
    }
  }

  /** Adds or removes storage ids whose heads the sender wants to hear about. */
  record RemoteSubscriptionChange(String senderId, String targetId, List<String> add, List<String> remove)
      implements WireMessage {
    public String type() {
      return "remote-subscription-change";
    }
  }

  /** Heads of a document at other storage ids. */
  record RemoteHeadsChanged(
      String senderId, String targetId, DocumentId documentId, Map<String, HeadsAt> newHeads)
      implements WireMessage {
    public String type() {
      return "remote-heads-changed";
    }
  }

  /** Heads (base58check change hashes) seen at a storage id, and when. */
  record HeadsAt(List<String> heads, double timestamp) {}
}
