package dev.ensemble.http;

import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** The OpenAPI 3 description of the REST API, served at /api/openapi.yaml. */
public final class ApiDescription {
  public static final String RESOURCE = "openapi.yaml";
  private final Buffer yaml;

  private ApiDescription(Buffer yaml) {
    this.yaml = yaml;
  }

  public static ApiDescription load() {
    try (InputStream in = ApiDescription.class.getClassLoader().getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(RESOURCE + " missing from the classpath");
      }
      return new ApiDescription(Buffer.buffer(in.readAllBytes()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public void serve(RoutingContext ctx) {
    ctx.response().putHeader("Content-Type", "application/yaml").end(yaml);
  }
}
