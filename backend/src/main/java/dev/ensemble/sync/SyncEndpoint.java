package dev.ensemble.sync;

import dev.ensemble.cluster.Bus;
import dev.ensemble.cluster.LocalBus;
import dev.ensemble.http.ApiException;
import dev.ensemble.identity.Authenticator;
import dev.ensemble.projects.ProjectSocketGate;
import dev.ensemble.projects.ProjectStore;
import dev.ensemble.sync.store.PgDocumentStore;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /sync?project=<id>}: the automerge-repo WebSocket endpoint. The caller is
 * authenticated (session cookie, bearer header or {@code ?access_token=}) and must be a member of
 * the project before the connection is upgraded; refusals are plain HTTP 400/401/403/404.
 * Build one per node and mount it on every HTTP verticle's router: the documents are shared.
 */
public final class SyncEndpoint {
  private static final Logger log = LoggerFactory.getLogger(SyncEndpoint.class);
  public static final String PATH = "/sync";

  private final Vertx vertx;
  private final ProjectSocketGate gate;
  private final SyncSettings settings;
  private final DocRegistry registry;
  private final Documents documents;
  private final List<Consumer<Router>> routes = new CopyOnWriteArrayList<>();

  public SyncEndpoint(Vertx vertx, Pool pool, Authenticator authenticator, ProjectStore projects, SyncSettings settings) {
    this(vertx, pool, authenticator, projects, settings, new LocalBus());
  }

  public SyncEndpoint(
      Vertx vertx, Pool pool, Authenticator authenticator, ProjectStore projects, SyncSettings settings, Bus bus) {
    this.vertx = vertx;
    this.gate = new ProjectSocketGate(authenticator, projects);
    this.settings = settings;
    this.registry = new DocRegistry(vertx, new PgDocumentStore(pool), bus, settings);
    this.documents = new Documents(registry);
  }

  /** Server-side access to the documents this endpoint syncs. */
  /** Documents in memory on this node, for metrics. */
  public int loadedDocuments() {
    return registry.loadedCount();
  }

  /** Documents in memory that no peer syncs, for metrics. */
  public int idleDocuments() {
    return registry.idleCount();
  }

  public Documents documents() {
    return documents;
  }

  /** More routes of the sync feature (the files API), mounted on every router with {@code /sync}. */
  public void addRoutes(Consumer<Router> mount) {
    routes.add(mount);
  }

  public SyncSettings settings() {
    return settings;
  }

  /** Registers {@code GET /sync} and the routes added with {@link #addRoutes}. */
  public void mount(Router router) {
    router.get(PATH).handler(this::upgrade);
    routes.forEach(m -> m.accept(router));
  }

  /** Stores what is in flight and frees the documents; call after the HTTP servers stopped. */
  public Future<Void> close() {
    return registry.close();
  }

  private void upgrade(RoutingContext ctx) {
    if (!ProjectSocketGate.isUpgrade(ctx)) {
      ctx.fail(ApiException.badRequest("websocket_expected", "GET /sync is a WebSocket upgrade"));
      return;
    }
    Optional<UUID> projectId = uuid(ctx.request().getParam("project"));
    if (projectId.isEmpty()) {
      ctx.fail(ApiException.invalidField("project", "query parameter 'project' must be a project id"));
      return;
    }
    Context context = vertx.getOrCreateContext();
    gate.admit(ctx, projectId.get())
        .onSuccess(a -> {
          PeerConnection peer = new PeerConnection(
              vertx, context, a.socket(), registry, settings, a.project().id(), a.project().role(),
              a.caller().user().username());
          peer.start();
          log.debug("sync connection of {} to project {} as {}",
              a.caller().user().username(), a.project().id(), a.project().role());
        });
  }

  private static Optional<UUID> uuid(String s) {
    try {
      return s == null ? Optional.empty() : Optional.of(UUID.fromString(s));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }
}
