package dev.ensemble;

import dev.ensemble.ai.AiProvider;
import dev.ensemble.ai.ActionRoutes;
import dev.ensemble.ai.AiRoutes;
import dev.ensemble.ai.AnswerLease;
import dev.ensemble.ai.ChatContext;
import dev.ensemble.ai.actions.ActionService;
import dev.ensemble.ai.actions.ProposalStore;
import dev.ensemble.ai.context.ContextBuilder;
import dev.ensemble.ai.context.RetrievalIndex;
import dev.ensemble.ai.context.TextEmbedder;
import dev.ensemble.ai.ChatFanOut;
import dev.ensemble.ai.ChatService;
import dev.ensemble.ai.ChatStore;
import dev.ensemble.ai.Langchain4jProvider;
import dev.ensemble.ai.ProjectProviders;
import dev.ensemble.ai.agent.AgentRoutes;
import dev.ensemble.ai.agent.AgentService;
import dev.ensemble.ai.complete.CompletionRoutes;
import dev.ensemble.ai.complete.CompletionService;
import dev.ensemble.cluster.Bus;
import dev.ensemble.cluster.LocalBus;
import dev.ensemble.cluster.RedisBus;
import dev.ensemble.config.EnsembleConfig;
import dev.ensemble.git.GitRoutes;
import dev.ensemble.git.GitService;
import dev.ensemble.git.ProviderRepositories;
import dev.ensemble.git.WebhookRoutes;
import dev.ensemble.git.Webhooks;
import dev.ensemble.http.Api;
import dev.ensemble.http.ApiDescription;
import dev.ensemble.http.HttpVerticle;
import dev.ensemble.identity.AccountStore;
import dev.ensemble.identity.AuthRoutes;
import dev.ensemble.identity.Authenticator;
import dev.ensemble.identity.LoginThrottle;
import dev.ensemble.identity.OAuthLogin;
import dev.ensemble.identity.PasswordHasher;
import dev.ensemble.identity.SecretBox;
import dev.ensemble.identity.SessionCookies;
import dev.ensemble.live.LiveEndpoint;
import dev.ensemble.live.LiveSettings;
import dev.ensemble.metrics.EventLoopLag;
import dev.ensemble.projects.Project;
import dev.ensemble.projects.ProjectRoutes;
import dev.ensemble.projects.ProjectSocketGate;
import dev.ensemble.projects.ProjectStore;
import dev.ensemble.runs.RunConfigurationStore;
import dev.ensemble.runs.RunRoutes;
import dev.ensemble.runs.RunService;
import dev.ensemble.runs.RunStore;
import dev.ensemble.terminal.TerminalService;
import dev.ensemble.store.Database;
import dev.ensemble.sync.SyncEndpoint;
import dev.ensemble.sync.SyncSettings;
import dev.ensemble.sync.files.FileRoutes;
import dev.ensemble.sync.files.ProjectFiles;
import dev.ensemble.workspace.WorkingCopy;
import io.vertx.ext.web.handler.BodyHandler;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The composition root: builds every adapter and deploys the verticles. */
public final class Ensemble {
  private static final Logger log = LoggerFactory.getLogger(Ensemble.class);

  private final Vertx vertx;
  private final Database database;
  private final EnsembleConfig config;
  private final int port;
  private final AtomicBoolean draining;
  private final HttpVerticle http;
  private final SyncEndpoint sync;
  private final Services services;
  private final RunService runs;
  private final TerminalService terminals;
  private final AnswerLease answers;

  private Ensemble(
      Vertx vertx, Database database, EnsembleConfig config, HttpVerticle http, SyncEndpoint sync,
      Services services, RunService runs, TerminalService terminals, AnswerLease answers, AtomicBoolean draining) {
    this.vertx = vertx;
    this.database = database;
    this.config = config;
    this.http = http;
    this.sync = sync;
    this.services = services;
    this.runs = runs;
    this.terminals = terminals;
    this.answers = answers;
    this.port = http.actualPort();
    this.draining = draining;
  }

  /** Starts the server; the future fails with the reason when it cannot. */
  public static Future<Ensemble> start(EnsembleConfig config) {
    SyncSettings syncSettings = config.sync();
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Vertx vertx =
        Vertx.builder()
            .with(
                new VertxOptions()
                    .setMetricsOptions(
                        new MicrometerMetricsOptions()
                            .setEnabled(true)
                            .setJvmMetricsEnabled(true)
                            .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true).setPublishQuantiles(true))
                            .addLabels(Label.HTTP_ROUTE, Label.HTTP_CODE, Label.HTTP_METHOD, Label.POOL_NAME)))
            .withMetrics(new MicrometerMetricsFactory(registry))
            .build();
    AtomicBoolean draining = new AtomicBoolean();
    // Completed outside Vert.x's contexts: on failure Vert.x is closed before the result is told.
    io.vertx.core.Promise<Ensemble> result = io.vertx.core.Promise.promise();
    vertx
        .executeBlocking(() -> SecretBox.load(config.secretKey(), config.dataDir()), false)
        .compose(secrets -> Database.open(vertx, config).map(db -> new Object[] {secrets, db}))
        .compose(
            parts -> {
              SecretBox secrets = (SecretBox) parts[0];
              Database db = (Database) parts[1];
              return bus(vertx, config)
                  .compose(bus -> deploy(vertx, config, syncSettings, bus, registry, secrets, db, draining)
                      .recover(e -> bus.close().transform(x -> Future.failedFuture(e))))
                  .map(d -> new Ensemble(vertx, db, config, d.http(), d.http().sync(), d.services(), d.runs(), d.terminals(), d.answers(), draining))
                  .recover(e -> db.close(vertx).transform(x -> Future.failedFuture(e)));
            })
        .onSuccess(result::complete)
        .onFailure(
            e -> {
              log.error("start-up failed: {}", e.toString(), e);
              closeVertx(vertx).onComplete(x -> result.fail(e));
            });
    return result.future();
  }

  /** Domain services other parts (and tests) reach without going through HTTP. */
  public record Services(ProjectStore projects, ProjectFiles files, WorkingCopy workingCopy) {}

  private record Deployed(
      HttpVerticle http, Services services, RunService runs, TerminalService terminals, AnswerLease answers) {}

  private static Future<Deployed> deploy(
      Vertx vertx, EnsembleConfig config, SyncSettings syncSettings, Bus bus, PrometheusMeterRegistry registry,
      SecretBox secrets, Database db, AtomicBoolean draining) {
    AccountStore accounts = new AccountStore(db.pool());
    SessionCookies sessions = new SessionCookies(accounts, config.sessionTtl(), config.secureCookies());
    WebClient http = WebClient.create(vertx, new WebClientOptions().setUserAgent("Ensemble"));
    List<OAuthLogin> providers = new ArrayList<>();
    config.github().ifPresent(p -> providers.add(
        new OAuthLogin(vertx, p, accounts, sessions, secrets, config.publicUrl(), config.secureCookies(), http)));
    config.gitlab().ifPresent(p -> providers.add(
        new OAuthLogin(vertx, p, accounts, sessions, secrets, config.publicUrl(), config.secureCookies(), http)));
    LoginThrottle throttle =
        new LoginThrottle(config.loginAttemptsPerAccount(), config.loginAttemptsPerIp(), config.loginWindow(), Clock.systemUTC());
    AuthRoutes auth = new AuthRoutes(vertx, accounts, new PasswordHasher(), throttle, sessions, providers);
    ProjectStore projectStore = new ProjectStore(db.pool());
    Authenticator authenticator = new Authenticator(accounts);
    // One per node: it owns the loaded documents that every HTTP verticle's sockets share.
    Optional<AiProvider> aiProvider =
        config.ai().endpoint().map(endpoint -> new Langchain4jProvider(endpoint, config.ai().timeout()));
    // With several nodes, answers and stops reach the other nodes over the bus.
    ChatStore chatStore = new ChatStore(db.pool(), bus.nodeId());
    ChatFanOut chatFanOut = config.redisUrl().isPresent()
        ? new ChatFanOut(vertx, bus, chatStore, config.aiRelay())
        : new ChatFanOut();
    // Answers left streaming by a node that went away end as interrupted (at start-up on one node).
    AnswerLease answers =
        new AnswerLease(vertx, chatStore, chatFanOut, config.aiRelay().orphanAfter(), config.redisUrl().isEmpty());
    ChatService chat = new ChatService(
        config.ai(), ProjectProviders.create(vertx, config.ai(), aiProvider, db.pool(), secrets),
        chatStore, chatFanOut);
    SyncEndpoint sync = new SyncEndpoint(vertx, db.pool(), authenticator, projectStore, syncSettings, bus);
    registry.gauge("ensemble.documents.loaded", sync, SyncEndpoint::loadedDocuments);
    registry.gauge("ensemble.documents.idle", sync, SyncEndpoint::idleDocuments);
    ProjectFiles files = new ProjectFiles(sync.documents(), db.pool());
    FileRoutes fileRoutes = new FileRoutes(projectStore, files, syncSettings);
    // File uploads have their own size limit, so their routes get their own body handler.
    Api fileApi = new Api(List.of(BodyHandler.create(false).setBodyLimit(syncSettings.maxFileBytes()), authenticator));
    sync.addRoutes(router -> fileRoutes.mount(router, fileApi));
    ProjectRoutes projects = new ProjectRoutes(projectStore, accounts, config.publicUrl(), new ProjectRoutes.RootDocuments() {
      @Override
      public Future<Void> ensure(Project project) {
        return files.ensureRoot(project);
      }

      @Override
      public Future<Void> rename(Project project, String name) {
        return files.renameRoot(project, name);
      }
    });
    Services services = new Services(projectStore, files, new WorkingCopy(vertx, files, syncSettings));
    // Runs execute on the node that starts them and reach the others over the bus; the sandbox is
    // detected on a worker before deploying.
    RunService runs = new RunService(vertx, config.runs(), new RunStore(db.pool()), new RunConfigurationStore(db.pool()),
        services.workingCopy(), files, config.dataDir(), bus, config.redisUrl().isEmpty());
    // Retrieval embeds on a worker thread of its own; actions and chat share one context builder.
    RetrievalIndex retrieval =
        new RetrievalIndex(vertx, files, sync.documents(), new TextEmbedder(vertx), config.aiContext());
    ContextBuilder contextBuilder = new ContextBuilder(files, runs, retrieval, config.aiContext(), syncSettings);
    ActionService actions =
        new ActionService(chat, contextBuilder, new ProposalStore(db.pool()), files, syncSettings);
    AiRoutes ai = new AiRoutes(chat, projectStore, config.ai(), new ChatContext(contextBuilder),
        new ActionRoutes(actions, projectStore)).withCompletion(new CompletionRoutes(
            CompletionService.create(vertx, config.ai(), config.completion(), aiProvider, chat.store(), db.pool()),
            projectStore));
    // The shared terminal runs in the runs' sandbox, on the node that opened it; with several
    // nodes, one per project across them, relayed to the others over the bus.
    TerminalService terminals = config.redisUrl().isPresent()
        ? new TerminalService(vertx, config.terminal(), runs, bus, db.pool())
        : new TerminalService(vertx, config.terminal(), runs);
    LiveEndpoint live = new LiveEndpoint(vertx, new ProjectSocketGate(authenticator, projectStore), chatFanOut, runs,
        terminals, LiveSettings.defaults());
    // The cross-node git locks hold their connections for whole operations: a pool of their own, so
    // they never take the connections the operations' own queries need.
    io.vertx.sqlclient.Pool gitLocks = db.dedicatedPool("ensemble-git-locks", config.git().lockConnections(), config.git().lockWait());
    // Import jobs run on the node that accepts them; with several nodes each confirms its own, and
    // any node fails those of a node that went away.
    GitService gitService = new GitService(vertx, config.git(), config.dataDir(), db.pool(), gitLocks, bus.nodeId(),
        config.redisUrl().isEmpty(), projectStore, files, services.workingCopy(), accounts, secrets,
        GitService.providerHosts(config));
    for (boolean cached : new boolean[] {false, true}) {
      io.micrometer.core.instrument.FunctionCounter
          .builder("ensemble.git.status", gitService, g -> g.statusAnswers(cached))
          .description("git status answers: computed (materialised and asked JGit) or from the cache")
          .tag("answer", cached ? "cached" : "computed")
          .register(registry);
    }
    ProviderRepositories providerRepositories = new ProviderRepositories(
        http, java.util.stream.Stream.of(config.github(), config.gitlab()).flatMap(Optional::stream).toList(),
        accounts, secrets, config.git().providerTimeout());
    Webhooks webhooks = new Webhooks(vertx, db.pool(), secrets, gitService, projectStore, accounts, config.publicUrl());
    gitService.onRemoteChanged(webhooks::remoteChanged);
    AgentService agent = new AgentService(vertx, config.agent(), config.ai(), chat, chatFanOut, db.pool(), files, runs,
        gitService, syncSettings);
    HttpVerticle.Wiring wiring =
        new HttpVerticle.Wiring(
            config.httpHost(), config.httpPort(), config.maxBodyBytes(), config.trustProxy(),
            config.shutdownTimeout(), db, registry, authenticator, auth, projects, sync, ai, live,
            new RunRoutes(runs, projectStore), new GitRoutes(projectStore, gitService, providerRepositories),
            new WebhookRoutes(projectStore, webhooks, config.git().webhookMaxBytes()), ApiDescription.load(),
            draining::get, new AgentRoutes(agent, projectStore));
    int instances = Math.max(1, Math.min(Runtime.getRuntime().availableProcessors(), 4));
    List<HttpVerticle> deployed = new ArrayList<>();
    AtomicInteger loop = new AtomicInteger();
    return runs.start()
        .compose(ready -> answers.start())
        .compose(ready -> vertx.deployVerticle(
            () -> {
              HttpVerticle v = new HttpVerticle(wiring);
              synchronized (deployed) {
                deployed.add(v);
              }
              return v;
            },
            new DeploymentOptions().setInstances(instances)))
        .compose(id -> gitService.start().map(id))
        .map(
            id -> {
              for (int i = 0; i < instances; i++) {
                var ctx = vertx.getOrCreateContext();
                int n = loop.getAndIncrement();
                ctx.runOnContext(x -> EventLoopLag.watch(vertx, ctx, registry, "loop-" + n));
              }
              vertx.setPeriodic(3_600_000, t -> accounts.deleteExpiredSessions());
              HttpVerticle first = deployed.get(0);
              log.info(
                  "Ensemble listening on http://{}:{} (public URL {})",
                  config.httpHost(), first.actualPort(), config.publicUrl());
              return new Deployed(first, services, runs, terminals, answers);
            });
  }

  /** Redis between nodes when ENSEMBLE_REDIS_URL is set; otherwise this node alone. */
  private static Future<Bus> bus(Vertx vertx, EnsembleConfig config) {
    return config.redisUrl()
        .map(url -> RedisBus.connect(vertx, url).<Bus>map(b -> {
          log.info("node {} shares documents and runs with other nodes through Redis", b.nodeId());
          return b;
        }))
        .orElseGet(() -> Future.succeededFuture(new LocalBus()));
  }

  public int port() {
    return port;
  }

  /** The routes of the HTTP server. */
  public List<io.vertx.ext.web.Route> routes() {
    return http.routes();
  }

  public Services services() {
    return services;
  }

  public Vertx vertx() {
    return vertx;
  }

  public EnsembleConfig config() {
    return config;
  }

  /**
   * Graceful stop: report not-ready, stop accepting and drain HTTP, end every terminal and kill every
   * run, close the pool and Vert.x.
   */
  public Future<Void> stop() {
    draining.set(true);
    io.vertx.core.Promise<Void> done = io.vertx.core.Promise.promise();
    vertx
        .deploymentIDs()
        .stream()
        .map(vertx::undeploy)
        .reduce((a, b) -> Future.all(a, b).mapEmpty())
        .orElse(Future.succeededFuture())
        .transform(x -> {
          answers.close();
          return terminals.close();
        })
        // Runs first: their ends still reach other nodes over the bus, which closing sync closes.
        .transform(x -> runs.close())
        .transform(x -> sync.close())
        .transform(x -> database.close(vertx))
        .onComplete(x -> closeVertx(vertx).onComplete(done));
    return done.future();
  }

  /**
   * Closes Vert.x and completes on the closing thread: a future tied to one of its event loops
   * could never deliver the result once that loop has terminated.
   */
  private static Future<Void> closeVertx(Vertx vertx) {
    io.vertx.core.Promise<Void> done = io.vertx.core.Promise.promise();
    vertx.close().onComplete(done);
    return done.future();
  }
}
