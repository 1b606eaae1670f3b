package dev.ensemble.ai.agent;

import dev.ensemble.ai.AiProvider;
import dev.ensemble.ai.AiProvider.Failure;
import dev.ensemble.ai.AiProvider.Usage;
import dev.ensemble.ai.ChatEvent;
import dev.ensemble.ai.ChatStore;
import dev.ensemble.ai.ChatStore.Outcome;
import dev.ensemble.ai.ChatStreamListener;
import dev.ensemble.ai.MessageStatus;
import dev.ensemble.ai.ToolCallingModel;
import dev.ensemble.ai.ToolCallingModel.Message;
import dev.ensemble.ai.ToolCallingModel.Reply;
import dev.ensemble.ai.ToolCallingModel.ToolCall;
import dev.ensemble.ai.agent.AgentStep.Decision;
import dev.ensemble.ai.agent.AgentStep.Status;
import dev.ensemble.http.ApiException;
import dev.ensemble.projects.Project;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One agent run: asks the model, carries out the tool calls it answers with (after approval where
 * needed), sends the results back and repeats until the model answers without tools, the step
 * limit is reached, a pending step expires or someone stops it. Every step is published to the
 * caller and the project as it happens and stored with the thread. All state lives on the context
 * of the request that started it; model callbacks, tool results and decisions hop there first.
 */
final class AgentRun implements ToolCallingModel.Observer {
  private static final Logger log = LoggerFactory.getLogger(AgentRun.class);

  /** What a run needs that does not change while it runs. */
  record Setup(
      Context context, ToolCallingModel model, AgentTools tools, ChatStore chats, AgentStore steps,
      AgentSettings settings, int maxTokens, String modelName, String system) {}

  private final Setup setup;
  private final Project project;
  private final UUID threadId;
  private final UUID answerId;
  private final UUID askedBy;
  private final List<ChatStreamListener> listeners;
  private final Runnable onEnd;
  private final List<Message> conversation;
  private final StringBuilder turnText = new StringBuilder();
  private final Promise<Void> ended = Promise.promise();
  private Future<Void> persisted = Future.succeededFuture();
  private AiProvider.Answer upstream = () -> {};
  private Optional<Pending> pending = Optional.empty();
  private Optional<Runnable> cancelTool = Optional.empty();
  private long promptTokens;
  private long completionTokens;
  private boolean estimated;
  private int seq;
  private int calls;
  private boolean over;

  /** A call waiting for a participant: its step, its timer and how the wait ends. */
  private record Pending(AgentStep step, long timer, Promise<Verdict> verdict) {}

  /** A participant's decision on a pending step. */
  record Verdict(boolean approved, UUID userId, String username, Optional<String> reason) {}

  AgentRun(Setup setup, Project project, UUID threadId, UUID answerId, UUID askedBy, List<Message> conversation,
      List<ChatStreamListener> listeners, Runnable onEnd) {
    this.setup = setup;
    this.project = project;
    this.threadId = threadId;
    this.answerId = answerId;
    this.askedBy = askedBy;
    this.conversation = new ArrayList<>(conversation);
    this.listeners = listeners;
    this.onEnd = onEnd;
  }

  /** The project whose thread it works in. */
  UUID projectId() {
    return project.id();
  }

  /** Completes once the run has ended and been stored. */
  Future<Void> ended() {
    return ended.future();
  }

  /** Called once on the run's context: announces the run and asks the model (unless stopped already). */
  void begin() {
    if (over) {
      return;
    }
    publish(new ChatEvent.Started(threadId, answerId, askedBy, setup.modelName()));
    ask();
  }

  private void ask() {
    turnText.setLength(0);
    ToolCallingModel.Request request = new ToolCallingModel.Request(
        setup.modelName(), setup.maxTokens(), setup.system(), List.copyOf(conversation), AgentTool.specs());
    // langchain4j only queues the request here; the exchange runs on the JDK client's threads.
    upstream = setup.model().turn(request, this);
  }

  // ---- the model's turn ------------------------------------------------------------------------

  @Override
  public void token(String piece) {
    setup.context().runOnContext(v -> {
      if (!over) {
        turnText.append(piece);
        publish(new ChatEvent.Token(threadId, answerId, piece));
      }
    });
  }

  @Override
  public void completed(Reply reply) {
    setup.context().runOnContext(v -> {
      if (over) {
        return;
      }
      count(reply.usage());
      String text = reply.text().isEmpty() ? turnText.toString() : reply.text();
      if (reply.calls().isEmpty()) {
        end(MessageStatus.COMPLETE, text, Optional.empty(), Optional.empty(),
            new ChatEvent.Done(threadId, answerId, MessageStatus.COMPLETE, usage(), Optional.empty()));
        return;
      }
      if (!text.isBlank()) {
        record(AgentStep.thought(threadId, answerId, ++seq, text));
      }
      conversation.add(new Message.Assistant(text, reply.calls()));
      callTools(reply.calls(), 0);
    });
  }

  @Override
  public void failed(Failure failure) {
    setup.context().runOnContext(v -> {
      if (over) {
        return;
      }
      failure.usage().ifPresent(this::count);
      fail(failure.code(), failure.message(), failure.retryAfterSeconds());
    });
  }

  // ---- tool calls ------------------------------------------------------------------------------

  private void callTools(List<ToolCall> toolCalls, int i) {
    if (over) {
      return;
    }
    if (i == toolCalls.size()) {
      ask();
      return;
    }
    if (calls >= setup.settings().maxSteps()) {
      fail("ai_agent_step_limit",
          "The agent stopped after " + calls + " tool calls, the limit of this server (ENSEMBLE_AI_AGENT_MAX_STEPS),"
              + " without finishing. Ask it to continue if more is needed.",
          Optional.empty());
      return;
    }
    calls++;
    ToolCall call = toolCalls.get(i);
    Runnable next = () -> callTools(toolCalls, i + 1);
    Optional<AgentTool> tool = AgentTool.named(call.name());
    JsonObject args;
    try {
      AgentTool t = tool.orElseThrow(() -> new ToolFailure(
          "there is no tool '" + call.name() + "'; the tools are " + String.join(", ",
              AgentTool.specs().stream().map(ToolCallingModel.Tool::name).toList())));
      args = t.arguments(call.arguments());
    } catch (ToolFailure e) {
      AgentStep step = AgentStep.call(threadId, answerId, ++seq, call.name(), parsedOrNothing(call.arguments()), Status.FAILED);
      String error = "error: " + e.getMessage();
      answer(call, step.finished(Status.FAILED, error), error);
      next.run();
      return;
    }
    AgentTool t = tool.get();
    if (!t.needsApproval()) {
      execute(call, t, args, record(AgentStep.call(threadId, answerId, ++seq, call.name(), Optional.of(args), Status.RUNNING)), next);
      return;
    }
    AgentStep proposed = AgentStep.call(threadId, answerId, ++seq, call.name(), Optional.of(args), Status.PENDING);
    setup.steps().autoApply(project.id()).onComplete(ar -> setup.context().runOnContext(v -> {
      if (over) {
        return;
      }
      if (ar.succeeded() && ar.result()) {
        AgentStep auto = proposed.decided(Decision.AUTO, Optional.empty(), Optional.empty(), Optional.empty(), Status.RUNNING);
        execute(call, t, args, record(auto), next);
        return;
      }
      awaitApproval(call, t, args, record(proposed), next);
    }));
  }

  private static Optional<JsonObject> parsedOrNothing(String arguments) {
    try {
      return Optional.of(new JsonObject(arguments));
    } catch (RuntimeException e) {
      return Optional.empty();
    }
  }

  private void awaitApproval(ToolCall call, AgentTool tool, JsonObject args, AgentStep step, Runnable next) {
    Promise<Verdict> verdict = Promise.promise();
    long timer = setup.context().owner().setTimer(setup.settings().approvalTimeout().toMillis(),
        t -> setup.context().runOnContext(v -> expire(step)));
    pending = Optional.of(new Pending(step, timer, verdict));
    verdict.future().onSuccess(d -> {
      pending = Optional.empty();
      setup.context().owner().cancelTimer(timer);
      if (over) {
        return;
      }
      if (d.approved()) {
        AgentStep approved = step.decided(Decision.APPROVED, Optional.of(d.userId()), Optional.of(d.username()), d.reason(),
            Status.RUNNING);
        execute(call, tool, args, record(approved), next);
        return;
      }
      AgentStep rejected = step.decided(Decision.REJECTED, Optional.of(d.userId()), Optional.of(d.username()), d.reason(),
          Status.REJECTED);
      String why = "The participants rejected this call (" + d.username() + ")"
          + d.reason().map(r -> ": " + r).orElse("") + ". It was not carried out.";
      answer(call, rejected.finished(Status.REJECTED, why), why);
      next.run();
    });
  }

  private void expire(AgentStep step) {
    if (over || pending.isEmpty() || !pending.get().step().id().equals(step.id())) {
      return;
    }
    pending = Optional.empty();
    record(step.finished(Status.EXPIRED, "nobody approved this within "
        + setup.settings().approvalTimeout().toSeconds() + " s"));
    fail("ai_agent_approval_timeout",
        "The agent stopped: nobody approved " + step.tool().orElse("the step") + " within "
            + setup.settings().approvalTimeout().toSeconds() + " s (ENSEMBLE_AI_AGENT_APPROVAL_TIMEOUT_SECONDS).",
        Optional.empty());
  }

  /** A participant approves or rejects a pending step; fails when that step is not waiting. */
  Future<JsonObject> decide(UUID stepId, Verdict verdict) {
    Promise<JsonObject> answered = Promise.promise();
    setup.context().runOnContext(v -> {
      Optional<Pending> p = pending.filter(x -> x.step().id().equals(stepId));
      if (over || p.isEmpty()) {
        answered.fail(ApiException.conflict("ai_step_not_pending", "this step is not waiting for approval"));
        return;
      }
      AgentStep s = p.get().step();
      p.get().verdict().complete(verdict);
      answered.complete(s.decided(verdict.approved() ? Decision.APPROVED : Decision.REJECTED,
          Optional.of(verdict.userId()), Optional.of(verdict.username()), verdict.reason(),
          verdict.approved() ? Status.RUNNING : Status.REJECTED).toJson());
    });
    return answered.future();
  }

  private void execute(ToolCall call, AgentTool tool, JsonObject args, AgentStep step, Runnable next) {
    setup.tools()
        .execute(project, askedBy, tool, args, cancel -> setup.context().runOnContext(v -> {
          if (over) {
            cancel.run();
          } else {
            cancelTool = Optional.of(cancel);
          }
        }))
        .onComplete(ar -> setup.context().runOnContext(v -> {
          cancelTool = Optional.empty();
          String result = ar.succeeded() ? ar.result() : "error: " + AgentTools.describe(ar.cause());
          // A call that was under way when the run stopped still reports how it ended.
          answer(call, step.finished(ar.succeeded() ? Status.DONE : Status.FAILED, result), result);
          if (!over) {
            next.run();
          }
        }));
  }

  /** Records the step and tells the model how the call went ({@code forModel}: the whole bounded result). */
  private void answer(ToolCall call, AgentStep step, String forModel) {
    record(step);
    conversation.add(new Message.ToolResult(call.id(), call.name(), forModel));
  }

  // ---- stopping and ending ---------------------------------------------------------------------

  /** A participant pressed stop: the model's request is closed and a waiting or running step cancelled. */
  Future<Void> stop(String username) {
    setup.context().runOnContext(v -> {
      if (over) {
        return;
      }
      upstream.cancel();
      cancelTool.ifPresent(Runnable::run);
      pending.ifPresent(p -> {
        setup.context().owner().cancelTimer(p.timer());
        record(p.step().finished(Status.CANCELLED, "the run was stopped by " + username));
      });
      pending = Optional.empty();
      estimated = true;
      completionTokens += estimateTokens(turnText.length());
      end(MessageStatus.PARTIAL, turnText.toString(), Optional.of("ai_stopped"), Optional.of("stopped by " + username),
          new ChatEvent.Done(threadId, answerId, MessageStatus.PARTIAL, usage(), Optional.of(username)));
    });
    return ended();
  }

  private void fail(String code, String message, Optional<Long> retryAfter) {
    upstream.cancel();
    String text = turnText.toString();
    end(text.isEmpty() ? MessageStatus.ERROR : MessageStatus.PARTIAL, text, Optional.of(code), Optional.of(message),
        new ChatEvent.Failed(threadId, answerId, code, message, retryAfter));
  }

  private void end(MessageStatus status, String content, Optional<String> code, Optional<String> message, ChatEvent last) {
    over = true;
    Outcome outcome = new Outcome(status, content, usage(), code, message);
    persisted
        .recover(e -> Future.succeededFuture())
        .compose(v -> setup.chats().finish(project.id(), askedBy, answerId, setup.modelName(), outcome))
        .onFailure(e -> log.error("could not store agent answer {}: {}", answerId, e.toString(), e))
        .onComplete(x -> {
          onEnd.run();
          publish(last);
          ended.complete();
        });
  }

  // ---- bookkeeping -----------------------------------------------------------------------------

  /** Publishes the step now and stores it after the steps before it. */
  private AgentStep record(AgentStep step) {
    publish(new ChatEvent.Step(threadId, answerId, step.toJson()));
    persisted = persisted
        .recover(e -> Future.succeededFuture())
        .compose(v -> setup.steps().save(step))
        .onFailure(e -> log.error("could not store agent step {}: {}", step.id(), e.toString()));
    return step;
  }

  private void count(Usage u) {
    promptTokens += u.promptTokens();
    completionTokens += u.completionTokens();
    estimated |= u.estimated();
  }

  private Usage usage() {
    return new Usage(promptTokens, completionTokens, estimated);
  }

  private static long estimateTokens(long chars) {
    return (chars + 3) / 4;
  }

  private void publish(ChatEvent event) {
    for (ChatStreamListener l : listeners) {
      try {
        l.onEvent(event);
      } catch (RuntimeException e) {
        log.warn("agent listener failed on {}: {}", event.name(), e.toString());
      }
    }
  }
}
