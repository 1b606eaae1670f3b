package dev.ensemble.ai.support;

import dev.ensemble.ai.support.ProviderStandIn.Script;
import dev.ensemble.ai.support.ProviderStandIn.Step;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * OpenAI's chat-completions streaming protocol as the stand-in speaks it: SSE {@code data:}
 * chunks with {@code choices[].delta.content}, a final chunk with {@code finish_reason}, a usage
 * chunk with empty choices when {@code stream_options.include_usage} was asked for, then
 * {@code data: [DONE]}; errors as {@code {"error": {message, type, param, code}}}.
 */
public final class OpenAiWire {
  private OpenAiWire() {}

  public static final Map<String, String> SSE_HEADERS =
      Map.of("Content-Type", "text/event-stream; charset=utf-8", "Cache-Control", "no-cache");

  /** A complete streamed answer, written with a short pause between tokens. */
  public static Function<JsonObject, Script> answer(List<String> tokens, int promptTokens, int completionTokens) {
    return request -> {
      List<Step> steps = new ArrayList<>(opening(request, tokens, 2));
      steps.add(chunk(request, new JsonObject(), "stop"));
      if (request.getJsonObject("stream_options", new JsonObject()).getBoolean("include_usage", false)) {
        steps.add(frame(base(request)
            .put("choices", new JsonArray())
            .put("usage", new JsonObject()
                .put("prompt_tokens", promptTokens)
                .put("completion_tokens", completionTokens)
                .put("total_tokens", promptTokens + completionTokens))));
      }
      steps.add(new Step.Write("data: [DONE]\n\n"));
      steps.add(new Step.End());
      return new Script(200, SSE_HEADERS, steps);
    };
  }

  /**
   * A complete streamed answer that stops after {@code before} until {@code signal} is raised on
   * the stand-in, then writes {@code after}: a test sees the answer half-written for as long as
   * it needs to. Tokens are {@code pauseMillis} apart, so the text also arrives progressively.
   */
  public static Function<JsonObject, Script> answerHeldUntil(
      String signal, List<String> before, List<String> after, long pauseMillis) {
    return request -> {
      List<Step> steps = new ArrayList<>(opening(request, before, pauseMillis));
      steps.add(new Step.WaitFor(signal));
      for (String t : after) {
        steps.add(new Step.Pause(pauseMillis));
        steps.add(chunk(request, new JsonObject().put("content", t), null));
      }
      steps.add(chunk(request, new JsonObject(), "stop"));
      steps.add(new Step.Write("data: [DONE]\n\n"));
      steps.add(new Step.End());
      return new Script(200, SSE_HEADERS, steps);
    };
  }

  /**
   * An answer to the legacy {@code POST /v1/completions} (what llama.cpp, vLLM and Ollama serve for
   * fill-in-the-middle), not streamed: one {@code text_completion} object with its {@code usage},
   * written whole after {@code delayMillis} (the model's thinking time).
   */
  public static Function<JsonObject, Script> completion(
      String text, int promptTokens, int completionTokens, long delayMillis) {
    return request -> {
      JsonObject body = new JsonObject()
          .put("id", "cmpl-standin")
          .put("object", "text_completion")
          .put("created", 1_700_000_000)
          .put("model", request.getString("model"))
          .put("system_fingerprint", "fp_standin")
          .put("choices", new JsonArray().add(new JsonObject()
              .put("text", text)
              .put("index", 0)
              .putNull("logprobs")
              .put("finish_reason", "stop")))
          .put("usage", new JsonObject()
              .put("prompt_tokens", promptTokens)
              .put("completion_tokens", completionTokens)
              .put("total_tokens", promptTokens + completionTokens));
      List<Step> steps = new ArrayList<>();
      if (delayMillis > 0) {
        steps.add(new Step.Pause(delayMillis));
      }
      steps.add(new Step.Write(body.encode()));
      steps.add(new Step.End());
      return new Script(200, Map.of("Content-Type", "application/json"), steps);
    };
  }

  /**
   * A streamed answer of {@code count} tokens, {@code pauseMillis} apart, each token's text being
   * the stand-in's {@link System#nanoTime()} at the moment it wrote it (for latency benchmarks in
   * one JVM).
   */
  public static Function<JsonObject, Script> stampedAnswer(int count, long pauseMillis) {
    return request -> {
      List<Step> steps = new ArrayList<>(opening(request, List.of(), 0));
      for (int i = 0; i < count; i++) {
        steps.add(new Step.Pause(pauseMillis));
        steps.add(new Step.Stamped(now -> "data: " + base(request).put("choices", new JsonArray().add(new JsonObject()
            .put("index", 0)
            .put("delta", new JsonObject().put("content", now + " "))
            .putNull("logprobs")
            .putNull("finish_reason"))).encode() + "\n\n"));
      }
      steps.add(chunk(request, new JsonObject(), "stop"));
      steps.add(new Step.Write("data: [DONE]\n\n"));
      steps.add(new Step.End());
      return new Script(200, SSE_HEADERS, steps);
    };
  }

  /** A tool call the model makes: its id, the tool's name and the arguments as JSON text. */
  public record ToolCall(String id, String name, String arguments) {}

  /**
   * A turn that writes {@code text} (may be empty) and then calls tools: each call opens with a
   * {@code delta.tool_calls} entry carrying its index, id and function name, its arguments follow
   * in fragments, and the turn ends with {@code finish_reason: "tool_calls"}.
   */
  public static Function<JsonObject, Script> toolCalls(String text, List<ToolCall> calls) {
    return request -> {
      List<Step> steps = new ArrayList<>(opening(request, text.isEmpty() ? List.of() : List.of(text), 1));
      for (int i = 0; i < calls.size(); i++) {
        ToolCall c = calls.get(i);
        steps.add(chunk(request, new JsonObject().put("tool_calls", new JsonArray().add(new JsonObject()
            .put("index", i)
            .put("id", c.id())
            .put("type", "function")
            .put("function", new JsonObject().put("name", c.name()).put("arguments", "")))), null));
        for (String fragment : fragments(c.arguments())) {
          steps.add(chunk(request, new JsonObject().put("tool_calls", new JsonArray().add(new JsonObject()
              .put("index", i)
              .put("function", new JsonObject().put("arguments", fragment)))), null));
        }
      }
      steps.add(chunk(request, new JsonObject(), "tool_calls"));
      if (request.getJsonObject("stream_options", new JsonObject()).getBoolean("include_usage", false)) {
        steps.add(frame(base(request)
            .put("choices", new JsonArray())
            .put("usage", new JsonObject().put("prompt_tokens", 30).put("completion_tokens", 10).put("total_tokens", 40))));
      }
      steps.add(new Step.Write("data: [DONE]\n\n"));
      steps.add(new Step.End());
      return new Script(200, SSE_HEADERS, steps);
    };
  }

  /** Arguments cut in three, the way they arrive from a model writing them token by token. */
  static List<String> fragments(String json) {
    int a = json.length() / 3;
    int b = 2 * json.length() / 3;
    return List.of(json.substring(0, a), json.substring(a, b), json.substring(b)).stream()
        .filter(f -> !f.isEmpty())
        .toList();
  }

  /** Some tokens, then nothing more until the client goes away. */
  public static Function<JsonObject, Script> tokensThenHang(List<String> tokens) {
    return request -> {
      List<Step> steps = new ArrayList<>(opening(request, tokens, 0));
      steps.add(new Step.Hang());
      return new Script(200, SSE_HEADERS, steps);
    };
  }

  /** Some tokens, then the connection breaks mid-response. */
  public static Function<JsonObject, Script> tokensThenDrop(List<String> tokens) {
    return request -> {
      List<Step> steps = new ArrayList<>(opening(request, tokens, 0));
      steps.add(new Step.Pause(50));
      steps.add(new Step.Drop());
      return new Script(200, SSE_HEADERS, steps);
    };
  }

  /** An HTTP error with OpenAI's error body. */
  public static Script error(int status, String type, String code, String message, Map<String, String> headers) {
    JsonObject body = new JsonObject().put("error", new JsonObject()
        .put("message", message).put("type", type).putNull("param").put("code", code));
    Map<String, String> all = new java.util.HashMap<>(headers);
    all.put("Content-Type", "application/json");
    return new Script(status, all, List.of(new Step.Write(body.encode()), new Step.End()));
  }

  private static List<Step> opening(JsonObject request, List<String> tokens, long pauseMillis) {
    List<Step> steps = new ArrayList<>();
    steps.add(chunk(request, new JsonObject().put("role", "assistant").put("content", ""), null));
    for (String t : tokens) {
      if (pauseMillis > 0) {
        steps.add(new Step.Pause(pauseMillis));
      }
      steps.add(chunk(request, new JsonObject().put("content", t), null));
    }
    return steps;
  }

  private static Step chunk(JsonObject request, JsonObject delta, String finishReason) {
    JsonObject choice = new JsonObject().put("index", 0).put("delta", delta).putNull("logprobs");
    choice.put("finish_reason", finishReason);
    return frame(base(request).put("choices", new JsonArray().add(choice)));
  }

  private static JsonObject base(JsonObject request) {
    return new JsonObject()
        .put("id", "chatcmpl-standin")
        .put("object", "chat.completion.chunk")
        .put("created", 1_700_000_000)
        .put("model", request.getString("model"))
        .put("system_fingerprint", "fp_standin");
  }

  private static Step frame(JsonObject json) {
    return new Step.Write("data: " + json.encode() + "\n\n");
  }
}
