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
 * Gemini's {@code models/{model}:streamGenerateContent?alt=sse} as the stand-in speaks it: SSE
 * {@code data:} frames (CRLF-separated, as Google sends them), each a GenerateContentResponse
 * {@code {candidates[{content{parts[{text}], role:"model"}, finishReason?, index}], usageMetadata}};
 * the last chunk carries {@code finishReason} and the full usage, and no closing event follows.
 * Errors are {@code {"error": {code, message, status, details?}}} bodies.
 */
public final class GeminiWire {
  private GeminiWire() {}

  public static final Map<String, String> SSE_HEADERS =
      Map.of("Content-Type", "text/event-stream", "Cache-Control", "no-cache", "X-Content-Type-Options", "nosniff");

  /** The stand-in's API root as a Gemini client is configured with it. */
  public static String baseUrl(ProviderStandIn standIn) {
    return standIn.url("/v1beta");
  }

  /** A complete answer: one chunk per token, the last with {@code finishReason: STOP} and the full usage. */
  public static Function<JsonObject, Script> answer(List<String> tokens, int promptTokens, int candidateTokens) {
    return request -> {
      List<Step> steps = new ArrayList<>();
      for (int i = 0; i < tokens.size(); i++) {
        boolean last = i == tokens.size() - 1;
        steps.add(new Step.Pause(2));
        JsonObject usage = last
            ? new JsonObject()
                .put("promptTokenCount", promptTokens)
                .put("candidatesTokenCount", candidateTokens)
                .put("totalTokenCount", promptTokens + candidateTokens)
            : new JsonObject().put("promptTokenCount", promptTokens).put("totalTokenCount", promptTokens);
        steps.add(chunk(tokens.get(i), last ? "STOP" : null, usage));
      }
      steps.add(new Step.End());
      return new Script(200, SSE_HEADERS, steps);
    };
  }

  /**
   * A turn that writes {@code text} (may be empty) and then calls functions, as Gemini streams it:
   * the text in its own chunk, then one chunk whose parts are {@code {functionCall: {name, args}}}
   * (arguments as a JSON object, never in fragments; Gemini gives calls no ids) with
   * {@code finishReason: STOP} and the usage.
   */
  public static Function<JsonObject, Script> functionCalls(String text, List<OpenAiWire.ToolCall> calls) {
    return request -> {
      List<Step> steps = new ArrayList<>();
      if (!text.isEmpty()) {
        steps.add(chunk(text, null, new JsonObject().put("promptTokenCount", 9).put("totalTokenCount", 9)));
      }
      JsonArray parts = new JsonArray();
      for (OpenAiWire.ToolCall c : calls) {
        parts.add(new JsonObject().put("functionCall",
            new JsonObject().put("name", c.name()).put("args", new JsonObject(c.arguments()))));
      }
      JsonObject candidate = new JsonObject()
          .put("content", new JsonObject().put("parts", parts).put("role", "model"))
          .put("finishReason", "STOP")
          .put("index", 0);
      JsonObject response = new JsonObject()
          .put("candidates", new JsonArray().add(candidate))
          .put("usageMetadata", new JsonObject()
              .put("promptTokenCount", 40).put("candidatesTokenCount", 12).put("totalTokenCount", 52))
          .put("modelVersion", "gemini-stand-in")
          .put("responseId", "standin-call");
      steps.add(new Step.Pause(2));
      steps.add(new Step.Write("data: " + response.encode() + "\r\n\r\n"));
      steps.add(new Step.End());
      return new Script(200, SSE_HEADERS, steps);
    };
  }

  /** Some tokens, then the response ends cleanly but no chunk ever carried a finishReason. */
  public static Function<JsonObject, Script> tokensThenEnd(List<String> tokens) {
    return request -> new Script(200, SSE_HEADERS, withEnding(tokens, new Step.End()));
  }

  /** Some tokens, then the connection breaks mid-response. */
  public static Function<JsonObject, Script> tokensThenDrop(List<String> tokens) {
    return request -> {
      List<Step> steps = withEnding(tokens, new Step.Pause(50));
      steps.add(new Step.Drop());
      return new Script(200, SSE_HEADERS, steps);
    };
  }

  /** Some tokens, then nothing more until the client goes away. */
  public static Function<JsonObject, Script> tokensThenHang(List<String> tokens) {
    return request -> new Script(200, SSE_HEADERS, withEnding(tokens, new Step.Hang()));
  }

  /** What Google answers a key it does not know: 400 INVALID_ARGUMENT with reason API_KEY_INVALID. */
  public static Script invalidKey() {
    return error(400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.", new JsonArray()
        .add(new JsonObject()
            .put("@type", "type.googleapis.com/google.rpc.ErrorInfo")
            .put("reason", "API_KEY_INVALID")
            .put("domain", "googleapis.com")
            .put("metadata", new JsonObject().put("service", "generativelanguage.googleapis.com"))));
  }

  /** 429 RESOURCE_EXHAUSTED with a RetryInfo detail and no Retry-After header. */
  public static Script quotaExceeded(String retryDelay) {
    return error(429, "RESOURCE_EXHAUSTED", "You exceeded your current quota, please check your plan and billing details.",
        new JsonArray()
            .add(new JsonObject()
                .put("@type", "type.googleapis.com/google.rpc.QuotaFailure")
                .put("violations", new JsonArray().add(new JsonObject()
                    .put("quotaMetric", "generativelanguage.googleapis.com/generate_content_free_tier_requests"))))
            .add(new JsonObject()
                .put("@type", "type.googleapis.com/google.rpc.RetryInfo")
                .put("retryDelay", retryDelay)));
  }

  /** An HTTP error with Google's error body. */
  public static Script error(int status, String statusName, String message, JsonArray details) {
    JsonObject error = new JsonObject().put("code", status).put("message", message).put("status", statusName);
    if (!details.isEmpty()) {
      error.put("details", details);
    }
    Map<String, String> headers = new HashMap<>();
    headers.put("Content-Type", "application/json; charset=UTF-8");
    return new Script(status, headers, List.of(new Step.Write(new JsonObject().put("error", error).encodePrettily()), new Step.End()));
  }

  private static List<Step> withEnding(List<String> tokens, Step ending) {
    List<Step> steps = new ArrayList<>();
    for (String t : tokens) {
      steps.add(new Step.Pause(2));
      steps.add(chunk(t, null, new JsonObject().put("promptTokenCount", 9).put("totalTokenCount", 9)));
    }
    steps.add(ending);
    return steps;
  }

  private static Step chunk(String text, String finishReason, JsonObject usage) {
    JsonObject candidate = new JsonObject()
        .put("content", new JsonObject()
            .put("parts", new JsonArray().add(new JsonObject().put("text", text)))
            .put("role", "model"))
        .put("index", 0);
    if (finishReason != null) {
      candidate.put("finishReason", finishReason);
    }
    JsonObject response = new JsonObject()
        .put("candidates", new JsonArray().add(candidate))
        .put("usageMetadata", usage)
        .put("modelVersion", "gemini-stand-in")
        .put("responseId", "standin");
    return new Step.Write("data: " + response.encode() + "\r\n\r\n");
  }
}
