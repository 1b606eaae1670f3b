package dev.ensemble.git;

import dev.ensemble.config.EnsembleConfig.OAuthProviderConfig;
import dev.ensemble.http.ApiException;
import dev.ensemble.identity.AccountStore;
import dev.ensemble.identity.SecretBox;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The repositories a user reaches on GitHub or GitLab through their linked login, one page at a
 * time, for choosing what to import. Calls the provider's REST API with the stored OAuth token.
 */
public final class ProviderRepositories {
  private static final Logger log = LoggerFactory.getLogger(ProviderRepositories.class);

  /** The providers a client may name. */
  public static final List<String> PROVIDERS = List.of("github", "gitlab");
  /** Repositories asked of the provider per page (GitHub's and GitLab's maximum is 100). */
  public static final int PAGE_SIZE = 50;

  private static final Pattern LINK = Pattern.compile("<([^>]*)>([^<]*)");
  private static final Pattern REL = Pattern.compile("(?i)\\brel\\s*=\\s*\"?([^\";,]*)\"?");

  /** One repository as the import dialog shows it. */
  public record Repository(
      String name, String fullName, String cloneUrl, Optional<String> defaultBranch, boolean isPrivate,
      Optional<String> description, Instant updatedAt) {
    JsonObject toJson() {
      return new JsonObject()
          .put("name", name)
          .put("fullName", fullName)
          .put("cloneUrl", cloneUrl)
          .put("defaultBranch", defaultBranch.orElse(null))
          .put("private", isPrivate)
          .put("description", description.orElse(null))
          .put("updatedAt", updatedAt.toString());
    }
  }

  /** One page of a provider's list, and the number of the next page when there is one. */
  public record Page(String provider, List<Repository> repositories, Optional<Integer> nextPage) {
    public JsonObject toJson() {
      return new JsonObject()
          .put("provider", provider)
          .put("repositories", new JsonArray(repositories.stream().map(Repository::toJson).toList()))
          .put("nextPage", nextPage.orElse(null));
    }
  }

  private final WebClient http;
  private final Map<String, OAuthProviderConfig> configured;
  private final AccountStore accounts;
  private final SecretBox secrets;
  private final long timeoutMillis;

  public ProviderRepositories(
      WebClient http, List<OAuthProviderConfig> configured, AccountStore accounts, SecretBox secrets,
      Duration timeout) {
    this.http = http;
    this.configured = Map.copyOf(
        configured.stream().collect(java.util.stream.Collectors.toMap(OAuthProviderConfig::id, c -> c)));
    this.accounts = accounts;
    this.secrets = secrets;
    this.timeoutMillis = timeout.toMillis();
  }

  /**
   * A page (from 1) of the user's repositories on the provider, most recently active first.
   * {@code query} narrows by name: GitLab searches server-side; GitHub's list has no search, so
   * each page is filtered here and may hold fewer (or no) matches while a next page exists.
   */
  public Future<Page> list(UUID userId, String provider, int page, Optional<String> query) {
    OAuthProviderConfig config = configured.get(provider);
    if (config == null) {
      return Future.failedFuture(ApiException.of(404, "provider_not_configured",
          displayName(provider) + " login is not configured on this server"));
    }
    return accounts.providerToken(userId, provider).compose(sealed -> {
      if (sealed.isEmpty()) {
        return Future.failedFuture(ApiException.conflict("provider_not_linked",
            "your account has no " + displayName(provider) + " login: sign in with " + displayName(provider)
                + " to link it, then try again"));
      }
      String token = new String(secrets.open(sealed.get()), StandardCharsets.UTF_8);
      return provider.equals("github") ? github(config, token, page, query) : gitlab(config, token, page, query);
    });
  }

  private Future<Page> github(OAuthProviderConfig config, String token, int page, Optional<String> query) {
    HttpRequest<Buffer> request = http.getAbs(config.apiUrl() + "/user/repos")
        .addQueryParam("per_page", Integer.toString(PAGE_SIZE))
        .addQueryParam("page", Integer.toString(page))
        .addQueryParam("sort", "updated")
        .addQueryParam("affiliation", "owner,collaborator,organization_member")
        .putHeader("Authorization", "Bearer " + token)
        .putHeader("Accept", "application/vnd.github+json")
        .putHeader("X-GitHub-Api-Version", "2022-11-28")
        .putHeader("User-Agent", "Ensemble");
    Optional<String> needle = query.map(q -> q.toLowerCase(Locale.ROOT));
    return call("github", request).compose(r -> parse("github", () -> {
      List<Repository> repositories = new ArrayList<>();
      JsonArray items = r.bodyAsJsonArray();
      for (int i = 0; i < items.size(); i++) {
        JsonObject o = items.getJsonObject(i);
        Repository repo = new Repository(
            required(o, "name"), required(o, "full_name"), required(o, "clone_url"),
            optional(o, "default_branch"), o.getBoolean("private", true), optional(o, "description"),
            time(o, "updated_at"));
        if (needle.isEmpty() || repo.fullName().toLowerCase(Locale.ROOT).contains(needle.get())) {
          repositories.add(repo);
        }
      }
      return new Page("github", repositories, nextFromLink(r.getHeader("Link"), page));
    }));
  }

  private Future<Page> gitlab(OAuthProviderConfig config, String token, int page, Optional<String> query) {
    HttpRequest<Buffer> request = http.getAbs(config.apiUrl() + "/projects")
        .addQueryParam("membership", "true")
        .addQueryParam("simple", "true")
        .addQueryParam("per_page", Integer.toString(PAGE_SIZE))
        .addQueryParam("page", Integer.toString(page))
        .addQueryParam("order_by", "last_activity_at")
        .putHeader("Authorization", "Bearer " + token)
        .putHeader("Accept", "application/json")
        .putHeader("User-Agent", "Ensemble");
    query.ifPresent(q -> request.addQueryParam("search", q));
    return call("gitlab", request).compose(r -> parse("gitlab", () -> {
      List<Repository> repositories = new ArrayList<>();
      JsonArray items = r.bodyAsJsonArray();
      for (int i = 0; i < items.size(); i++) {
        JsonObject o = items.getJsonObject(i);
        repositories.add(new Repository(
            required(o, "name"), required(o, "path_with_namespace"), required(o, "http_url_to_repo"),
            optional(o, "default_branch"),
            // Older GitLab versions leave visibility out of the simple view: unknown counts as private.
            !"public".equals(o.getString("visibility")), optional(o, "description"),
            time(o, "last_activity_at")));
      }
      return new Page("gitlab", repositories, nextFromHeader(r.getHeader("X-Next-Page")));
    }));
  }

  /** Sends with a deadline; maps what the provider answers to the API's errors, logging each once. */
  private Future<HttpResponse<Buffer>> call(String provider, HttpRequest<Buffer> request) {
    String name = displayName(provider);
    return request.timeout(timeoutMillis).send()
        .timeout(timeoutMillis, TimeUnit.MILLISECONDS)
        .recover(e -> {
          log.warn("{} API unreachable: {}", name, e.toString());
          return Future.failedFuture(unavailable(name + " could not be reached; try again later"));
        })
        .compose(r -> {
          int status = r.statusCode();
          if (status == 200) {
            return Future.succeededFuture(r);
          }
          if (status == 429 || (status == 403 && "0".equals(r.getHeader("X-RateLimit-Remaining")))) {
            log.warn("{} API rate limit reached (HTTP {})", name, status);
            return Future.failedFuture(unavailable(name + "'s rate limit is reached; try again later"));
          }
          if (status == 401 || status == 403) {
            log.info("{} API refused a user's token (HTTP {})", name, status);
            return Future.failedFuture(ApiException.conflict("provider_token_rejected",
                name + " no longer accepts your login (revoked or expired): sign in with " + name
                    + " again to link it"));
          }
          log.warn("{} API answered HTTP {}", name, status);
          return Future.failedFuture(unavailable(name + " answered with an error (HTTP " + status + "); try again later"));
        });
  }

  /** Reads a 200 answer; a body not shaped as documented is the provider's failure. */
  private static Future<Page> parse(String provider, java.util.function.Supplier<Page> reader) {
    try {
      return Future.succeededFuture(reader.get());
    } catch (RuntimeException e) {
      log.warn("{} API answered with an unexpected body: {}", displayName(provider), e.toString());
      return Future.failedFuture(unavailable(displayName(provider) + " answered with an unexpected body"));
    }
  }

  /** The page number of the {@code rel="next"} link of a GitHub {@code Link} header. */
  static Optional<Integer> nextFromLink(String header, int page) {
    if (header == null) {
      return Optional.empty();
    }
    Matcher link = LINK.matcher(header);
    while (link.find()) {
      Matcher rel = REL.matcher(link.group(2));
      if (rel.find() && List.of(rel.group(1).trim().split("\\s+")).contains("next")) {
        return Optional.of(pageParameter(link.group(1)).orElse(page + 1));
      }
    }
    return Optional.empty();
  }

  private static Optional<Integer> pageParameter(String url) {
    String query;
    try {
      query = URI.create(url).getRawQuery();
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
    if (query == null) {
      return Optional.empty();
    }
    for (String pair : query.split("&")) {
      if (pair.startsWith("page=")) {
        return positive(pair.substring(5));
      }
    }
    return Optional.empty();
  }

  /** GitLab's {@code X-Next-Page}: a number, or empty on the last page. */
  static Optional<Integer> nextFromHeader(String header) {
    return header == null ? Optional.empty() : positive(header.trim());
  }

  private static Optional<Integer> positive(String s) {
    try {
      int n = Integer.parseInt(s);
      return n > 0 ? Optional.of(n) : Optional.empty();
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  private static String required(JsonObject o, String field) {
    String v = o.getString(field);
    if (v == null || v.isEmpty()) {
      throw new IllegalArgumentException("missing " + field);
    }
    return v;
  }

  private static Optional<String> optional(JsonObject o, String field) {
    return Optional.ofNullable(o.getString(field)).filter(s -> !s.isEmpty());
  }

  private static Instant time(JsonObject o, String field) {
    try {
      return OffsetDateTime.parse(required(o, field)).toInstant();
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(field + " is not a time: " + o.getString(field));
    }
  }

  private static ApiException unavailable(String message) {
    return ApiException.of(502, "provider_unavailable", message);
  }

  private static String displayName(String provider) {
    return provider.equals("github") ? "GitHub" : "GitLab";
  }
}
