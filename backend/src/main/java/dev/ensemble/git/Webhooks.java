package dev.ensemble.git;

import dev.ensemble.http.ApiException;
import dev.ensemble.identity.AccountStore;
import dev.ensemble.identity.SecretBox;
import dev.ensemble.identity.Secrets;
import dev.ensemble.identity.User;
import dev.ensemble.projects.Project;
import dev.ensemble.projects.ProjectStore;
import dev.ensemble.projects.Role;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Webhooks: a project's owner gets a secret to give GitHub or GitLab; a delivery for the
 * project's remote that proves it knows the secret (GitHub signs the body with it, GitLab sends it
 * as a token) makes the project pull, in the background, as the user who set the webhook up.
 */
public final class Webhooks {
  private static final Logger log = LoggerFactory.getLogger(Webhooks.class);
  private static final String ZERO_SHA = "0".repeat(40);

  /** Who sends deliveries, and how they prove they know the secret. */
  public enum Source {
    /** {@code X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body>}. */
    GITHUB,
    /** {@code X-Gitlab-Token: <the secret>}. */
    GITLAB;

    String wire() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * A delivery as the transport read it.
   *
   * @param proof the signature header (GitHub) or the token header (GitLab)
   */
  public record Delivery(Source source, String event, Optional<String> id, String proof, byte[] body) {}

  /** What a delivery is about. */
  public enum Kind { PUSH, PING, OTHER }

  /** A delivery at least one project verified: {@code accepted} projects took it. */
  public record Received(Kind kind, int accepted) {}

  private record Push(String ref, boolean deleted) {}

  /** What one project did with a delivery: a {@code result} word and a sentence for the owner. */
  private record Outcome(String result, String message) {}

  private final Vertx vertx;
  private final WebhookStore store;
  private final GitService git;
  private final ProjectStore projects;
  private final AccountStore accounts;
  private final String publicUrl;

  public Webhooks(Vertx vertx, Pool pool, SecretBox secrets, GitService git, ProjectStore projects,
      AccountStore accounts, URI publicUrl) {
    this.vertx = vertx;
    this.store = new WebhookStore(pool, secrets);
    this.git = git;
    this.projects = projects;
    this.accounts = accounts;
    this.publicUrl = publicUrl.toString().replaceAll("/+$", "");
  }

  // ---- the owner's side ------------------------------------------------------------------------

  /** Creates the project's webhook or gives it a new secret; the answer is the only time it is shown. */
  public Future<JsonObject> create(Project p, User by) {
    return git.tracking(p.id()).compose(t -> {
      String url = t.remoteUrl().orElseThrow(GitErrors::noRemote);
      String key = remoteKey(url).orElseThrow(() ->
          ApiException.conflict("unsupported_remote", "webhooks need an http(s) remote; origin is " + url));
      String secret = Secrets.newToken("whk_", 32);
      return store.save(p.id(), by.id(), secret, url, key)
          .compose(v -> describe(p))
          .map(json -> json.put("secret", secret));
    });
  }

  /** The project's webhook without its secret; 404 when it has none. */
  public Future<JsonObject> describe(Project p) {
    return store.find(p.id()).map(found -> toJson(found.orElseThrow(() -> ApiException.notFound("webhook"))));
  }

  public Future<Void> delete(Project p) {
    return store.delete(p.id()).map(deleted -> {
      if (!deleted) {
        throw ApiException.notFound("webhook");
      }
      return null;
    });
  }

  /** Follows a change of the project's origin, so deliveries for the new repository find it. */
  public Future<Void> remoteChanged(UUID projectId, String url) {
    // A remote that cannot be matched keeps its URL and an empty key: no delivery finds it.
    return store.moveRemote(projectId, url, remoteKey(url).orElse(""));
  }

  private JsonObject toJson(WebhookStore.Hook h) {
    return new JsonObject()
        .put("githubUrl", publicUrl + "/api/hooks/github")
        .put("gitlabUrl", publicUrl + "/api/hooks/gitlab")
        .put("repository", h.remoteUrl())
        .put("createdAt", h.createdAt().toInstant().toString())
        .put("createdBy", new JsonObject().put("id", h.createdBy().toString()).put("username", h.createdByUsername()))
        .put("lastDelivery", h.last().map(d -> new JsonObject()
            .put("at", d.at().toInstant().toString())
            .put("event", d.event())
            .put("result", d.result())
            .put("message", d.message())).orElse(null));
  }

  // ---- deliveries ------------------------------------------------------------------------------

  /**
   * Verifies a delivery against the webhooks of the projects whose remote it names and, for a
   * push, starts their pulls without waiting for them. 401 when no project verifies it, whether
   * or not any project has that remote.
   */
  public Future<Received> receive(Delivery d) {
    JsonObject payload = parse(d.body());
    Kind kind = kind(d);
    Set<String> keys = remoteKeys(d.source(), payload);
    Optional<Push> push = kind == Kind.PUSH ? Optional.of(push(d.source(), payload)) : Optional.empty();
    if (kind == Kind.PUSH && keys.isEmpty()) {
      throw ApiException.badRequest("malformed_payload", "the push names no repository URL");
    }
    OffsetDateTime at = OffsetDateTime.now(ZoneOffset.UTC);
    Future<List<WebhookStore.Candidate>> candidates =
        keys.isEmpty() ? Future.succeededFuture(List.of()) : store.candidates(keys);
    // Hashing a body of up to the size limit for each candidate is CPU work: off the event loop.
    return candidates
        .compose(all -> vertx.executeBlocking(() -> all.stream().filter(c -> verifies(d, c.secret())).toList(), false))
        .map(verified -> {
          if (verified.isEmpty()) {
            throw ApiException.unauthorized("no webhook secret matches this delivery");
          }
          for (WebhookStore.Candidate c : verified) {
            switch (kind) {
              case PUSH -> pullLater(c, push.orElseThrow(), keys, d, at);
              case PING -> finish(c, d, at, new Outcome("ok", "ping received: the webhook reaches this server and its secret matches"));
              case OTHER -> finish(c, d, at, new Outcome("ignored", "event '" + d.event() + "' does not trigger a pull"));
            }
          }
          return new Received(kind, verified.size());
        });
  }

  private static Kind kind(Delivery d) {
    return switch (d.source()) {
      case GITHUB -> d.event().equals("push") ? Kind.PUSH : d.event().equals("ping") ? Kind.PING : Kind.OTHER;
      case GITLAB -> d.event().equals("Push Hook") ? Kind.PUSH : Kind.OTHER;
    };
  }

  /** Pulls the project for a verified push, then records and logs what happened, once. */
  private void pullLater(WebhookStore.Candidate c, Push push, Set<String> keys, Delivery d, OffsetDateTime at) {
    Future<Outcome> outcome = projects.find(c.projectId(), c.createdBy()).compose(found -> {
      Optional<Project> project = found.filter(p -> p.role().atLeast(Role.EDITOR));
      if (project.isEmpty()) {
        return Future.succeededFuture(new Outcome("refused",
            "the user who set up the webhook is no longer an editor of the project: set it up again"));
      }
      if (push.deleted()) {
        return Future.succeededFuture(new Outcome("ignored", push.ref() + " was deleted"));
      }
      return git.tracking(c.projectId()).compose(t -> {
        if (t.remoteUrl().flatMap(Webhooks::remoteKey).filter(keys::contains).isEmpty()) {
          return Future.succeededFuture(new Outcome("ignored", "the project's origin is no longer this repository"));
        }
        if (!t.upstreamRef().equals(Optional.of(push.ref()))) {
          return Future.succeededFuture(new Outcome("ignored", "a push to " + push.ref() + "; the project follows "
              + t.upstreamRef().orElse("no branch (HEAD is detached)")));
        }
        return accounts.byId(c.createdBy())
            .compose(user -> git.pull(project.get(), user.orElseThrow(() -> new IllegalStateException("no such user"))))
            .map(Webhooks::pulled);
      });
    }).recover(e -> Future.succeededFuture(failed(c, e)));
    outcome.onSuccess(o -> finish(c, d, at, o));
  }

  private static Outcome pulled(JsonObject result) {
    String branch = result.getString("branch");
    String head = Optional.ofNullable(result.getString("head")).map(h -> h.substring(0, Math.min(12, h.length()))).orElse("");
    return switch (result.getString("result")) {
      case "conflicting" -> new Outcome("conflict", "merged " + branch + " with conflicts in: "
          + GitErrors.list(result.getJsonArray("conflicts", new JsonArray()).stream().map(String::valueOf).toList()));
      case "up-to-date" -> new Outcome("ok", branch + " was already up to date");
      default -> new Outcome("ok", "pulled " + branch + " (" + result.getString("result") + ")"
          + (head.isEmpty() ? "" : " to " + head));
    };
  }

  private static Outcome failed(WebhookStore.Candidate c, Throwable e) {
    if (e instanceof ApiException a) {
      return new Outcome(a.code().equals("git_auth_failed") ? "auth_failed" : "failed", a.code() + ": " + a.getMessage());
    }
    log.error("webhook pull of project {} failed", c.projectId(), e);
    return new Outcome("failed", "internal error");
  }

  /** Logs what a delivery did for a project and records it for the owner. */
  private void finish(WebhookStore.Candidate c, Delivery d, OffsetDateTime at, Outcome o) {
    String line = "{} webhook {} (delivery {}) for project {}: {}: {}";
    Object[] args = {d.source().wire(), d.event(), d.id().orElse("-"), c.projectId(), o.result(), o.message()};
    if (o.result().equals("ok") || o.result().equals("ignored")) {
      log.info(line, args);
    } else {
      log.warn(line, args);
    }
    store.record(c.projectId(), at, d.event(), o.result(), o.message())
        .onFailure(e -> log.error("recording the webhook delivery for project {} failed", c.projectId(), e));
  }

  // ---- reading and verifying payloads ---------------------------------------------------------

  private static JsonObject parse(byte[] body) {
    Object parsed;
    try {
      parsed = Json.decodeValue(io.vertx.core.buffer.Buffer.buffer(body));
    } catch (DecodeException e) {
      throw ApiException.badRequest("malformed_json", "body is not valid JSON");
    }
    if (!(parsed instanceof JsonObject o)) {
      throw ApiException.badRequest("malformed_json", "body must be a JSON object");
    }
    return o;
  }

  /** The normalised repository URLs a payload names (SSH URLs never match: remotes are http(s)). */
  private static Set<String> remoteKeys(Source source, JsonObject payload) {
    Stream<String> urls = switch (source) {
      case GITHUB -> Stream.of(field(payload, "repository", "clone_url"), field(payload, "repository", "html_url"));
      case GITLAB -> Stream.of(field(payload, "project", "git_http_url"), field(payload, "project", "web_url"),
          field(payload, "repository", "git_http_url"));
    };
    Set<String> keys = new LinkedHashSet<>();
    urls.forEach(u -> remoteKey(u).ifPresent(keys::add));
    return keys;
  }

  private static String field(JsonObject payload, String object, String name) {
    return payload.getValue(object) instanceof JsonObject o && o.getValue(name) instanceof String s ? s : "";
  }

  private static Push push(Source source, JsonObject payload) {
    if (!(payload.getValue("ref") instanceof String ref) || !ref.startsWith("refs/")) {
      throw ApiException.badRequest("malformed_payload", "a push needs a \"ref\" such as refs/heads/main");
    }
    // GitHub says so; GitLab reports a deleted branch as a push to the all-zero commit.
    boolean deleted = payload.getValue("deleted") instanceof Boolean b && b
        || ZERO_SHA.equals(payload.getValue("after"));
    return new Push(ref, deleted);
  }

  private static boolean verifies(Delivery d, byte[] secret) {
    byte[] given = d.proof().strip().getBytes(StandardCharsets.UTF_8);
    byte[] expected = switch (d.source()) {
      case GITHUB -> ("sha256=" + HexFormat.of().formatHex(hmacSha256(secret, d.body()))).getBytes(StandardCharsets.UTF_8);
      case GITLAB -> secret;
    };
    return MessageDigest.isEqual(expected, d.source() == Source.GITHUB ? lowerAscii(given) : given);
  }

  static byte[] hmacSha256(byte[] key, byte[] body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(body);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] lowerAscii(byte[] b) {
    byte[] out = b.clone();
    for (int i = 0; i < out.length; i++) {
      if (out[i] >= 'A' && out[i] <= 'Z') {
        out[i] += 'a' - 'A';
      }
    }
    return out;
  }

  /**
   * A repository URL as deliveries are matched: scheme, host and port (the scheme's default left
   * out), path without a trailing "/" or ".git", all in lower case — GitHub and GitLab treat owner
   * and repository names without regard to case, and the secret still has to verify.
   */
  static Optional<String> remoteKey(String url) {
    URI u;
    try {
      u = new URI(url.strip());
    } catch (URISyntaxException e) {
      return Optional.empty();
    }
    String scheme = Optional.ofNullable(u.getScheme()).orElse("").toLowerCase(Locale.ROOT);
    if (!(scheme.equals("https") || scheme.equals("http")) || u.getHost() == null || u.getHost().isEmpty()) {
      return Optional.empty();
    }
    int port = u.getPort() == (scheme.equals("https") ? 443 : 80) ? -1 : u.getPort();
    String path = Optional.ofNullable(u.getRawPath()).orElse("").replaceAll("/+$", "");
    path = (path.endsWith(".git") ? path.substring(0, path.length() - 4) : path).replaceAll("/+$", "");
    return Optional.of((scheme + "://" + u.getHost() + (port < 0 ? "" : ":" + port) + path).toLowerCase(Locale.ROOT));
  }
}
