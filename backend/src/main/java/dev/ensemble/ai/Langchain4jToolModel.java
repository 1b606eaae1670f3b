package dev.ensemble.ai;

import dev.ensemble.ai.AiProvider.Answer;
import dev.ensemble.ai.AiProvider.Failure;
import dev.ensemble.ai.AiProvider.Prompt;
import dev.ensemble.ai.AiProvider.Usage;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.json.JsonObjectSchema;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.output.TokenUsage;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The tool-calling port over langchain4j's streaming chat models: tools go out as
 * {@link ToolSpecification}s, the model's tool calls come back in the complete response's
 * {@link AiMessage}, and the caller runs the loop. It shares {@link Langchain4jProvider}'s models
 * and {@link UpstreamExchange}, so stop and provider errors behave as in chat.
 */
final class Langchain4jToolModel implements ToolCallingModel {
  private final Langchain4jProvider provider;

  Langchain4jToolModel(Langchain4jProvider provider) {
    this.provider = provider;
  }

  @Override
  public Answer turn(Request request, Observer observer) {
    UpstreamExchange exchange = provider.newExchange();
    long promptChars = request.system().length() + request.messages().stream().mapToLong(Langchain4jToolModel::chars).sum();
    Call call = new Call(exchange, observer, promptChars);
    exchange.whenClosed(call::streamClosed);
    try {
      provider
          .model(new Prompt(request.model(), request.maxTokens(), request.system(), List.of()), exchange)
          .chat(
              ChatRequest.builder()
                  .messages(messages(request))
                  .toolSpecifications(request.tools().stream().map(Langchain4jToolModel::specification).toList())
                  .build(),
              call);
    } catch (RuntimeException e) {
      call.onError(e);
    }
    return call;
  }

  private static long chars(Message m) {
    if (m instanceof Message.User u) {
      return u.text().length();
    }
    if (m instanceof Message.Assistant a) {
      return a.text().length() + a.calls().stream().mapToLong(c -> c.arguments().length()).sum();
    }
    return ((Message.ToolResult) m).text().length();
  }

  static List<ChatMessage> messages(Request request) {
    List<ChatMessage> out = new ArrayList<>();
    out.add(SystemMessage.from(request.system()));
    for (Message m : request.messages()) {
      if (m instanceof Message.User u) {
        out.add(UserMessage.from(u.text()));
      } else if (m instanceof Message.Assistant a && a.calls().isEmpty()) {
        out.add(AiMessage.from(a.text()));
      } else if (m instanceof Message.Assistant a) {
        List<ToolExecutionRequest> calls = a.calls().stream()
            .map(c -> ToolExecutionRequest.builder().id(c.id()).name(c.name()).arguments(c.arguments()).build())
            .toList();
        // Anthropic refuses an empty text block, so a turn of calls alone carries no text.
        out.add(a.text().isBlank() ? AiMessage.from(calls) : AiMessage.from(a.text(), calls));
      } else if (m instanceof Message.ToolResult r) {
        out.add(ToolExecutionResultMessage.from(r.callId(), r.toolName(), r.text()));
      }
    }
    return out;
  }

  static ToolSpecification specification(Tool tool) {
    JsonObjectSchema.Builder schema = JsonObjectSchema.builder();
    List<String> required = new ArrayList<>();
    for (Parameter p : tool.parameters()) {
      switch (p.type()) {
        case STRING -> schema.addStringProperty(p.name(), p.description());
        case INTEGER -> schema.addIntegerProperty(p.name(), p.description());
        default -> schema.addBooleanProperty(p.name(), p.description());
      }
      if (p.required()) {
        required.add(p.name());
      }
    }
    return ToolSpecification.builder()
        .name(tool.name())
        .description(tool.description())
        .parameters(schema.required(required).build())
        .build();
  }

  /** One turn: forwards text until it ends or is cancelled, then stays silent. */
  private static final class Call implements StreamingChatResponseHandler, Answer {
    private final UpstreamExchange exchange;
    private final Observer observer;
    private final long promptChars;
    private final AtomicBoolean over = new AtomicBoolean();
    private final AtomicLong answerChars = new AtomicLong();

    Call(UpstreamExchange exchange, Observer observer, long promptChars) {
      this.exchange = exchange;
      this.observer = observer;
      this.promptChars = promptChars;
    }

    @Override
    public void cancel() {
      over.set(true);
      exchange.abort();
    }

    @Override
    public void onPartialResponse(String text) {
      if (!over.get() && text != null && !text.isEmpty()) {
        answerChars.addAndGet(text.length());
        observer.token(text);
      }
    }

    @Override
    public void onCompleteResponse(ChatResponse response) {
      if (!over.compareAndSet(false, true)) {
        return;
      }
      AiMessage message = response.aiMessage();
      List<ToolCall> calls = message.hasToolExecutionRequests()
          ? message.toolExecutionRequests().stream()
              .map(r -> new ToolCall(r.id(), r.name(), r.arguments() == null ? "" : r.arguments()))
              .toList()
          : List.of();
      calls.forEach(c -> answerChars.addAndGet(c.arguments().length()));
      Usage usage = usage(response.tokenUsage());
      if (!exchange.sawEnd()) {
        observer.failed(new Failure(
            "ai_stream_dropped", "The provider closed the stream before the answer was complete.",
            Optional.empty(), Optional.of(usage)));
        return;
      }
      observer.completed(new Reply(message.text() == null ? "" : message.text(), calls, usage));
    }

    void streamClosed() {
      if (over.compareAndSet(false, true)) {
        observer.failed(new Failure(
            "ai_stream_dropped", "The provider closed the stream before the answer was complete.",
            Optional.empty(), Optional.of(estimated())));
      }
    }

    @Override
    public void onError(Throwable error) {
      if (over.compareAndSet(false, true)) {
        observer.failed(Langchain4jProvider.classify(error, exchange.retryAfterSeconds(), Optional.of(estimated())));
      }
    }

    private Usage usage(TokenUsage reported) {
      if (reported == null || reported.inputTokenCount() == null || reported.outputTokenCount() == null
          || (reported.inputTokenCount() == 0 && reported.outputTokenCount() == 0)) {
        return estimated();
      }
      return new Usage(reported.inputTokenCount(), reported.outputTokenCount(), false);
    }

    private Usage estimated() {
      return new Usage(
          Langchain4jProvider.estimateTokens(promptChars), Langchain4jProvider.estimateTokens(answerChars.get()), true);
    }
  }
}
