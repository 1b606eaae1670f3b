package dev.ensemble.live;

import dev.ensemble.ai.ChatFanOut;
import dev.ensemble.projects.ProjectSocketGate;
import dev.ensemble.runs.RunService;
import dev.ensemble.terminal.TerminalService;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /api/projects/{projectId}/live}: a project's live channel, a WebSocket of JSON events
 * that every participant receives as they happen (assistant answers, runs and their output, the
 * shared terminal).
 * Documents and presence travel on /sync instead.
 */
public final class LiveEndpoint {
  static final Logger log = LoggerFactory.getLogger(LiveEndpoint.class);
  public static final String PATH = "/api/projects/:projectId/live";

  private final Vertx vertx;
  private final ProjectSocketGate gate;
  private final ChatFanOut chat;
  private final RunService runs;
  private final TerminalService terminals;
  private final LiveSettings settings;

  public LiveEndpoint(Vertx vertx, ProjectSocketGate gate, ChatFanOut chat, RunService runs, TerminalService terminals,
      LiveSettings settings) {
    this.vertx = vertx;
    this.gate = gate;
    this.chat = chat;
    this.runs = runs;
    this.terminals = terminals;
    this.settings = settings;
  }

  public void mount(Router router) {
    router.get(PATH).handler(ctx -> {
      var context = vertx.getOrCreateContext();
      gate.admit(ctx, ctx.pathParam("projectId"))
          .onSuccess(a -> new LiveConnection(context, a, chat, runs, terminals, settings).start());
    });
  }
}
