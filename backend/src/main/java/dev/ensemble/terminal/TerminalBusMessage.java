package dev.ensemble.terminal;

import static dev.ensemble.cluster.BusFields.text;
import static dev.ensemble.cluster.BusFields.uuid;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * What nodes tell each other about a project's shared terminal over the bus (see {@link
 * TerminalRelay}), with its one binary encoding: a tag byte, then the fields in big-endian order
 * ({@code str}: an {@code int} length and UTF-8; {@code uuid}: two {@code long}s). Every message
 * starts with the sending node's id. docs/scaling.md, "Terminal", has the table.
 */
sealed interface TerminalBusMessage {
  String node();

  /** The terminal opened, resized or ended; {@code lastSeq} is its newest output at that moment. */
  record State(String node, TerminalState state, long lastSeq) implements TerminalBusMessage {}

  /** Output in sequence order; one terminal's batches are published one at a time. */
  record Output(String node, UUID sessionId, List<TerminalChunk> chunks) implements TerminalBusMessage {}

  /** Asks the terminal's node for its state and the output it still has after {@code afterSeq}. */
  record BacklogRequest(String node, String requestId, UUID sessionId, long afterSeq) implements TerminalBusMessage {}

  /** Answers a {@link BacklogRequest}. */
  record Backlog(String node, String requestId, State state, List<TerminalChunk> chunks) implements TerminalBusMessage {}

  /** An editor on {@code node} typed {@code data}. */
  record Input(String node, String requestId, UUID sessionId, byte[] data) implements TerminalBusMessage {}

  /** An editor on {@code node} resized the terminal. */
  record Resize(String node, String requestId, UUID sessionId, Pty.Size size) implements TerminalBusMessage {}

  /** An editor on {@code node} closed the terminal. */
  record Close(String node, String requestId, UUID sessionId) implements TerminalBusMessage {}

  /** The terminal's node answers an input, resize or close: {@code code} empty when done, else the refusal. */
  record Reply(String node, String requestId, String code, String message) implements TerminalBusMessage {}

  byte STATE = 1;
  byte OUTPUT = 2;
  byte BACKLOG_REQUEST = 3;
  byte BACKLOG = 4;
  byte INPUT = 5;
  byte RESIZE = 6;
  byte CLOSE = 7;
  byte REPLY = 8;

  static byte[] encode(TerminalBusMessage message) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      if (message instanceof State s) {
        out.writeByte(STATE);
        text(out, s.node());
        state(out, s);
      } else if (message instanceof Output o) {
        out.writeByte(OUTPUT);
        text(out, o.node());
        uuid(out, o.sessionId());
        chunks(out, o.chunks());
      } else if (message instanceof BacklogRequest q) {
        out.writeByte(BACKLOG_REQUEST);
        text(out, q.node());
        text(out, q.requestId());
        uuid(out, q.sessionId());
        out.writeLong(q.afterSeq());
      } else if (message instanceof Backlog b) {
        out.writeByte(BACKLOG);
        text(out, b.node());
        text(out, b.requestId());
        state(out, b.state());
        chunks(out, b.chunks());
      } else if (message instanceof Input i) {
        out.writeByte(INPUT);
        text(out, i.node());
        text(out, i.requestId());
        uuid(out, i.sessionId());
        out.writeInt(i.data().length);
        out.write(i.data());
      } else if (message instanceof Resize r) {
        out.writeByte(RESIZE);
        text(out, r.node());
        text(out, r.requestId());
        uuid(out, r.sessionId());
        out.writeInt(r.size().cols());
        out.writeInt(r.size().rows());
      } else if (message instanceof Close c) {
        out.writeByte(CLOSE);
        text(out, c.node());
        text(out, c.requestId());
        uuid(out, c.sessionId());
      } else if (message instanceof Reply r) {
        out.writeByte(REPLY);
        text(out, r.node());
        text(out, r.requestId());
        text(out, r.code());
        text(out, r.message());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /** Decodes a message; empty when it is not one (another version, or damaged). */
  static Optional<TerminalBusMessage> decode(byte[] payload) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(payload))) {
      byte tag = in.readByte();
      String node = text(in);
      return Optional.of(switch (tag) {
        case STATE -> state(in, node);
        case OUTPUT -> new Output(node, uuid(in), chunks(in));
        case BACKLOG_REQUEST -> new BacklogRequest(node, text(in), uuid(in), in.readLong());
        case BACKLOG -> new Backlog(node, text(in), state(in, node), chunks(in));
        case INPUT -> {
          String request = text(in);
          UUID session = uuid(in);
          int n = in.readInt();
          if (n < 0 || n > payload.length) {
            throw new IOException("bad length");
          }
          yield new Input(node, request, session, in.readNBytes(n));
        }
        case RESIZE -> new Resize(node, text(in), uuid(in), new Pty.Size(in.readInt(), in.readInt()));
        case CLOSE -> new Close(node, text(in), uuid(in));
        case REPLY -> new Reply(node, text(in), text(in), text(in));
        default -> throw new IOException("unknown terminal message");
      });
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /** uuid session, uuid project, bool running, int cols, int rows, uuid started by id, str started by,
   * long started at (epoch ms), int exit code (-1: none), str end reason (empty: running), long last seq. */
  private static void state(DataOutputStream out, State s) throws IOException {
    TerminalState t = s.state();
    uuid(out, t.sessionId());
    uuid(out, t.projectId());
    out.writeBoolean(t.running());
    out.writeInt(t.size().cols());
    out.writeInt(t.size().rows());
    uuid(out, t.startedById());
    text(out, t.startedBy());
    out.writeLong(t.startedAt().toEpochMilli());
    out.writeInt(t.exitCode().orElse(-1));
    text(out, t.endReason().map(TerminalState.EndReason::wire).orElse(""));
    out.writeLong(s.lastSeq());
  }

  private static State state(DataInputStream in, String node) throws IOException {
    UUID session = uuid(in);
    UUID project = uuid(in);
    boolean running = in.readBoolean();
    Pty.Size size = new Pty.Size(in.readInt(), in.readInt());
    UUID by = uuid(in);
    String byName = text(in);
    Instant at = Instant.ofEpochMilli(in.readLong());
    int exit = in.readInt();
    String reason = text(in);
    Optional<TerminalState.EndReason> end = reason.isEmpty()
        ? Optional.empty()
        : Optional.of(TerminalState.EndReason.valueOf(reason.toUpperCase(java.util.Locale.ROOT)));
    return new State(node, new TerminalState(session, project, running, size, by, byName, at,
        exit < 0 ? Optional.empty() : Optional.of(exit), end), in.readLong());
  }

  /** int n, then n × (long seq, int bytes on the terminal, str text). */
  private static void chunks(DataOutputStream out, List<TerminalChunk> chunks) throws IOException {
    out.writeInt(chunks.size());
    for (TerminalChunk c : chunks) {
      out.writeLong(c.seq());
      out.writeInt(c.bytes());
      text(out, c.data());
    }
  }

  private static List<TerminalChunk> chunks(DataInputStream in) throws IOException {
    int n = in.readInt();
    List<TerminalChunk> out = new ArrayList<>(Math.min(Math.max(n, 0), 4096));
    for (int i = 0; i < n; i++) {
      long seq = in.readLong();
      int bytes = in.readInt();
      out.add(new TerminalChunk(seq, text(in), bytes));
    }
    return out;
  }
}
