package dev.ensemble.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.ensemble.ai.ActionRoutes;
import dev.ensemble.ai.AiRoutes;
import dev.ensemble.ai.ProviderRoutes;
import dev.ensemble.ai.agent.AgentRoutes;
import dev.ensemble.ai.complete.CompletionRoutes;
import dev.ensemble.git.GitRoutes;
import dev.ensemble.identity.AuthRoutes;
import dev.ensemble.projects.ProjectRoutes;
import dev.ensemble.runs.RunRoutes;
import dev.ensemble.support.TestServer;
import dev.ensemble.sync.files.FileRoutes;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The OpenAPI description and the router agree: every routed operation is described, every
 * described operation is routed, and request bodies are described with the schemas the server
 * validates with.
 */
class OpenApiCoverageTest {
  private static final Set<String> HTTP_METHODS =
      Set.of("get", "put", "post", "delete", "patch", "head", "options", "trace");
  /**
   * Keywords that document a schema without changing what it accepts, and the bookkeeping key the
   * validator adds to a schema it compiles.
   */
  private static final Set<String> ANNOTATIONS =
      Set.of("description", "title", "default", "examples", "example", "__absolute_uri__");

  /** Which validator guards which described request body. */
  private static final Map<String, Field> BODY_VALIDATORS =
      Map.ofEntries(
          Map.entry("POST /api/auth/signup", field(AuthRoutes.class, "SIGNUP")),
          Map.entry("POST /api/auth/login", field(AuthRoutes.class, "LOGIN")),
          Map.entry("PATCH /api/me", field(AuthRoutes.class, "UPDATE_ME")),
          Map.entry("POST /api/tokens", field(AuthRoutes.class, "NEW_TOKEN")),
          Map.entry("POST /api/projects", field(ProjectRoutes.class, "NEW_PROJECT")),
          Map.entry("PATCH /api/projects/{projectId}", field(ProjectRoutes.class, "UPDATE_PROJECT")),
          Map.entry("POST /api/projects/{projectId}/members", field(ProjectRoutes.class, "NEW_MEMBER")),
          Map.entry("PATCH /api/projects/{projectId}/members/{userId}", field(ProjectRoutes.class, "UPDATE_MEMBER")),
          Map.entry("POST /api/projects/{projectId}/invites", field(ProjectRoutes.class, "NEW_INVITE")),
          Map.entry("POST /api/projects/{projectId}/ai/chat", field(AiRoutes.class, "CHAT")),
          Map.entry("PUT /api/projects/{projectId}/ai/provider", field(ProviderRoutes.class, "PROVIDER")),
          Map.entry("POST /api/projects/{projectId}/ai/complete", field(CompletionRoutes.class, "COMPLETE")),
          Map.entry("POST /api/projects/{projectId}/ai/actions", field(ActionRoutes.class, "ACTION")),
          Map.entry("POST /api/projects/{projectId}/ai/proposals/{proposalId}/apply", field(ActionRoutes.class, "APPLY")),
          Map.entry("POST /api/projects/{projectId}/ai/agent", field(AgentRoutes.class, "TASK")),
          Map.entry("PUT /api/projects/{projectId}/ai/agent/settings", field(AgentRoutes.class, "SETTINGS")),
          Map.entry("POST /api/projects/{projectId}/ai/threads/{threadId}/steps/{stepId}/approve",
              field(AgentRoutes.class, "DECISION")),
          Map.entry("POST /api/projects/{projectId}/ai/threads/{threadId}/steps/{stepId}/reject",
              field(AgentRoutes.class, "DECISION")),
          Map.entry("POST /api/projects/{projectId}/files:move", field(FileRoutes.class, "MOVE")),
          Map.entry("POST /api/projects/{projectId}/runs", field(RunRoutes.class, "NEW_RUN")),
          Map.entry("PUT /api/projects/{projectId}/run-configurations", field(RunRoutes.class, "RUN_CONFIGURATIONS")),
          Map.entry("PUT /api/projects/{projectId}/run-network", field(RunRoutes.class, "RUN_NETWORK")),
          Map.entry("POST /api/projects/import", field(GitRoutes.class, "IMPORT")),
          Map.entry("POST /api/git/credentials", field(GitRoutes.class, "CREDENTIAL")),
          Map.entry("POST /api/projects/{projectId}/git/stage", field(GitRoutes.class, "PATHS")),
          Map.entry("POST /api/projects/{projectId}/git/unstage", field(GitRoutes.class, "PATHS")),
          Map.entry("POST /api/projects/{projectId}/git/commit", field(GitRoutes.class, "COMMIT")),
          Map.entry("POST /api/projects/{projectId}/git/branches", field(GitRoutes.class, "NEW_BRANCH")),
          Map.entry("POST /api/projects/{projectId}/git/checkout", field(GitRoutes.class, "CHECKOUT")),
          Map.entry("POST /api/projects/{projectId}/git/remote", field(GitRoutes.class, "REMOTE")));

  private static TestServer server;
  private static byte[] resource;
  private static JsonNode document;

  @BeforeAll
  static void start() throws IOException {
    // With both providers configured, the OAuth routes exist and must be described too.
    server =
        TestServer.start(
            Map.of(
                "ENSEMBLE_GITHUB_CLIENT_ID", "x", "ENSEMBLE_GITHUB_CLIENT_SECRET", "y",
                "ENSEMBLE_GITLAB_CLIENT_ID", "x", "ENSEMBLE_GITLAB_CLIENT_SECRET", "y"));
    try (InputStream in = OpenApiCoverageTest.class.getClassLoader().getResourceAsStream(ApiDescription.RESOURCE)) {
      assertNotNull(in, ApiDescription.RESOURCE + " is on the classpath");
      resource = in.readAllBytes();
    }
    document = new YAMLMapper().readTree(resource);
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void descriptionIsAnOpenApi3DocumentWithInfoAndPaths() {
    assertTrue(document.path("openapi").asText().startsWith("3."), "openapi version: " + document.path("openapi"));
    assertFalse(document.path("info").path("title").asText().isBlank(), "info.title");
    assertFalse(document.path("info").path("version").asText().isBlank(), "info.version");
    assertTrue(document.path("paths").isObject() && document.path("paths").size() > 0, "paths");
  }

  @Test
  void everyReferenceInTheDescriptionResolves() {
    List<String> dangling = new ArrayList<>();
    collectRefs(document, dangling);
    assertEquals(List.of(), dangling, "$refs that point nowhere");
  }

  @Test
  void everyRoutedOperationIsDescribed() {
    Set<String> missing = new TreeSet<>(routedOperations());
    missing.removeAll(describedOperations());
    assertEquals(Set.of(), missing, "routed by the server but absent from openapi.yaml");
  }

  @Test
  void everyDescribedOperationIsRouted() {
    Set<String> extra = new TreeSet<>(describedOperations());
    extra.removeAll(routedOperations());
    assertEquals(Set.of(), extra, "in openapi.yaml but not routed by the server");
  }

  @Test
  void everyDescribedLoginProviderHasItsOwnRoutesWhenConfigured() {
    Set<String> raw = new TreeSet<>();
    for (Route route : describableRoutes()) {
      route.methods().forEach(m -> raw.add(m.name() + " " + route.getPath()));
    }
    JsonNode providers = document.at("/components/parameters/Provider/schema/enum");
    assertTrue(providers.isArray() && providers.size() > 0, "the provider parameter lists its values");
    for (JsonNode provider : providers) {
      for (String step : List.of("login", "callback")) {
        String op = "GET /api/auth/oauth/" + provider.asText() + "/" + step;
        assertTrue(raw.contains(op), op + " is routed");
      }
    }
  }

  @Test
  void requestBodiesAreDescribedWithTheSchemasTheServerValidates() throws Exception {
    Map<String, JsonNode> described = describedRequestBodies();
    assertEquals(new TreeSet<>(BODY_VALIDATORS.keySet()), described.keySet(), "operations that take a JSON body");
    ObjectMapper json = new ObjectMapper();
    for (Map.Entry<String, Field> e : BODY_VALIDATORS.entrySet()) {
      JsonBody validator = (JsonBody) e.getValue().get(null);
      JsonNode expected = withoutAnnotations(json.readTree(validator.schema().encode()));
      assertEquals(expected, withoutAnnotations(described.get(e.getKey())), e.getKey() + " request body schema");
    }
  }

  @Test
  void everyBodyValidatorOfTheRouteClassesIsTiedToAnOperation() {
    Set<Field> declared = new HashSet<>();
    for (Class<?> routes : List.of(
        AuthRoutes.class, ProjectRoutes.class, AiRoutes.class, ProviderRoutes.class, CompletionRoutes.class,
        ActionRoutes.class, AgentRoutes.class, FileRoutes.class, RunRoutes.class, GitRoutes.class)) {
      for (Field f : routes.getDeclaredFields()) {
        if (Modifier.isStatic(f.getModifiers()) && f.getType() == JsonBody.class) {
          declared.add(f);
        }
      }
    }
    assertEquals(declared, Set.copyOf(BODY_VALIDATORS.values()), "JsonBody constants known to this test");
  }

  @Test
  void servedDescriptionIsTheClasspathResource() throws Exception {
    // No keep-alive, so no idle connection outlives the test and holds up the server's shutdown.
    WebClient client = WebClient.create(server.app().vertx(), new WebClientOptions().setKeepAlive(false));
    try {
      HttpResponse<Buffer> response =
          client.getAbs(server.baseUrl() + "/api/openapi.yaml").send().toCompletionStage().toCompletableFuture()
              .get(30, TimeUnit.SECONDS);
      assertEquals(200, response.statusCode());
      assertEquals("application/yaml", response.getHeader("Content-Type"));
      assertArrayEquals(resource, response.body().getBytes());
    } finally {
      client.close();
    }
  }

  // --- helpers ----------------------------------------------------------------------------------

  /**
   * Routes bound to a path, or to a regular expression and named with the path they are
   * described at, and at least one method; catch-alls, static files and fallbacks are not.
   */
  private static List<Route> describableRoutes() {
    List<Route> routes = new ArrayList<>();
    for (Route route : server.app().routes()) {
      boolean described = route.getPath() != null || (route.getName() != null && route.getName().startsWith("/"));
      if (described && route.methods() != null && !route.methods().isEmpty()) {
        routes.add(route);
      }
    }
    return routes;
  }

  /** "METHOD /path/{param}" for every routed operation, in the description's path syntax. */
  private static Set<String> routedOperations() {
    Set<String> ops = new TreeSet<>();
    for (Route route : describableRoutes()) {
      for (HttpMethod method : route.methods()) {
        ops.add(method.name() + " " + (route.getPath() != null ? openApiPath(route.getPath()) : route.getName()));
      }
    }
    return ops;
  }

  /** Vert.x {@code :param} becomes {@code {param}}; each provider's routes are one templated path. */
  private static String openApiPath(String routerPath) {
    return routerPath
        .replaceAll(":([A-Za-z0-9_]+)", "{$1}")
        .replaceFirst("^/api/auth/oauth/[a-z]+/", "/api/auth/oauth/{provider}/");
  }

  private static Set<String> describedOperations() {
    Set<String> ops = new TreeSet<>();
    document.path("paths").fields().forEachRemaining(path ->
        path.getValue().fieldNames().forEachRemaining(key -> {
          if (HTTP_METHODS.contains(key)) {
            ops.add(key.toUpperCase(Locale.ROOT) + " " + path.getKey());
          }
        }));
    return ops;
  }

  /** The JSON request body schema of every described operation that has one, references resolved. */
  private static Map<String, JsonNode> describedRequestBodies() {
    Map<String, JsonNode> bodies = new TreeMap<>();
    document.path("paths").fields().forEachRemaining(path ->
        path.getValue().fields().forEachRemaining(op -> {
          JsonNode schema = op.getValue().at("/requestBody/content/application~1json/schema");
          if (HTTP_METHODS.contains(op.getKey()) && !schema.isMissingNode()) {
            bodies.put(op.getKey().toUpperCase(Locale.ROOT) + " " + path.getKey(), resolve(schema));
          }
        }));
    return bodies;
  }

  private static JsonNode resolve(JsonNode node) {
    JsonNode ref = node.get("$ref");
    return ref == null ? node : resolve(document.at(ref.asText().substring(1)));
  }

  private static JsonNode withoutAnnotations(JsonNode node) {
    JsonNode copy = node.deepCopy();
    strip(copy, false);
    return copy;
  }

  /** Removes annotations; the keys of a "properties" map are property names, kept whatever they are. */
  private static void strip(JsonNode node, boolean propertyMap) {
    if (node instanceof ObjectNode object) {
      if (!propertyMap) {
        object.remove(ANNOTATIONS);
      }
      object.fields().forEachRemaining(e -> strip(e.getValue(), !propertyMap && e.getKey().equals("properties")));
    } else if (node.isArray()) {
      node.forEach(child -> strip(child, false));
    }
  }

  private static void collectRefs(JsonNode node, List<String> dangling) {
    if (node.isObject()) {
      JsonNode ref = node.get("$ref");
      if (ref != null && (!ref.asText().startsWith("#/") || document.at(ref.asText().substring(1)).isMissingNode())) {
        dangling.add(ref.asText());
      }
      node.forEach(child -> collectRefs(child, dangling));
    } else if (node.isArray()) {
      node.forEach(child -> collectRefs(child, dangling));
    }
  }

  private static Field field(Class<?> owner, String name) {
    try {
      Field f = owner.getDeclaredField(name);
      f.setAccessible(true);
      return f;
    } catch (NoSuchFieldException e) {
      throw new IllegalStateException(owner.getSimpleName() + "." + name + " is gone; update this test", e);
    }
  }
}
