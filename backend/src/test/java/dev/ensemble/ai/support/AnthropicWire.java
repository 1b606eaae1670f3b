package dev.ensemble.ai.support;

import dev.ensemble.ai.support.ProviderStandIn.Script;
import dev.ensemble.ai.support.ProviderStandIn.Step;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Anthropic's messages streaming protocol as the stand-in speaks it: named SSE events
 * {@code message_start} (with input usage), {@code content_block_start}, {@code ping},
 * {@code content_block_delta} with {@code text_delta}, {@code content_block_stop},
 * {@code message_delta} (stop reason and output usage), {@code message_stop}; {@code error}
 * events mid-stream and {@code {"type":"error","error":{type, message}}} bodies for HTTP errors.
 */
public final class AnthropicWire {
  private AnthropicWire() {}

  public static final Map<String, String> SSE_HEADERS =
      Map.of("Content-Type", "text/event-stream; charset=utf-8", "Cache-Control", "no-cache");

  public static Function<JsonObject, Script> answer(List<String> tokens, int inputTokens, int outputTokens) {
    return request -> {
      List<Step> steps = new ArrayList<>(opening(request, tokens, inputTokens));
      steps.add(event("content_block_stop", new JsonObject().put("type", "content_block_stop").put("index", 0)));
      steps.add(event("message_delta", new JsonObject()
          .put("type", "message_delta")
          .put("delta", new JsonObject().put("stop_reason", "end_turn").putNull("stop_sequence"))
          .put("usage", new JsonObject().put("output_tokens", outputTokens))));
      steps.add(event("message_stop", new JsonObject().put("type", "message_stop")));
      steps.add(new Step.End());
      return new Script(200, SSE_HEADERS, steps);
    };
  }

  /**
   * A turn that writes {@code text} (may be empty) and then uses tools: each call is a
   * {@code content_block_start} of type {@code tool_use} with its id and name, its input in
   * {@code input_json_delta} fragments and a {@code content_block_stop}; the message ends with
   * {@code stop_reason: "tool_use"}.
   */
  public static Function<JsonObject, Script> toolUse(String text, List<OpenAiWire.ToolCall> calls) {
    return request -> {
      List<Step> steps = new ArrayList<>();
      steps.add(event("message_start", new JsonObject()
          .put("type", "message_start")
          .put("message", new JsonObject()
              .put("id", "msg_standin")
              .put("type", "message")
              .put("role", "assistant")
              .put("model", request.getString("model"))
              .put("content", new JsonArray())
              .putNull("stop_reason")
              .putNull("stop_sequence")
              .put("usage", new JsonObject().put("input_tokens", 30).put("output_tokens", 1)))));
      int index = 0;
      if (!text.isEmpty()) {
        steps.add(event("content_block_start", new JsonObject()
            .put("type", "content_block_start")
            .put("index", index)
            .put("content_block", new JsonObject().put("type", "text").put("text", ""))));
        steps.add(event("content_block_delta", new JsonObject()
            .put("type", "content_block_delta")
            .put("index", index)
            .put("delta", new JsonObject().put("type", "text_delta").put("text", text))));
        steps.add(event("content_block_stop", new JsonObject().put("type", "content_block_stop").put("index", index)));
        index++;
      }
      for (OpenAiWire.ToolCall c : calls) {
        steps.add(event("content_block_start", new JsonObject()
            .put("type", "content_block_start")
            .put("index", index)
            .put("content_block", new JsonObject()
                .put("type", "tool_use").put("id", c.id()).put("name", c.name()).put("input", new JsonObject()))));
        for (String fragment : OpenAiWire.fragments(c.arguments())) {
          steps.add(event("content_block_delta", new JsonObject()
              .put("type", "content_block_delta")
              .put("index", index)
              .put("delta", new JsonObject().put("type", "input_json_delta").put("partial_json", fragment))));
        }
        steps.add(event("content_block_stop", new JsonObject().put("type", "content_block_stop").put("index", index)));
        index++;
      }
      steps.add(event("message_delta", new JsonObject()
          .put("type", "message_delta")
          .put("delta", new JsonObject().put("stop_reason", "tool_use").putNull("stop_sequence"))
          .put("usage", new JsonObject().put("output_tokens", 12))));
      steps.add(event("message_stop", new JsonObject().put("type", "message_stop")));
      steps.add(new Step.End());
      return new Script(200, SSE_HEADERS, steps);
    };
  }

  /** Some tokens, then an {@code error} event (e.g. {@code overloaded_error}) and the end. */
  public static Function<JsonObject, Script> tokensThenErrorEvent(List<String> tokens, String type, String message) {
    return request -> {
      List<Step> steps = new ArrayList<>(opening(request, tokens, 10));
      steps.add(event("error", new JsonObject()
          .put("type", "error")
          .put("error", new JsonObject().put("type", type).put("message", message))));
      steps.add(new Step.End());
      return new Script(200, SSE_HEADERS, steps);
    };
  }

  /** Some tokens, then the stream ends cleanly but without {@code message_stop}. */
  public static Function<JsonObject, Script> tokensThenEnd(List<String> tokens) {
    return request -> {
      List<Step> steps = new ArrayList<>(opening(request, tokens, 10));
      steps.add(new Step.End());
      return new Script(200, SSE_HEADERS, steps);
    };
  }

  public static Function<JsonObject, Script> tokensThenHang(List<String> tokens) {
    return request -> {
      List<Step> steps = new ArrayList<>(opening(request, tokens, 10));
      steps.add(new Step.Hang());
      return new Script(200, SSE_HEADERS, steps);
    };
  }

  /** An HTTP error with Anthropic's error body. */
  public static Script error(int status, String type, String message, Map<String, String> headers) {
    JsonObject body = new JsonObject()
        .put("type", "error")
        .put("error", new JsonObject().put("type", type).put("message", message));
    Map<String, String> all = new HashMap<>(headers);
    all.put("Content-Type", "application/json");
    all.put("request-id", "req_standin");
    return new Script(status, all, List.of(new Step.Write(body.encode()), new Step.End()));
  }

  private static List<Step> opening(JsonObject request, List<String> tokens, int inputTokens) {
    List<Step> steps = new ArrayList<>();
    steps.add(event("message_start", new JsonObject()
        .put("type", "message_start")
        .put("message", new JsonObject()
            .put("id", "msg_standin")
            .put("type", "message")
            .put("role", "assistant")
            .put("model", request.getString("model"))
            .put("content", new JsonArray())
            .putNull("stop_reason")
            .putNull("stop_sequence")
            .put("usage", new JsonObject().put("input_tokens", inputTokens).put("output_tokens", 1)))));
    steps.add(event("content_block_start", new JsonObject()
        .put("type", "content_block_start")
        .put("index", 0)
        .put("content_block", new JsonObject().put("type", "text").put("text", ""))));
    steps.add(event("ping", new JsonObject().put("type", "ping")));
    for (String t : tokens) {
      steps.add(new Step.Pause(2));
      steps.add(event("content_block_delta", new JsonObject()
          .put("type", "content_block_delta")
          .put("index", 0)
          .put("delta", new JsonObject().put("type", "text_delta").put("text", t))));
    }
    return steps;
  }

  private static Step event(String name, JsonObject data) {
    return new Step.Write("event: " + name + "\ndata: " + data.encode() + "\n\n");
  }
}
