package dev.ensemble.runs;

import io.vertx.core.json.JsonObject;
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

/**
 * What nodes tell each other about runs over the bus (see {@link RunRelay}), with its one binary
 * encoding: a tag byte, then the fields.
 */
sealed interface RunBusMessage {
  /** Output of a run, in sequence order; batches of one run are published one at a time. */
  record Output(List<RunChunk> chunks) implements RunBusMessage {}

  /** The run ended, and its whole output and its end are in the store. */
  record Ended(RunResult result) implements RunBusMessage {}

  /** Someone on another node asks the run's node to cancel it. */
  record CancelRequest(String requestId) implements RunBusMessage {}

  /** The run's node answers a {@link CancelRequest}. */
  record CancelReply(String requestId, boolean cancelled) implements RunBusMessage {}

  /** A run was accepted, started or ended on {@code node} (the project's topic). */
  record Notice(String node, boolean accepted, RunView run) implements RunBusMessage {}

  byte OUTPUT = 1;
  byte ENDED = 2;
  byte CANCEL_REQUEST = 3;
  byte CANCEL_REPLY = 4;
  byte NOTICE = 5;

  static byte[] encode(RunBusMessage message) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      if (message instanceof Output o) {
        out.writeByte(OUTPUT);
        out.writeInt(o.chunks().size());
        for (RunChunk c : o.chunks()) {
          out.writeLong(c.seq());
          out.writeByte(c.stream().ordinal());
          out.writeInt(c.data().length);
          out.write(c.data());
        }
      } else if (message instanceof Ended e) {
        RunResult r = e.result();
        out.writeByte(ENDED);
        out.writeUTF(r.status().wire());
        out.writeBoolean(r.exitCode().isPresent());
        out.writeInt(r.exitCode().orElse(0));
        out.writeLong(r.startedAt().toEpochMilli());
        out.writeLong(r.durationMs());
        out.writeLong(r.outputBytes());
        out.writeBoolean(r.truncated());
      } else if (message instanceof CancelRequest q) {
        out.writeByte(CANCEL_REQUEST);
        out.writeUTF(q.requestId());
      } else if (message instanceof CancelReply a) {
        out.writeByte(CANCEL_REPLY);
        out.writeUTF(a.requestId());
        out.writeBoolean(a.cancelled());
      } else if (message instanceof Notice n) {
        out.writeByte(NOTICE);
        out.writeUTF(n.node());
        out.writeBoolean(n.accepted());
        byte[] json = n.run().toJson().toBuffer().getBytes();
        out.writeInt(json.length);
        out.write(json);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /** Decodes a message; empty when it is not one (another version, or damaged). */
  static Optional<RunBusMessage> decode(byte[] payload) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(payload))) {
      return Optional.of(switch (in.readByte()) {
        case OUTPUT -> {
          int n = in.readInt();
          List<RunChunk> chunks = new ArrayList<>(Math.min(n, 4096));
          for (int i = 0; i < n; i++) {
            long seq = in.readLong();
            RunChunk.Stream stream = RunChunk.Stream.values()[in.readByte()];
            chunks.add(new RunChunk(seq, stream, in.readNBytes(in.readInt())));
          }
          yield new Output(chunks);
        }
        case ENDED -> {
          RunStatus status = RunStatus.fromWire(in.readUTF());
          boolean hasExit = in.readBoolean();
          int exit = in.readInt();
          yield new Ended(new RunResult(status, hasExit ? Optional.of(exit) : Optional.empty(),
              Instant.ofEpochMilli(in.readLong()), in.readLong(), in.readLong(), in.readBoolean()));
        }
        case CANCEL_REQUEST -> new CancelRequest(in.readUTF());
        case CANCEL_REPLY -> new CancelReply(in.readUTF(), in.readBoolean());
        case NOTICE -> {
          String node = in.readUTF();
          boolean accepted = in.readBoolean();
          yield new Notice(node, accepted, RunView.fromJson(new JsonObject(new String(in.readNBytes(in.readInt()),
              java.nio.charset.StandardCharsets.UTF_8))));
        }
        default -> throw new IOException("unknown run message");
      });
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }
}
