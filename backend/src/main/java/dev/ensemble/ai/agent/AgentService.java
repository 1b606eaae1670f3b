package dev.ensemble.ai.agent;

import dev.ensemble.ai.AiSettings;
import dev.ensemble.ai.AnswerControl;
import dev.ensemble.ai.ChatFanOut;
import dev.ensemble.ai.ChatRefused;
import dev.ensemble.ai.ChatService;
import dev.ensemble.ai.ChatStore;
import dev.ensemble.ai.ChatStore.ChatMessage;
import dev.ensemble.ai.ChatStore.ChatThread;
import dev.ensemble.ai.ChatStreamListener;
import dev.ensemble.ai.ProjectProviders;
import dev.ensemble.ai.ToolCallingModel;
import dev.ensemble.ai.ToolCallingModel.Message;
import dev.ensemble.git.GitService;
import dev.ensemble.http.ApiException;
import dev.ensemble.identity.User;
import dev.ensemble.projects.Project;
import dev.ensemble.runs.RunService;
import dev.ensemble.sync.SyncSettings;
import dev.ensemble.sync.files.ProjectFiles;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The assistant's agent mode: starts agent runs in a project's threads (one answer at a time per
 * thread, chat or agent), lets editors and owners approve or reject the steps that wait for them and stop a
 * run, and keeps the owner's auto-apply switch. Runs live on the node that started them, each on
 * the event loop of the request that asked; stops and decisions sent to other nodes reach them over
 * the bus.
 */
public final class AgentService {
  /** Earlier messages of the thread sent with a question; older ones are left out. */
  static final int HISTORY_LIMIT = 40;

  private final AgentSettings settings;
  private final AiSettings ai;
  private final ChatService chat;
  private final ChatFanOut fanOut;
  private final AgentStore store;
  private final AgentTools tools;
  private final Map<UUID, AgentRun> live = new ConcurrentHashMap<>();

  public AgentService(
      Vertx vertx, AgentSettings settings, AiSettings ai, ChatService chat, ChatFanOut fanOut, Pool pool,
      ProjectFiles files, RunService runs, GitService git, SyncSettings sync) {
    this.settings = settings;
    this.ai = ai;
    this.chat = chat;
    this.fanOut = fanOut;
    this.store = new AgentStore(pool);
    this.tools = new AgentTools(vertx, files, runs, git, sync, settings);
    // Another node catching up on a run here reads its steps from the store.
    fanOut.useSteps(messageId -> store.stepsOf(messageId).map(steps -> steps.stream().map(AgentStep::toJson).toList()));
  }

  /** A participant's request to the agent; {@code context} is what their editor sent along. */
  public record Task(
      Project project, UUID userId, Optional<UUID> threadId, String text, Optional<String> model,
      Optional<JsonObject> context) {}

  /**
   * Starts a run. Fails before anything streams (not configured, rate limit, budget, no such
   * thread, a run already in the thread); once it succeeds, events go to {@code caller} and to
   * the project's listeners, and the future completes when the run has ended and been stored.
   */
  public Future<Future<Void>> ask(Context context, Task task, ChatStreamListener caller) {
    return chat.providers().forProject(task.project().id()).compose(found -> {
      ProjectProviders.Choice choice = found.orElseThrow(ChatRefused::notConfigured);
      String modelName = task.model().orElse(choice.offer().chatModel());
      if (!choice.offer().allows(modelName)) {
        throw ApiException.invalidField("model", "model: " + modelName + " is not offered in this project; choose one of "
            + String.join(", ", choice.offer().models()));
      }
      ToolCallingModel model = choice.provider().withTools().orElseThrow(() -> ApiException.of(
          503, "ai_tools_unsupported", "this project's model provider cannot call tools, so the agent cannot work"));
      return chat.admit(task.userId(), task.project().id())
          .compose(v -> thread(task))
          .compose(thread -> {
            if (!chat.claimThread(thread.id())) {
              return Future.failedFuture(ApiException.conflict(
                  "ai_answer_in_progress", "an answer is already being written in this thread; stop it or wait"));
            }
            return start(context, task, thread, caller, model, modelName)
                .onFailure(e -> chat.releaseThread(thread.id()));
          });
    });
  }

  private Future<Future<Void>> start(
      Context context, Task task, ChatThread thread, ChatStreamListener caller, ToolCallingModel model,
      String modelName) {
    return store.abandon(thread.id())
        .compose(v -> chat.store().messages(thread.id()))
        .compose(history -> chat.store()
            .ask(thread.id(), task.userId(), task.text(), task.context(), Optional.empty(), modelName)
            .compose(exchange -> {
              AgentRun.Setup setup = new AgentRun.Setup(
                  context, model, tools, chat.store(), store, settings, ai.maxTokens(), modelName,
                  system(task.project()));
              AnswerControl.Hosted[] stops = new AnswerControl.Hosted[1];
              AgentRun run = new AgentRun(
                  setup, task.project(), thread.id(), exchange.answerId(), task.userId(), conversation(task, history),
                  List.of(caller, fanOut.forProject(task.project().id())), () -> {
                    live.remove(thread.id());
                    chat.releaseThread(thread.id());
                    stops[0].close();
                  });
              live.put(thread.id(), run);
              // Other nodes can stop it (and decide its steps) before anyone hears of it.
              stops[0] = fanOut.hostControl(thread.id(), AnswerControl.Handlers.agent(
                  username -> run.stop(username).map(true),
                  d -> d.projectId().equals(run.projectId())
                      ? decideHere(run, thread.id(), d.stepId(),
                          new AgentRun.Verdict(d.approve(), d.userId(), d.username(), d.reason()))
                      : Future.failedFuture(ApiException.notFound("thread"))));
              Promise<Future<Void>> begun = Promise.promise();
              stops[0].ready().onComplete(ar -> context.runOnContext(v -> {
                run.begin();
                begun.complete(run.ended());
              }));
              return begun.future();
            }));
  }

  /**
   * Stops the run in a thread, on this node or on the node running it; false when none is running
   * (or its node did not confirm in time).
   */
  public Future<Boolean> stop(UUID threadId, String username) {
    AgentRun run = live.get(threadId);
    return run == null ? chat.stopElsewhere(threadId, true, username) : run.stop(username).map(true);
  }

  /**
   * Approves or rejects a step that waits for a participant, on this node or on the node running
   * the thread's agent; 404 or 409 when there is none such, 503 when the running node does not
   * answer in time.
   */
  public Future<JsonObject> decide(Project project, UUID threadId, UUID stepId, User user, boolean approve,
      Optional<String> reason) {
    AgentRun run = live.get(threadId);
    if (run != null && run.projectId().equals(project.id())) {
      return decideHere(run, threadId, stepId, new AgentRun.Verdict(approve, user.id(), user.username(), reason));
    }
    AnswerControl.RemoteDecision decision =
        new AnswerControl.RemoteDecision(project.id(), stepId, approve, user.id(), user.username(), reason);
    return chat.store().thread(project.id(), threadId)
        .compose(found -> {
          found.orElseThrow(() -> ApiException.notFound("thread"));
          return chat.store().streaming(threadId);
        })
        // a chat answer written here has no steps to decide; only another node's answer may
        .compose(streaming -> streaming && !chat.writesHere(threadId)
            ? decideElsewhere(project.id(), threadId, decision)
            : notPending(project.id(), threadId, stepId));
  }

  private Future<JsonObject> decideHere(AgentRun run, UUID threadId, UUID stepId, AgentRun.Verdict verdict) {
    // The run knows only its pending step; the store tells a step it never had (404) from a decided one.
    return run.decide(stepId, verdict).recover(e -> notPending(run.projectId(), threadId, stepId));
  }

  private Future<JsonObject> decideElsewhere(UUID projectId, UUID threadId, AnswerControl.RemoteDecision decision) {
    return fanOut.decideElsewhere(threadId, decision)
        .compose(step -> step.isPresent()
            ? withArguments(threadId, step.get())
            : notPending(projectId, threadId, decision.stepId()))
        .recover(e -> e instanceof ApiException a && a.code().equals("ai_agent_unreachable")
            // the run may have ended meanwhile, which the store tells; else its node is gone or slow
            ? chat.store().streaming(threadId).compose(streaming -> streaming
                ? Future.failedFuture(e)
                : notPending(projectId, threadId, decision.stepId()))
            : Future.failedFuture(e));
  }

  /** A step the running node sent without its arguments (too large for the bus) gets them from the store. */
  private Future<JsonObject> withArguments(UUID threadId, JsonObject step) {
    if (step.containsKey("arguments")) {
      return Future.succeededFuture(step);
    }
    return store.steps(threadId).map(all -> {
      all.stream()
          .filter(s -> s.id().toString().equals(step.getString("id")))
          .findFirst()
          .flatMap(AgentStep::arguments)
          .ifPresent(a -> step.put("arguments", a));
      return step;
    });
  }

  /** Why a step cannot be decided: 409 when the thread has it (decided, expired, stopped), else 404. */
  private Future<JsonObject> notPending(UUID projectId, UUID threadId, UUID stepId) {
    return stepsOf(projectId, threadId).compose(all -> Future.failedFuture(
        all.stream().anyMatch(s -> stepId.toString().equals(s.getString("id")))
            ? ApiException.conflict("ai_step_not_pending", "this step is not waiting for approval")
            : ApiException.notFound("step")));
  }

  /** The thread's steps, oldest run first; 404 when the thread is not the project's. */
  public Future<List<JsonObject>> steps(Project project, UUID threadId) {
    return stepsOf(project.id(), threadId);
  }

  private Future<List<JsonObject>> stepsOf(UUID projectId, UUID threadId) {
    return chat.store().thread(projectId, threadId)
        .compose(found -> {
          found.orElseThrow(() -> ApiException.notFound("thread"));
          return store.steps(threadId);
        })
        .map(steps -> steps.stream().map(AgentStep::toJson).toList());
  }

  /** The project's agent settings as clients see them. */
  public Future<JsonObject> settings(Project project) {
    return store.autoApply(project.id()).map(on -> new JsonObject()
        .put("autoApply", on)
        .put("maxSteps", settings.maxSteps())
        .put("approvalTimeoutSeconds", settings.approvalTimeout().toSeconds()));
  }

  public Future<JsonObject> setAutoApply(Project project, boolean on, UUID userId) {
    return store.setAutoApply(project.id(), on, userId).compose(v -> settings(project));
  }

  private Future<ChatThread> thread(Task task) {
    if (task.threadId().isPresent()) {
      return chat.store().thread(task.project().id(), task.threadId().get())
          .map(t -> t.orElseThrow(() -> ApiException.notFound("thread")));
    }
    return chat.store().createThread(task.project().id(), task.userId(), ChatService.title(task.text()));
  }

  private static List<Message> conversation(Task task, List<ChatMessage> history) {
    List<ChatMessage> usable =
        history.stream().filter(m -> m.role().equals("user") || !m.content().isEmpty()).toList();
    List<Message> out = new ArrayList<>();
    for (ChatMessage m : usable.subList(Math.max(0, usable.size() - HISTORY_LIMIT), usable.size())) {
      out.add(m.role().equals("user") ? new Message.User(m.content()) : new Message.Assistant(m.content(), List.of()));
    }
    out.add(new Message.User(ChatService.withContext(task.text(), task.context())));
    return out;
  }

  private static String system(Project project) {
    return "You are the coding agent built into Ensemble, a collaborative code editor, working in the project \""
        + project.name() + "\". Several people may watch every step you take live. Use the tools to look at the"
        + " project before you change it: list_files, read_file and search to find your way, edit_file for small"
        + " changes (copy old_text exactly from read_file, without the line numbers), write_file for new files,"
        + " run_command to build or test, git_status and git_diff to see what changed. Edits, deletions and"
        + " commands wait for a participant's approval and may be rejected; then take another way or ask."
        + " Before calling tools, say in one short sentence what you are about to do. When done, answer in"
        + " Markdown with a concise summary of what you found or changed.";
  }
}
