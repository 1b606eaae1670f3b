package dev.ensemble.ai;

import dev.ensemble.ai.AiProvider.Answer;
import dev.ensemble.ai.AiProvider.Failure;
import dev.ensemble.ai.AiProvider.Usage;
import java.util.List;

/**
 * A chat model that may answer with calls to tools instead of (or after) text: one turn of a
 * conversation that the caller continues with the tools' results. Callbacks arrive on the
 * provider's own threads; after {@link Answer#cancel()} none is made, and otherwise exactly one of
 * {@code completed} or {@code failed} ends the turn.
 */
public interface ToolCallingModel {

  /** Starts one turn: streams its text and reports the tool calls it ends with. */
  Answer turn(Request request, Observer observer);

  /** The model, the size limit of the reply, a system instruction, the conversation and the tools. */
  record Request(String model, int maxTokens, String system, List<Message> messages, List<Tool> tools) {}

  /** One message of the conversation so far. */
  sealed interface Message {
    record User(String text) implements Message {}

    /** What the model said in an earlier turn, with the tool calls it made then. */
    record Assistant(String text, List<ToolCall> calls) implements Message {}

    /** The outcome of one tool call, answering the call with the same id. */
    record ToolResult(String callId, String toolName, String text) implements Message {}
  }

  /** A tool the model may call: its name, what it does and its parameters. */
  record Tool(String name, String description, List<Parameter> parameters) {}

  /** One parameter of a tool. */
  record Parameter(String name, Type type, String description, boolean required) {
    public enum Type { STRING, INTEGER, BOOLEAN }
  }

  /** A call the model asked for; {@code arguments} is the JSON text the model wrote. */
  record ToolCall(String id, String name, String arguments) {}

  /** A finished turn: its text (possibly empty), the tool calls to make (possibly none) and its usage. */
  record Reply(String text, List<ToolCall> calls, Usage usage) {}

  /** Receives a turn as it streams. */
  interface Observer {
    void token(String text);

    void completed(Reply reply);

    void failed(Failure failure);
  }
}
