package dev.ensemble.ai;

import static dev.ensemble.cluster.BusFields.text;
import static dev.ensemble.cluster.BusFields.uuid;

import dev.ensemble.ai.AiProvider.Usage;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Optional;
import java.util.UUID;

/**
 * What nodes tell each other about answers over the bus (see {@link ChatRelay} and
 * {@link AnswerControl}), with its one binary encoding: a tag byte, then the fields (docs/scaling.md,
 * "Chat").
 */
sealed interface ChatBusMessage {
  /** The id of the node that published it; receivers skip their own node's messages. */
  String node();

  /**
   * One step of an answer, numbered from 1 ({@link Started}) per answer by the answering node, and
   * published in that order, one at a time.
   */
  sealed interface Event extends ChatBusMessage {
    UUID threadId();

    UUID messageId();

    long seq();
  }

  /** An answer began. */
  record Started(String node, UUID threadId, UUID messageId, long seq, UUID askedBy, String model,
      Optional<JsonArray> context) implements Event {}

  /**
   * Text of the answer: {@code text} goes at {@code offset} (UTF-16 units) of part {@code segment}
   * (an agent's text starts afresh after each thought; a chat answer has only part 0).
   */
  record Tokens(String node, UUID threadId, UUID messageId, long seq, int segment, int offset, String text)
      implements Event {}

  /** An agent step, its whole current state as in the {@code step} event. */
  record Step(String node, UUID threadId, UUID messageId, long seq, JsonObject step) implements Event {}

  /** A step too large for the bus: receivers read it from the store; {@code thought} as for {@link Step}. */
  record StepInStore(String node, UUID threadId, UUID messageId, long seq, UUID stepId, boolean thought)
      implements Event {}

  /** The answer ended without a provider error; its text ({@code chars} of part {@code segment}) is stored. */
  record Done(String node, UUID threadId, UUID messageId, long seq, int segment, int chars, MessageStatus status,
      Usage usage, Optional<String> stoppedBy, JsonObject extra) implements Event {}

  /** The answer failed; its text so far is stored. */
  record Failed(String node, UUID threadId, UUID messageId, long seq, int segment, int chars, String code,
      String message, Optional<Long> retryAfter) implements Event {}

  /** Someone on another node asks the node writing the thread's answer (or agent run) to stop it. */
  record StopRequest(String node, String requestId, UUID threadId, boolean agent, String username)
      implements ChatBusMessage {}

  /** The answering node's reply to a {@link StopRequest}, once the stopped answer is stored. */
  record StopReply(String node, String requestId, boolean stopped) implements ChatBusMessage {}

  /**
   * Someone on another node, already allowed to (an editor or owner of {@code projectId}), approves
   * or rejects a step of the agent run in the thread; {@code reason} is never empty when present.
   */
  record DecideRequest(String node, String requestId, UUID projectId, UUID threadId, UUID stepId, boolean approve,
      UUID userId, String username, Optional<String> reason) implements ChatBusMessage {}

  /**
   * The running node's reply to a {@link DecideRequest}: {@code status} 200 and the decided step's
   * JSON, an HTTP error status and the error's {@code {code, message}}, or {@link #NO_AGENT_RUN}.
   */
  record DecideReply(String node, String requestId, int status, JsonObject body) implements ChatBusMessage {
    /** The status when the node writes a chat answer, not an agent run, in the thread. */
    static final int NO_AGENT_RUN = 0;
  }

  byte STARTED = 1;
  byte TOKENS = 2;
  byte STEP = 3;
  byte STEP_IN_STORE = 4;
  byte DONE = 5;
  byte FAILED = 6;
  byte STOP_REQUEST = 7;
  byte STOP_REPLY = 8;
  byte DECIDE_REQUEST = 9;
  byte DECIDE_REPLY = 10;

  static byte[] encode(ChatBusMessage message) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      if (message instanceof Started m) {
        head(out, STARTED, m);
        uuid(out, m.askedBy());
        text(out, m.model());
        text(out, m.context().map(JsonArray::encode).orElse(""));
      } else if (message instanceof Tokens m) {
        head(out, TOKENS, m);
        out.writeInt(m.segment());
        out.writeInt(m.offset());
        text(out, m.text());
      } else if (message instanceof Step m) {
        head(out, STEP, m);
        text(out, m.step().encode());
      } else if (message instanceof StepInStore m) {
        head(out, STEP_IN_STORE, m);
        uuid(out, m.stepId());
        out.writeBoolean(m.thought());
      } else if (message instanceof Done m) {
        head(out, DONE, m);
        out.writeInt(m.segment());
        out.writeInt(m.chars());
        text(out, m.status().wire());
        out.writeLong(m.usage().promptTokens());
        out.writeLong(m.usage().completionTokens());
        out.writeBoolean(m.usage().estimated());
        text(out, m.stoppedBy().orElse(""));
        text(out, m.extra().encode());
      } else if (message instanceof Failed m) {
        head(out, FAILED, m);
        out.writeInt(m.segment());
        out.writeInt(m.chars());
        text(out, m.code());
        text(out, m.message());
        out.writeLong(m.retryAfter().orElse(-1L));
      } else if (message instanceof StopRequest m) {
        out.writeByte(STOP_REQUEST);
        text(out, m.node());
        text(out, m.requestId());
        uuid(out, m.threadId());
        out.writeBoolean(m.agent());
        text(out, m.username());
      } else if (message instanceof StopReply m) {
        out.writeByte(STOP_REPLY);
        text(out, m.node());
        text(out, m.requestId());
        out.writeBoolean(m.stopped());
      } else if (message instanceof DecideRequest m) {
        out.writeByte(DECIDE_REQUEST);
        text(out, m.node());
        text(out, m.requestId());
        uuid(out, m.projectId());
        uuid(out, m.threadId());
        uuid(out, m.stepId());
        out.writeBoolean(m.approve());
        uuid(out, m.userId());
        text(out, m.username());
        text(out, m.reason().orElse(""));
      } else if (message instanceof DecideReply m) {
        out.writeByte(DECIDE_REPLY);
        text(out, m.node());
        text(out, m.requestId());
        out.writeInt(m.status());
        text(out, m.body().encode());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /** Decodes a message; empty when it is not one (another version, or damaged). */
  static Optional<ChatBusMessage> decode(byte[] payload) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(payload))) {
      byte tag = in.readByte();
      if (tag == STOP_REQUEST) {
        return Optional.of(new StopRequest(text(in), text(in), uuid(in), in.readBoolean(), text(in)));
      }
      if (tag == STOP_REPLY) {
        return Optional.of(new StopReply(text(in), text(in), in.readBoolean()));
      }
      if (tag == DECIDE_REQUEST) {
        String node = text(in);
        String requestId = text(in);
        UUID projectId = uuid(in);
        UUID threadId = uuid(in);
        UUID stepId = uuid(in);
        boolean approve = in.readBoolean();
        UUID userId = uuid(in);
        String username = text(in);
        String reason = text(in);
        return Optional.of(new DecideRequest(node, requestId, projectId, threadId, stepId, approve, userId, username,
            reason.isEmpty() ? Optional.empty() : Optional.of(reason)));
      }
      if (tag == DECIDE_REPLY) {
        return Optional.of(new DecideReply(text(in), text(in), in.readInt(), new JsonObject(text(in))));
      }
      String node = text(in);
      UUID threadId = uuid(in);
      UUID messageId = uuid(in);
      long seq = in.readLong();
      return Optional.of(switch (tag) {
        case STARTED -> {
          UUID askedBy = uuid(in);
          String model = text(in);
          String context = text(in);
          yield new Started(node, threadId, messageId, seq, askedBy, model,
              context.isEmpty() ? Optional.empty() : Optional.of(new JsonArray(context)));
        }
        case TOKENS -> new Tokens(node, threadId, messageId, seq, in.readInt(), in.readInt(), text(in));
        case STEP -> new Step(node, threadId, messageId, seq, new JsonObject(text(in)));
        case STEP_IN_STORE -> new StepInStore(node, threadId, messageId, seq, uuid(in), in.readBoolean());
        case DONE -> {
          int segment = in.readInt();
          int chars = in.readInt();
          MessageStatus status = MessageStatus.parse(text(in));
          Usage usage = new Usage(in.readLong(), in.readLong(), in.readBoolean());
          String stoppedBy = text(in);
          yield new Done(node, threadId, messageId, seq, segment, chars, status, usage,
              stoppedBy.isEmpty() ? Optional.empty() : Optional.of(stoppedBy), new JsonObject(text(in)));
        }
        case FAILED -> {
          int segment = in.readInt();
          int chars = in.readInt();
          String code = text(in);
          String message = text(in);
          long retry = in.readLong();
          yield new Failed(node, threadId, messageId, seq, segment, chars, code, message,
              retry < 0 ? Optional.empty() : Optional.of(retry));
        }
        default -> throw new IOException("unknown chat message");
      });
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  private static void head(DataOutputStream out, byte tag, Event e) throws IOException {
    out.writeByte(tag);
    text(out, e.node());
    uuid(out, e.threadId());
    uuid(out, e.messageId());
    out.writeLong(e.seq());
  }
}
