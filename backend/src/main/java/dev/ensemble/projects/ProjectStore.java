package dev.ensemble.projects;

import dev.ensemble.http.ApiException;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import static dev.ensemble.store.Rows.first;
import static dev.ensemble.store.Rows.map;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** Projects, their members and invites in PostgreSQL. */
public final class ProjectStore {
  private final Pool pool;

  public ProjectStore(Pool pool) {
    this.pool = pool;
  }

  /** A member of a project. */
  public record Member(UUID userId, String username, String displayName, Role role, OffsetDateTime addedAt) {
    static Member from(Row r) {
      return new Member(
          r.getUUID("user_id"), r.getString("username"), r.getString("display_name"),
          Role.parse(r.getString("role")), r.getOffsetDateTime("added_at"));
    }

    public JsonObject toJson() {
      return new JsonObject()
          .put("userId", userId.toString())
          .put("username", username)
          .put("displayName", displayName)
          .put("role", role.wire())
          .put("addedAt", addedAt.toInstant().toString());
    }
  }

  /** A pending invite link. */
  public record Invite(
      UUID id, UUID projectId, String projectName, String token, Role role, OffsetDateTime createdAt,
      OffsetDateTime expiresAt) {
    static Invite from(Row r) {
      return new Invite(
          r.getUUID("id"), r.getUUID("project_id"), r.getString("project_name"), r.getString("token"),
          Role.parse(r.getString("role")), r.getOffsetDateTime("created_at"), r.getOffsetDateTime("expires_at"));
    }
  }

  public Future<Project> create(UUID userId, String name) {
    return pool.withTransaction(
        conn ->
            conn.preparedQuery("INSERT INTO projects (name, created_by) VALUES ($1, $2) RETURNING id")
                .execute(Tuple.of(name, userId))
                .compose(
                    rows -> {
                      UUID id = rows.iterator().next().getUUID("id");
                      return conn.preparedQuery(
                              "INSERT INTO project_members (project_id, user_id, role) VALUES ($1, $2, 'owner')")
                          .execute(Tuple.of(id, userId))
                          .compose(v -> find(conn, id, userId))
                          .map(Optional::get);
                    }));
  }

  public Future<List<Project>> listFor(UUID userId) {
    return pool.preparedQuery(
            "SELECT " + Project.COLUMNS + " FROM projects p JOIN project_members m"
                + " ON m.project_id = p.id AND m.user_id = $1 ORDER BY p.updated_at DESC, p.id")
        .execute(Tuple.of(userId))
        .map(rows -> map(rows, Project::from));
  }

  /** The project as seen by the user; empty when it does not exist or they are no member. */
  public Future<Optional<Project>> find(UUID projectId, UUID userId) {
    return pool.withConnection(conn -> find(conn, projectId, userId));
  }

  private static Future<Optional<Project>> find(SqlConnection conn, UUID projectId, UUID userId) {
    return conn.preparedQuery(
            "SELECT " + Project.COLUMNS + " FROM projects p JOIN project_members m"
                + " ON m.project_id = p.id AND m.user_id = $2 WHERE p.id = $1")
        .execute(Tuple.of(projectId, userId))
        .map(rows -> first(rows).map(Project::from));
  }

  public Future<Void> rename(UUID projectId, String name) {
    return pool.preparedQuery("UPDATE projects SET name = $2, updated_at = now() WHERE id = $1")
        .execute(Tuple.of(projectId, name))
        .mapEmpty();
  }

  public Future<Void> delete(UUID projectId) {
    return pool.preparedQuery("DELETE FROM projects WHERE id = $1").execute(Tuple.of(projectId)).mapEmpty();
  }

  // --- members --------------------------------------------------------------------------------

  private static final String MEMBER_COLUMNS =
      "m.user_id, u.username, u.display_name, m.role, m.added_at";

  public Future<List<Member>> members(UUID projectId) {
    return pool.preparedQuery(
            "SELECT " + MEMBER_COLUMNS + " FROM project_members m JOIN users u ON u.id = m.user_id"
                + " WHERE m.project_id = $1 ORDER BY m.added_at, u.username")
        .execute(Tuple.of(projectId))
        .map(rows -> map(rows, Member::from));
  }

  /** Adds a member; empty when they already are one. */
  public Future<Optional<Member>> addMember(UUID projectId, UUID userId, Role role) {
    return pool.preparedQuery(
            "WITH ins AS (INSERT INTO project_members (project_id, user_id, role) VALUES ($1, $2, $3)"
                + " ON CONFLICT DO NOTHING RETURNING user_id, role, added_at)"
                + " SELECT ins.user_id, u.username, u.display_name, ins.role, ins.added_at"
                + " FROM ins JOIN users u ON u.id = ins.user_id")
        .execute(Tuple.of(projectId, userId, role.wire()))
        .map(rows -> first(rows).map(Member::from));
  }

  /**
   * Changes a member's role, refusing to leave the project without an owner. Empty when the user
   * is no member.
   */
  public Future<Optional<Member>> changeRole(UUID projectId, UUID userId, Role role) {
    return pool.withTransaction(
        conn ->
            lockMembers(conn, projectId)
                .compose(
                    owners -> {
                      if (role != Role.OWNER && owners.size() == 1 && owners.contains(userId)) {
                        return Future.failedFuture(lastOwner());
                      }
                      return conn.preparedQuery(
                              "WITH upd AS (UPDATE project_members SET role = $3 WHERE project_id = $1"
                                  + " AND user_id = $2 RETURNING user_id, role, added_at)"
                                  + " SELECT upd.user_id, u.username, u.display_name, upd.role, upd.added_at"
                                  + " FROM upd JOIN users u ON u.id = upd.user_id")
                          .execute(Tuple.of(projectId, userId, role.wire()))
                          .map(rows -> first(rows).map(Member::from));
                    }));
  }

  /** Removes a member, refusing to remove the last owner. False when the user is no member. */
  public Future<Boolean> removeMember(UUID projectId, UUID userId) {
    return pool.withTransaction(
        conn ->
            lockMembers(conn, projectId)
                .compose(
                    owners -> {
                      if (owners.size() == 1 && owners.contains(userId)) {
                        return Future.failedFuture(lastOwner());
                      }
                      return conn.preparedQuery(
                              "DELETE FROM project_members WHERE project_id = $1 AND user_id = $2")
                          .execute(Tuple.of(projectId, userId))
                          .map(rows -> rows.rowCount() > 0);
                    }));
  }

  /** Locks the project's member rows and returns its owners. */
  private static Future<List<UUID>> lockMembers(SqlConnection conn, UUID projectId) {
    return conn.preparedQuery(
            "SELECT user_id, role FROM project_members WHERE project_id = $1 FOR UPDATE")
        .execute(Tuple.of(projectId))
        .map(
            rows -> {
              List<UUID> owners = new ArrayList<>();
              rows.forEach(r -> {
                if ("owner".equals(r.getString("role"))) {
                  owners.add(r.getUUID("user_id"));
                }
              });
              return owners;
            });
  }

  private static ApiException lastOwner() {
    return ApiException.conflict("last_owner", "a project must keep at least one owner");
  }

  // --- invites --------------------------------------------------------------------------------

  private static final String INVITE_COLUMNS =
      "i.id, i.project_id, p.name AS project_name, i.token, i.role, i.created_at, i.expires_at";

  public Future<Invite> createInvite(UUID projectId, UUID createdBy, String token, Role role, Duration ttl) {
    return pool.preparedQuery(
            "WITH ins AS (INSERT INTO invites (project_id, token, role, created_by, expires_at)"
                + " VALUES ($1, $2, $3, $4, $5) RETURNING *)"
                + " SELECT " + INVITE_COLUMNS.replace("i.", "ins.")
                + " FROM ins JOIN projects p ON p.id = ins.project_id")
        .execute(Tuple.of(projectId, token, role.wire(), createdBy, OffsetDateTime.now(ZoneOffset.UTC).plus(ttl)))
        .map(rows -> Invite.from(rows.iterator().next()));
  }

  public Future<List<Invite>> invites(UUID projectId) {
    return pool.preparedQuery(
            "SELECT " + INVITE_COLUMNS + " FROM invites i JOIN projects p ON p.id = i.project_id"
                + " WHERE i.project_id = $1 AND i.expires_at > now() ORDER BY i.created_at DESC")
        .execute(Tuple.of(projectId))
        .map(rows -> map(rows, Invite::from));
  }

  public Future<Boolean> deleteInvite(UUID projectId, UUID inviteId) {
    return pool.preparedQuery("DELETE FROM invites WHERE id = $1 AND project_id = $2")
        .execute(Tuple.of(inviteId, projectId))
        .map(rows -> rows.rowCount() > 0);
  }

  /** A live invite by its token. */
  public Future<Optional<Invite>> inviteByToken(String token) {
    return pool.preparedQuery(
            "SELECT " + INVITE_COLUMNS + " FROM invites i JOIN projects p ON p.id = i.project_id"
                + " WHERE i.token = $1 AND i.expires_at > now()")
        .execute(Tuple.of(token))
        .map(rows -> first(rows).map(Invite::from));
  }

  /** Adds the user with the invite's role; an existing member keeps their role. Returns the role. */
  public Future<Role> accept(Invite invite, UUID userId) {
    return pool.preparedQuery(
            "INSERT INTO project_members (project_id, user_id, role) VALUES ($1, $2, $3)"
                + " ON CONFLICT (project_id, user_id) DO UPDATE SET role = project_members.role"
                + " RETURNING role")
        .execute(Tuple.of(invite.projectId(), userId, invite.role().wire()))
        .map(rows -> Role.parse(rows.iterator().next().getString("role")));
  }


}
