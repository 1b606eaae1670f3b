package dev.ensemble.ai.support;

import dev.ensemble.support.ApiClient;
import dev.ensemble.support.TestServer;
import io.vertx.core.json.JsonObject;
import java.util.UUID;

/**
 * A project with an owner, an editor and a viewer, each with a personal access token for the
 * streaming calls, and an outsider who is no member.
 */
public record AiProject(
    String id, ApiClient owner, String ownerToken, ApiClient editor, String editorToken, ApiClient viewer,
    String viewerToken, ApiClient outsider, String outsiderToken) {
  private static final String PASSWORD = "correct horse battery";

  public static AiProject create(TestServer server) {
    String tag = UUID.randomUUID().toString().substring(0, 8);
    ApiClient owner = user(server, "own" + tag);
    ApiClient editor = user(server, "edi" + tag);
    ApiClient viewer = user(server, "vie" + tag);
    ApiClient outsider = user(server, "out" + tag);
    String id = owner.post("/api/projects", new JsonObject().put("name", "demo " + tag)).json().getString("id");
    member(owner, id, "edi" + tag, "editor");
    member(owner, id, "vie" + tag, "viewer");
    return new AiProject(
        id, owner, token(owner), editor, token(editor), viewer, token(viewer), outsider, token(outsider));
  }

  /** Starts a chat call as the user with the given token. */
  public ChatCall chat(TestServer server, String token, JsonObject body) {
    return ChatCall.start(server.baseUrl(), token, id, body);
  }

  /** Starts an agent run as the user with the given token. */
  public ChatCall agent(TestServer server, String token, JsonObject body) {
    return ChatCall.post(server.baseUrl(), token, path("/ai/agent"), body);
  }

  public String path(String suffix) {
    return "/api/projects/" + id + suffix;
  }

  private static ApiClient user(TestServer server, String name) {
    ApiClient c = server.client();
    c.signup(name, PASSWORD);
    return c;
  }

  private static void member(ApiClient owner, String project, String username, String role) {
    var r = owner.post("/api/projects/" + project + "/members", new JsonObject().put("username", username).put("role", role));
    if (r.status() != 201) {
      throw new IllegalStateException("adding member failed: " + r);
    }
  }

  private static String token(ApiClient c) {
    var r = c.post("/api/tokens", new JsonObject().put("name", "ai tests"));
    if (r.status() != 201) {
      throw new IllegalStateException("token failed: " + r);
    }
    return r.json().getString("token");
  }
}
