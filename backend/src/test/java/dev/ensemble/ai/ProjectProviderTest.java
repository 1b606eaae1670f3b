package dev.ensemble.ai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ensemble.ai.support.AiProject;
import dev.ensemble.ai.support.ChatCall;
import dev.ensemble.ai.support.ChatCall.Event;
import dev.ensemble.ai.support.OpenAiWire;
import dev.ensemble.ai.support.ProviderStandIn;
import dev.ensemble.ai.support.ProviderStandIn.Exchange;
import dev.ensemble.config.DatabaseUrl;
import dev.ensemble.support.ApiClient;
import dev.ensemble.support.ApiClient.Response;
import dev.ensemble.support.TestServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Owners give a project its own provider: chat then goes there instead of to the instance's, the
 * key is sealed at rest and never shown, and removing it falls back to the instance.
 */
class ProjectProviderTest {
  private static final String SECRET = "sk-team-7f3a9c1e5b";
  private static ProviderStandIn instance;
  private static ProviderStandIn team;
  private static ProviderStandIn other;
  private static TestServer server;

  @BeforeAll
  static void start() {
    instance = ProviderStandIn.start();
    team = ProviderStandIn.start();
    other = ProviderStandIn.start();
    server = TestServer.start(Map.of(
        "ENSEMBLE_AI_PROVIDER", "openai-compatible",
        "ENSEMBLE_AI_BASE_URL", instance.baseUrl(),
        "ENSEMBLE_AI_CHAT_MODEL", "instance-coder",
        "ENSEMBLE_AI_REQUESTS_PER_MINUTE", "0",
        // the stand-ins listen on loopback; the metadata range stays refused
        "ENSEMBLE_AI_PROJECT_DENIED_NETWORKS", "169.254.0.0/16"));
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
    for (ProviderStandIn s : new ProviderStandIn[] {instance, team, other}) {
      if (s != null) {
        s.close();
      }
    }
  }

  @BeforeEach
  void clean() {
    instance.reset();
    team.reset();
    other.reset();
  }

  private static JsonObject local(ProviderStandIn at, String chatModel) {
    return new JsonObject().put("kind", "openai-compatible").put("baseUrl", at.baseUrl()).put("chatModel", chatModel);
  }

  private static Response put(ApiClient client, AiProject project, JsonObject body) {
    return client.send("PUT", project.path("/ai/provider"), body.encode(), "application/json");
  }

  /** Asks as the editor and returns the request the stand-in received. */
  private static Exchange chatThrough(ProviderStandIn expected, AiProject project, JsonObject ask) {
    expected.enqueue(OpenAiWire.answer(List.of("ok"), 3, 1));
    ChatCall call = project.chat(server, project.editorToken(), ask);
    assertEquals(200, call.status(), () -> call.error().encode());
    List<Event> rest = call.rest();
    assertEquals("done", rest.get(rest.size() - 1).name(), rest.toString());
    return expected.nextExchange();
  }

  @Test
  void aProjectsOwnLocalServerAnswersWhileOtherProjectsKeepTheInstanceProvider() {
    AiProject withOwn = AiProject.create(server);
    AiProject plain = AiProject.create(server);
    Response saved = put(withOwn.owner(), withOwn, local(team, "team-coder").put("models", new JsonArray().add("team-large")));
    assertEquals(200, saved.status(), saved.toString());
    JsonObject own = saved.json().getJsonObject("project");
    assertEquals("openai-compatible", own.getString("kind"));
    assertEquals(team.baseUrl(), own.getString("baseUrl"));
    assertFalse(own.getBoolean("hasApiKey"));
    assertEquals("instance-coder", saved.json().getJsonObject("instance").getString("chatModel"));

    Exchange sent = chatThrough(team, withOwn, new JsonObject().put("message", "Hi team"));
    assertEquals("team-coder", sent.body().getString("model"));
    assertNull(sent.headers().get("Authorization"), "a local server gets no key");

    Exchange fallback = chatThrough(instance, plain, new JsonObject().put("message", "Hi instance"));
    assertEquals("instance-coder", fallback.body().getString("model"));
  }

  @Test
  void membersSeeTheModelsOnOfferAndMayOnlyPickThose() {
    AiProject project = AiProject.create(server);
    JsonObject before = project.viewer().get(project.path("/ai/models")).json();
    assertEquals("instance", before.getString("source"));
    assertEquals(List.of("instance-coder"), before.getJsonArray("models").getList());
    assertFalse(before.getBoolean("restricted"), "without ENSEMBLE_AI_MODELS any model may be named");

    assertEquals(200, put(project.owner(), project, local(team, "team-coder")
        .put("completionModel", "team-fim").put("models", new JsonArray().add("team-large"))).status());
    JsonObject offer = project.viewer().get(project.path("/ai/models")).json();
    assertEquals("project", offer.getString("source"));
    assertEquals("openai-compatible", offer.getString("kind"));
    assertEquals("team-coder", offer.getString("chatModel"));
    assertEquals("team-fim", offer.getString("completionModel"));
    assertEquals(List.of("team-coder", "team-fim", "team-large"), offer.getJsonArray("models").getList());
    assertTrue(offer.getBoolean("restricted"));

    Exchange large = chatThrough(team, project, new JsonObject().put("message", "Big one").put("model", "team-large"));
    assertEquals("team-large", large.body().getString("model"));
    ChatCall refused = project.chat(server, project.editorToken(), new JsonObject().put("message", "Hi").put("model", "gpt-5"));
    assertEquals(400, refused.status());
    assertEquals("model", refused.error().getString("field"));
  }

  @Test
  void theKeyIsSealedAtRestAndNeverReturned() throws Exception {
    AiProject project = AiProject.create(server);
    Response saved = put(project.owner(), project, local(team, "team-coder").put("apiKey", SECRET));
    assertEquals(200, saved.status(), saved.toString());
    assertFalse(saved.body().contains(SECRET));
    assertTrue(saved.json().getJsonObject("project").getBoolean("hasApiKey"));
    for (ApiClient reader : List.of(project.owner(), project.editor(), project.viewer())) {
      Response shown = reader.get(project.path("/ai/provider"));
      assertEquals(200, shown.status());
      assertTrue(shown.json().getJsonObject("project").getBoolean("hasApiKey"));
      assertFalse(shown.body().contains(SECRET), "no secret in " + shown.body());
      assertFalse(reader.get(project.path("/ai/models")).body().contains(SECRET));
    }

    try (Connection c = jdbc(); ResultSet rs = c.createStatement().executeQuery(
        "SELECT kind, base_url, chat_model, api_key_enc FROM ai_project_providers WHERE project_id = '" + project.id() + "'")) {
      assertTrue(rs.next(), "the provider is stored");
      byte[] sealed = rs.getBytes("api_key_enc");
      assertTrue(sealed.length >= 12 + SECRET.length() + 16, "nonce, ciphertext and tag");
      assertFalse(new String(sealed, StandardCharsets.ISO_8859_1).contains(SECRET), "no key in clear at rest");
      assertFalse(new String(sealed, StandardCharsets.ISO_8859_1).contains(SECRET.substring(3, 12)));
      assertEquals("team-coder", rs.getString("chat_model"));
    }

    Exchange sent = chatThrough(team, project, new JsonObject().put("message", "With key"));
    assertEquals("Bearer " + SECRET, sent.headers().get("Authorization"));

    // Saving without a key keeps it for the same server...
    Response kept = put(project.owner(), project, local(team, "team-coder-2"));
    assertTrue(kept.json().getJsonObject("project").getBoolean("hasApiKey"));
    assertEquals("Bearer " + SECRET, chatThrough(team, project, new JsonObject().put("message", "Still")).headers()
        .get("Authorization"));
    // ...but never carries it to another one.
    Response moved = put(project.owner(), project, local(other, "other-coder"));
    assertEquals(200, moved.status());
    assertFalse(moved.json().getJsonObject("project").getBoolean("hasApiKey"));
    assertNull(chatThrough(other, project, new JsonObject().put("message", "Moved")).headers().get("Authorization"));

    // An explicit null removes it.
    put(project.owner(), project, local(other, "other-coder").put("apiKey", "sk-other"));
    Response removed = put(project.owner(), project, local(other, "other-coder").putNull("apiKey"));
    assertFalse(removed.json().getJsonObject("project").getBoolean("hasApiKey"));
  }

  @Test
  void onlyOwnersChangeTheProviderAndEveryMemberMayLook() {
    AiProject project = AiProject.create(server);
    assertEquals(403, put(project.editor(), project, local(team, "x")).status());
    assertEquals(403, put(project.viewer(), project, local(team, "x")).status());
    assertEquals(404, put(project.outsider(), project, local(team, "x")).status());
    assertEquals(403, project.editor().delete(project.path("/ai/provider")).status());
    assertEquals(404, project.outsider().get(project.path("/ai/provider")).status());
    assertEquals(404, project.outsider().get(project.path("/ai/models")).status());

    JsonObject none = project.viewer().get(project.path("/ai/provider")).json();
    assertNull(none.getValue("project"));
    assertEquals("openai-compatible", none.getJsonObject("instance").getString("kind"));
    assertFalse(none.getJsonObject("instance").containsKey("baseUrl"), "the instance's address is not shown");
  }

  @Test
  void invalidSettingsAreRefusedNamingTheField() {
    AiProject project = AiProject.create(server);
    assertField("kind", put(project.owner(), project, local(team, "m").put("kind", "palm")));
    assertField("chatModel", put(project.owner(), project, local(team, "m").put("chatModel", " ")));
    assertField("baseUrl", put(project.owner(), project, local(team, "m").put("baseUrl", "ftp://example.com/v1")));
    assertField("baseUrl", put(project.owner(), project, local(team, "m").put("baseUrl", "http://user:pw@10.0.0.5/v1")));
    assertField("baseUrl", put(project.owner(), project, local(team, "m").put("baseUrl", "not a url")));
    JsonObject withoutUrl = local(team, "m");
    withoutUrl.remove("baseUrl");
    assertField("baseUrl", put(project.owner(), project, withoutUrl));
    // hosted providers get the key with every request, so only over https
    assertField("baseUrl", put(project.owner(), project, new JsonObject()
        .put("kind", "openai").put("baseUrl", team.baseUrl()).put("apiKey", "sk-x").put("chatModel", "gpt-4o")));
    assertField("apiKey", put(project.owner(), project, new JsonObject().put("kind", "gemini").put("chatModel", "gemini-2.5-flash")));
    assertField("models", put(project.owner(), project, local(team, "m").put("models", new JsonArray().add("a").add("a"))));

    Response metadata = put(project.owner(), project, local(team, "m").put("baseUrl", "http://169.254.169.254/v1"));
    assertEquals(400, metadata.status());
    assertEquals("ai_provider_not_allowed", metadata.errorCode());
    assertNull(project.viewer().get(project.path("/ai/provider")).json().getValue("project"), "nothing was saved");
  }

  @Test
  void removingTheProviderFallsBackToTheInstance() {
    AiProject project = AiProject.create(server);
    assertEquals(200, put(project.owner(), project, local(team, "team-coder")).status());
    chatThrough(team, project, new JsonObject().put("message", "Team"));
    assertEquals(204, project.owner().delete(project.path("/ai/provider")).status());
    assertEquals("instance-coder", chatThrough(instance, project, new JsonObject().put("message", "Back")).body()
        .getString("model"));
    assertEquals(404, project.owner().delete(project.path("/ai/provider")).status());
  }

  @Test
  void changingTheProviderTakesEffectOnTheNextQuestion() {
    AiProject project = AiProject.create(server);
    assertEquals(200, put(project.owner(), project, local(team, "team-coder")).status());
    chatThrough(team, project, new JsonObject().put("message", "One"));
    assertEquals(200, put(project.owner(), project, local(other, "other-coder")).status());
    assertEquals("other-coder", chatThrough(other, project, new JsonObject().put("message", "Two")).body().getString("model"));
  }

  @Test
  void aProjectProviderWorksWhenTheInstanceHasNone() {
    try (TestServer bare = TestServer.start(Map.of("ENSEMBLE_AI_PROJECT_DENIED_NETWORKS", "none"))) {
      AiProject project = AiProject.create(bare);
      assertEquals(503, project.chat(bare, project.editorToken(), new JsonObject().put("message", "Hi")).status());
      JsonObject offer = project.viewer().get(project.path("/ai/models")).json();
      assertFalse(offer.getBoolean("configured"));

      Response saved = put(project.owner(), project, local(team, "team-coder"));
      assertEquals(200, saved.status(), saved.toString());
      assertNull(saved.json().getValue("instance"));
      team.enqueue(OpenAiWire.answer(List.of("Hello", " from the team"), 4, 2));
      ChatCall call = project.chat(bare, project.editorToken(), new JsonObject().put("message", "Hi"));
      assertEquals(200, call.status());
      List<Event> rest = call.rest();
      assertEquals("done", rest.get(rest.size() - 1).name(), rest.toString());
      assertEquals("team-coder", team.nextExchange().body().getString("model"));
    }
  }

  private static void assertField(String field, Response r) {
    assertEquals(400, r.status(), r.toString());
    assertEquals(field, r.json().getJsonObject("error").getString("field"), r.toString());
  }

  private static Connection jdbc() throws Exception {
    DatabaseUrl db = server.app().config().databaseUrl().orElseThrow();
    return DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
  }
}
