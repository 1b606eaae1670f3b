package dev.ensemble.projects;

import static dev.ensemble.http.JsonBody.integer;
import static dev.ensemble.http.JsonBody.oneOf;
import static dev.ensemble.http.JsonBody.string;

import dev.ensemble.http.ApiException;
import dev.ensemble.http.Ids;
import dev.ensemble.http.JsonBody;
import dev.ensemble.http.Api;
import dev.ensemble.http.Reply;
import dev.ensemble.identity.AccountStore;
import dev.ensemble.identity.Authenticator;
import dev.ensemble.identity.Caller;
import dev.ensemble.identity.Secrets;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.net.URI;
import java.time.Duration;
import java.util.UUID;

/** Projects, membership and invite links. Non-members get 404 so existence is not leaked. */
public final class ProjectRoutes {
  static final JsonBody NEW_PROJECT = JsonBody.object(new JsonObject().put("name", string(1, 100)), "name");
  static final JsonBody UPDATE_PROJECT = JsonBody.object(new JsonObject().put("name", string(1, 100)), "name");
  static final JsonBody NEW_MEMBER =
      JsonBody.object(
          new JsonObject().put("username", string(1, 200)).put("role", oneOf("owner", "editor", "viewer")),
          "username", "role");
  static final JsonBody UPDATE_MEMBER =
      JsonBody.object(new JsonObject().put("role", oneOf("owner", "editor", "viewer")), "role");
  static final JsonBody NEW_INVITE =
      JsonBody.object(
          new JsonObject().put("role", oneOf("editor", "viewer")).put("expiresInHours", integer(1, 720)),
          "role");

  /** A project's root document, which the sync feature keeps. */
  public interface RootDocuments {
    /** Creates it when it does not exist yet. */
    Future<Void> ensure(Project project);

    /** Shows the project's new name in it. */
    Future<Void> rename(Project project, String name);
  }

  private final ProjectStore projects;
  private final AccountStore accounts;
  private final URI publicUrl;
  private final RootDocuments roots;

  public ProjectRoutes(ProjectStore projects, AccountStore accounts, URI publicUrl, RootDocuments roots) {
    this.projects = projects;
    this.accounts = accounts;
    this.publicUrl = publicUrl;
    this.roots = roots;
  }

  public void mount(Router router, Api api) {
    api.bind(router.post("/api/projects"), this::create);
    api.bind(router.get("/api/projects"), this::list);
    api.bind(router.get("/api/projects/:projectId"), this::get);
    api.bind(router.patch("/api/projects/:projectId"), this::rename);
    api.bind(router.delete("/api/projects/:projectId"), this::delete);
    api.bind(router.get("/api/projects/:projectId/members"), this::members);
    api.bind(router.post("/api/projects/:projectId/members"), this::addMember);
    api.bind(router.patch("/api/projects/:projectId/members/:userId"), this::changeRole);
    api.bind(router.delete("/api/projects/:projectId/members/:userId"), this::removeMember);
    api.bind(router.post("/api/projects/:projectId/invites"), this::createInvite);
    api.bind(router.get("/api/projects/:projectId/invites"), this::listInvites);
    api.bind(router.delete("/api/projects/:projectId/invites/:inviteId"), this::deleteInvite);
    api.bind(router.get("/api/invites/:token"), this::showInvite);
    api.bind(router.post("/api/invites/:token/accept"), this::acceptInvite);
  }

  /** Loads the project for the caller and checks their role: 404 for non-members, 403 if too weak. */
  private Future<Project> access(RoutingContext ctx, Role needed) {
    Caller caller = Authenticator.require(ctx);
    UUID id = Ids.parse(ctx.pathParam("projectId")).orElseThrow(() -> ApiException.notFound("project"));
    return projects
        .find(id, caller.user().id())
        .map(
            found -> {
              Project p = found.orElseThrow(() -> ApiException.notFound("project"));
              if (!p.role().atLeast(needed)) {
                throw ApiException.forbidden("this needs the " + needed.wire() + " role; you are " + p.role().wire());
              }
              return p;
            });
  }

  private Future<Reply> create(RoutingContext ctx) {
    Caller caller = Authenticator.require(ctx);
    String name = name(NEW_PROJECT.read(ctx));
    // The root document exists before anyone learns its URL.
    return projects.create(caller.user().id(), name)
        .compose(p -> roots.ensure(p).map(v -> Reply.created(p.toJson())));
  }

  private Future<Reply> list(RoutingContext ctx) {
    Caller caller = Authenticator.require(ctx);
    return projects
        .listFor(caller.user().id())
        .map(list -> Reply.ok(new JsonArray(list.stream().map(Project::toJson).toList())));
  }

  private Future<Reply> get(RoutingContext ctx) {
    // Projects from before root documents, or whose creation stopped half-way, get theirs here.
    return access(ctx, Role.VIEWER).compose(p -> roots.ensure(p).map(v -> Reply.ok(p.toJson())));
  }

  private Future<Reply> rename(RoutingContext ctx) {
    return access(ctx, Role.OWNER)
        .compose(
            p -> {
              String name = name(UPDATE_PROJECT.read(ctx));
              return projects.rename(p.id(), name)
                  .compose(v -> roots.rename(p, name))
                  .compose(v -> projects.find(p.id(), Authenticator.require(ctx).user().id()));
            })
        .map(p -> Reply.ok(p.orElseThrow(() -> ApiException.notFound("project")).toJson()));
  }

  private Future<Reply> delete(RoutingContext ctx) {
    return access(ctx, Role.OWNER).compose(p -> projects.delete(p.id())).map(v -> Reply.noContent());
  }

  private Future<Reply> members(RoutingContext ctx) {
    return access(ctx, Role.VIEWER)
        .compose(p -> projects.members(p.id()))
        .map(list -> Reply.ok(new JsonArray(list.stream().map(ProjectStore.Member::toJson).toList())));
  }

  private Future<Reply> addMember(RoutingContext ctx) {
    return access(ctx, Role.OWNER)
        .compose(
            p -> {
              JsonObject body = NEW_MEMBER.read(ctx);
              Role role = Role.parse(body.getString("role"));
              String username = body.getString("username");
              return accounts
                  .byUsername(username)
                  .compose(
                      user -> {
                        if (user.isEmpty()) {
                          return Future.failedFuture(ApiException.notFound("user '" + username + "'"));
                        }
                        return projects.addMember(p.id(), user.get().id(), role);
                      })
                  .map(
                      added ->
                          Reply.created(
                              added
                                  .orElseThrow(() -> ApiException.conflict("already_member", username + " is already a member"))
                                  .toJson()));
            });
  }

  private Future<Reply> changeRole(RoutingContext ctx) {
    return access(ctx, Role.OWNER)
        .compose(
            p -> {
              Role role = Role.parse(UPDATE_MEMBER.read(ctx).getString("role"));
              UUID userId = Ids.parse(ctx.pathParam("userId")).orElseThrow(() -> ApiException.notFound("member"));
              return projects.changeRole(p.id(), userId, role);
            })
        .map(m -> Reply.ok(m.orElseThrow(() -> ApiException.notFound("member")).toJson()));
  }

  private Future<Reply> removeMember(RoutingContext ctx) {
    Caller caller = Authenticator.require(ctx);
    UUID userId = Ids.parse(ctx.pathParam("userId")).orElse(null);
    // Anyone may leave; only owners remove others.
    Role needed = caller.user().id().equals(userId) ? Role.VIEWER : Role.OWNER;
    return access(ctx, needed)
        .compose(
            p -> {
              if (userId == null) {
                return Future.failedFuture(ApiException.notFound("member"));
              }
              return projects.removeMember(p.id(), userId);
            })
        .map(
            removed -> {
              if (!removed) {
                throw ApiException.notFound("member");
              }
              return Reply.noContent();
            });
  }

  private Future<Reply> createInvite(RoutingContext ctx) {
    Caller caller = Authenticator.require(ctx);
    return access(ctx, Role.OWNER)
        .compose(
            p -> {
              JsonObject body = NEW_INVITE.read(ctx);
              Duration ttl = Duration.ofHours(body.getInteger("expiresInHours", 72));
              return projects.createInvite(
                  p.id(), caller.user().id(), Secrets.newToken("inv_", 24), Role.parse(body.getString("role")), ttl);
            })
        .map(i -> Reply.created(inviteJson(i).put("token", i.token())));
  }

  private Future<Reply> listInvites(RoutingContext ctx) {
    return access(ctx, Role.OWNER)
        .compose(p -> projects.invites(p.id()))
        .map(list -> Reply.ok(new JsonArray(list.stream().map(this::inviteJson).toList())));
  }

  private Future<Reply> deleteInvite(RoutingContext ctx) {
    return access(ctx, Role.OWNER)
        .compose(
            p -> {
              UUID inviteId = Ids.parse(ctx.pathParam("inviteId")).orElseThrow(() -> ApiException.notFound("invite"));
              return projects.deleteInvite(p.id(), inviteId);
            })
        .map(
            deleted -> {
              if (!deleted) {
                throw ApiException.notFound("invite");
              }
              return Reply.noContent();
            });
  }

  private Future<Reply> showInvite(RoutingContext ctx) {
    Authenticator.require(ctx);
    return projects
        .inviteByToken(ctx.pathParam("token"))
        .map(
            found -> {
              ProjectStore.Invite i = found.orElseThrow(() -> ApiException.notFound("invite"));
              return Reply.ok(
                  new JsonObject()
                      .put("projectId", i.projectId().toString())
                      .put("projectName", i.projectName())
                      .put("role", i.role().wire())
                      .put("expiresAt", i.expiresAt().toInstant().toString()));
            });
  }

  private Future<Reply> acceptInvite(RoutingContext ctx) {
    Caller caller = Authenticator.require(ctx);
    return projects
        .inviteByToken(ctx.pathParam("token"))
        .compose(
            found -> {
              ProjectStore.Invite i = found.orElseThrow(() -> ApiException.notFound("invite"));
              return projects
                  .accept(i, caller.user().id())
                  .map(role -> Reply.ok(new JsonObject().put("projectId", i.projectId().toString()).put("role", role.wire())));
            });
  }

  private JsonObject inviteJson(ProjectStore.Invite i) {
    return new JsonObject()
        .put("id", i.id().toString())
        .put("role", i.role().wire())
        .put("url", publicUrl + "/invite/" + i.token())
        .put("createdAt", i.createdAt().toInstant().toString())
        .put("expiresAt", i.expiresAt().toInstant().toString());
  }

  private static String name(JsonObject body) {
    String name = body.getString("name").strip();
    if (name.isEmpty()) {
      throw ApiException.invalidField("name", "name must not be blank");
    }
    return name;
  }
}
