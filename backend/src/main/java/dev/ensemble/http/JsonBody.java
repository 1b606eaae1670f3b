package dev.ensemble.http;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.json.schema.Draft;
import io.vertx.json.schema.JsonSchema;
import io.vertx.json.schema.JsonSchemaOptions;
import io.vertx.json.schema.OutputFormat;
import io.vertx.json.schema.OutputUnit;
import io.vertx.json.schema.Validator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A request body schema (JSON Schema 2020-12, unknown properties refused) and its validator. The
 * same schemas appear in the OpenAPI description.
 */
public final class JsonBody {
  private static final Pattern QUOTED = Pattern.compile("\"([^\"]+)\"");
  private final JsonObject schema;
  private final Validator validator;

  private JsonBody(JsonObject schema) {
    this.schema = schema;
    this.validator =
        Validator.create(
            JsonSchema.of(schema.copy()), // the validator annotates what it is given
            new JsonSchemaOptions()
                .setDraft(Draft.DRAFT202012)
                .setOutputFormat(OutputFormat.Basic)
                .setBaseUri("https://ensemble.invalid/"));
  }

  /** An object schema with the given properties, of which {@code required} must be present. */
  public static JsonBody object(JsonObject properties, String... required) {
    return new JsonBody(
        new JsonObject()
            .put("type", "object")
            .put("additionalProperties", false)
            .put("properties", properties)
            .put("required", new JsonArray(List.of((Object[]) required))));
  }

  public static JsonObject string(int minLength, int maxLength) {
    return new JsonObject().put("type", "string").put("minLength", minLength).put("maxLength", maxLength);
  }

  public static JsonObject string(int minLength, int maxLength, String pattern) {
    return string(minLength, maxLength).put("pattern", pattern);
  }

  public static JsonObject integer(int minimum, int maximum) {
    return new JsonObject().put("type", "integer").put("minimum", minimum).put("maximum", maximum);
  }

  public static JsonObject oneOf(String... values) {
    return new JsonObject().put("type", "string").put("enum", new JsonArray(List.of((Object[]) values)));
  }

  public JsonObject schema() {
    return schema;
  }

  /** Parses and validates the body, or throws a 400 naming the offending field. */
  public JsonObject read(RoutingContext ctx) {
    String contentType = ctx.request().getHeader("Content-Type");
    if (contentType == null || !contentType.toLowerCase(java.util.Locale.ROOT).startsWith("application/json")) {
      throw ApiException.of(415, "unsupported_media_type", "body must be application/json");
    }
    Object parsed;
    try {
      parsed = ctx.body().buffer() == null ? null : io.vertx.core.json.Json.decodeValue(ctx.body().buffer());
    } catch (DecodeException e) {
      throw ApiException.badRequest("malformed_json", "body is not valid JSON");
    }
    if (!(parsed instanceof JsonObject body)) {
      throw ApiException.badRequest("malformed_json", "body must be a JSON object");
    }
    OutputUnit result = validator.validate(body);
    if (!result.getValid()) {
      throw toFieldError(result);
    }
    return body;
  }

  private static ApiException toFieldError(OutputUnit result) {
    List<OutputUnit> errors = result.getErrors() == null ? List.of() : result.getErrors();
    // The deepest failing keyword says most precisely what is wrong.
    OutputUnit best = result;
    for (OutputUnit unit : errors) {
      if (best == result || depth(unit.getKeywordLocation()) > depth(best.getKeywordLocation())) {
        best = unit;
      }
    }
    String location = best.getInstanceLocation() == null ? "" : best.getInstanceLocation();
    String message = best.getError() == null ? "invalid value" : best.getError();
    String field = location.replaceFirst("^#", "").replaceFirst("^/", "").replace('/', '.');
    if (field.isEmpty()) {
      Matcher m = QUOTED.matcher(message);
      field = m.find() ? m.group(1) : "body";
    }
    return ApiException.invalidField(field, field + ": " + message);
  }

  private static int depth(String keywordLocation) {
    return keywordLocation == null ? 0 : keywordLocation.split("/").length;
  }
}
