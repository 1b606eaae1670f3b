package dev.ensemble.ai;

import dev.ensemble.ai.AiProvider.Prompt;
import dev.ensemble.ai.AiProvider.Speaker;
import dev.ensemble.ai.AiProvider.Turn;
import dev.ensemble.ai.ChatStore.ChatMessage;
import dev.ensemble.ai.ChatStore.ChatThread;
import dev.ensemble.http.ApiException;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Shared chat: checks limits, keeps threads, starts answers and lets any participant stop them.
 * One instance serves every event loop; each answer runs on the loop of the request that asked.
 */
public final class ChatService {
  /** Earlier messages sent with a question; older ones are left out. */
  static final int HISTORY_LIMIT = 40;

  private final AiSettings settings;
  private final ProjectProviders providers;
  private final ChatStore store;
  private final ChatFanOut fanOut;
  private final Set<UUID> busyThreads = ConcurrentHashMap.newKeySet();
  private final Map<UUID, LiveAnswer> live = new ConcurrentHashMap<>();

  public ChatService(AiSettings settings, ProjectProviders providers, ChatStore store, ChatFanOut fanOut) {
    this.settings = settings;
    this.providers = providers;
    this.store = store;
    this.fanOut = fanOut;
  }

  /** A participant's question; {@code context} is what their editor sent along. */
  public record Question(
      UUID projectId, String projectName, UUID userId, Optional<UUID> threadId, String text, Optional<String> model,
      Optional<JsonObject> context) {}

  public ChatStore store() {
    return store;
  }

  /**
   * Starts answering. The returned future fails with {@link ChatRefused} or an ApiException before
   * anything streams; once it succeeds, events go to {@code caller} and the project's listeners.
   */
  public Future<LiveAnswerHandle> ask(Context context, Question q, ChatStreamListener caller) {
    return ask(context, q, question -> Future.succeededFuture(Briefing.plain(question)), caller);
  }

  /**
   * As {@link #ask(Context, Question, ChatStreamListener)}, with the question put to the model as
   * {@code brief} says; it runs once the limits allow the question, before a thread is made.
   */
  public Future<LiveAnswerHandle> ask(
      Context context, Question q, Function<Question, Future<Briefing>> brief, ChatStreamListener caller) {
    return providers.forProject(q.projectId()).compose(found -> {
      if (found.isEmpty()) {
        return Future.failedFuture(ChatRefused.notConfigured());
      }
      ProjectProviders.Choice choice = found.get();
      String model = q.model().orElse(choice.offer().chatModel());
      if (!choice.offer().allows(model)) {
        return Future.failedFuture(ApiException.invalidField("model", "model: " + model
            + " is not offered in this project; choose one of " + String.join(", ", choice.offer().models())));
      }
      return checkRate(q.userId())
          .compose(v -> checkBudget(q.projectId()))
          .compose(v -> brief.apply(q))
          .compose(briefing -> thread(q).compose(thread -> {
            if (!busyThreads.add(thread.id())) {
              return Future.failedFuture(ApiException.conflict(
                  "ai_answer_in_progress", "an answer is already being written in this thread; stop it or wait"));
            }
            return start(context, q, briefing, thread, caller, choice.provider(), model)
                .onFailure(e -> busyThreads.remove(thread.id()));
          }));
    });
  }

  /** Where the provider answering for each project comes from. */
  public ProjectProviders providers() {
    return providers;
  }

  /**
   * The limits every request to a provider passes first (the agent's too): the user is under the
   * rate limit and the project under its budget. Fails with {@link ChatRefused}.
   */
  public Future<Void> admit(UUID userId, UUID projectId) {
    return checkRate(userId).compose(v -> checkBudget(projectId));
  }

  /**
   * Marks a thread busy for work that writes an answer other than a chat answer (an agent run), so
   * that chat and agent take turns; false when the thread is already busy.
   */
  public boolean claimThread(UUID threadId) {
    return busyThreads.add(threadId);
  }

  /** Whether this node writes an answer (chat or agent) in the thread right now. */
  public boolean writesHere(UUID threadId) {
    return busyThreads.contains(threadId);
  }

  /** Ends a {@link #claimThread} claim. */
  public void releaseThread(UUID threadId) {
    busyThreads.remove(threadId);
  }

  /**
   * Stops the answer in progress in a thread, on this node or on the node writing it; false when
   * there is none (or its node did not confirm in time).
   */
  public Future<Boolean> stop(UUID projectId, UUID threadId, String username) {
    LiveAnswer answer = live.get(threadId);
    if (answer == null) {
      return stopElsewhere(threadId, false, username);
    }
    return answer.stop(username).map(true);
  }

  /**
   * Asks the node writing the thread's answer ({@code agent}: agent run) to stop it, if the store
   * says one is being written; false otherwise or when no node confirms in time.
   */
  public Future<Boolean> stopElsewhere(UUID threadId, boolean agent, String username) {
    return store.streaming(threadId).compose(streaming -> streaming
        ? fanOut.stopElsewhere(threadId, agent, username)
        : Future.succeededFuture(false));
  }

  /** The fan-out of the project's chat events (the agent publishes through it too). */
  public ChatFanOut fanOut() {
    return fanOut;
  }

  private Future<LiveAnswerHandle> start(
      Context context, Question q, Briefing briefing, ChatThread thread, ChatStreamListener caller, AiProvider provider,
      String model) {
    Optional<JsonObject> answerContext =
        briefing.sent().isEmpty() ? Optional.empty() : Optional.of(new JsonObject().put("sent", briefing.sent().copy()));
    return store
        .messages(thread.id())
        .compose(history -> store
            .ask(thread.id(), q.userId(), q.text(), q.context(), answerContext, model)
            .compose(exchange -> {
              Prompt prompt = prompt(q, briefing, history, model);
              long promptChars = prompt.system().length()
                  + prompt.turns().stream().mapToLong(t -> t.text().length()).sum();
              AnswerControl.Hosted[] stops = new AnswerControl.Hosted[1];
              LiveAnswer answer =
                  new LiveAnswer(
                      context, store, q.projectId(), thread.id(), exchange.answerId(), q.userId(), model, promptChars,
                      List.of(caller, fanOut.forProject(q.projectId())), briefing.after(),
                      () -> {
                        live.remove(thread.id());
                        busyThreads.remove(thread.id());
                        stops[0].close();
                      });
              live.put(thread.id(), answer);
              // Other nodes can stop it before anyone hears of it.
              stops[0] = fanOut.hostControl(thread.id(), AnswerControl.Handlers.chat(username -> answer.stop(username).map(true)));
              return onContext(context, stops[0].ready()).map(v -> {
                if (answer.over()) {
                  // stopped while other nodes were being told where it runs
                  return new LiveAnswerHandle(answer);
                }
                answer.publish(new ChatEvent.Started(
                    thread.id(), exchange.answerId(), q.userId(), model, Optional.of(briefing.sent().copy())));
                // langchain4j only queues the request here; the exchange runs on the JDK client's threads.
                answer.upstream(provider.stream(prompt, answer));
                return new LiveAnswerHandle(answer);
              });
            }));
  }

  /** The outcome of {@code f}, on {@code context}. */
  static <T> Future<T> onContext(Context context, Future<T> f) {
    io.vertx.core.Promise<T> p = io.vertx.core.Promise.promise();
    f.onComplete(ar -> context.runOnContext(v -> p.handle(ar)));
    return p.future();
  }

  /** What the HTTP layer holds of an answer it started. */
  public static final class LiveAnswerHandle {
    private final LiveAnswer answer;

    LiveAnswerHandle(LiveAnswer answer) {
      this.answer = answer;
    }

    /** The caller disconnected: cancel upstream and keep what was written. */
    public void callerGone() {
      answer.callerGone();
    }

    public Future<Void> ended() {
      return answer.ended();
    }
  }

  private Future<Void> checkRate(UUID userId) {
    int limit = settings.requestsPerMinute();
    if (limit == 0) {
      return Future.succeededFuture();
    }
    return store.recentQuestions(userId).compose(recent -> {
      if (recent.count() < limit) {
        return Future.succeededFuture();
      }
      long age = recent.oldest()
          .map(o -> Duration.between(o, OffsetDateTime.now(ZoneOffset.UTC)).toSeconds())
          .orElse(0L);
      long retry = Math.max(1, 60 - age);
      return Future.failedFuture(new ChatRefused(
          429, "ai_rate_limited",
          "you asked the assistant " + recent.count() + " times in the last minute (the limit is " + limit
              + "); try again in " + retry + " s",
          Optional.of(retry)));
    });
  }

  private Future<Void> checkBudget(UUID projectId) {
    long budget = settings.projectTokenBudget();
    if (budget == 0) {
      return Future.succeededFuture();
    }
    return store.tokensThisMonth(projectId).compose(used -> used < budget
        ? Future.succeededFuture()
        : Future.failedFuture(new ChatRefused(
            402, "ai_budget_exceeded",
            "this project has used " + used + " of its " + budget
                + " assistant tokens this month; the budget renews on the 1st (UTC)",
            Optional.empty())));
  }

  private Future<ChatThread> thread(Question q) {
    if (q.threadId().isPresent()) {
      return store.thread(q.projectId(), q.threadId().get())
          .map(t -> t.orElseThrow(() -> ApiException.notFound("thread")));
    }
    return store.createThread(q.projectId(), q.userId(), title(q.text()));
  }

  public static String title(String question) {
    String firstLine = question.strip().lines().findFirst().orElse("New chat").strip();
    return firstLine.length() > 80 ? firstLine.substring(0, 79) + "…" : firstLine;
  }

  private Prompt prompt(Question q, Briefing briefing, List<ChatMessage> history, String model) {
    List<Turn> turns = new ArrayList<>();
    List<ChatMessage> usable =
        history.stream().filter(m -> m.role().equals("user") || !m.content().isEmpty()).toList();
    for (ChatMessage m : usable.subList(Math.max(0, usable.size() - HISTORY_LIMIT), usable.size())) {
      turns.add(new Turn(m.role().equals("user") ? Speaker.USER : Speaker.ASSISTANT, m.content()));
    }
    turns.add(new Turn(Speaker.USER, briefing.userTurn()));
    String system =
        "You are the coding assistant built into Ensemble, a collaborative code editor. Several people of the"
            + " project \"" + q.projectName() + "\" may read your answers live. Answer in Markdown; put code in"
            + " fenced blocks with a language tag. Be concise and precise."
            + briefing.instruction().map(i -> "\n\n" + i).orElse("");
    return new Prompt(model, settings.maxTokens(), system, turns);
  }

  /** The question with what the editor sent: the current file, its selection and the open tabs. */
  public static String withContext(String question, Optional<JsonObject> context) {
    if (context.isEmpty() || context.get().isEmpty()) {
      return question;
    }
    JsonObject c = context.get();
    StringBuilder b = new StringBuilder();
    if (c.getString("path") != null) {
      b.append("Current file: ").append(c.getString("path")).append('\n');
    }
    if (c.getString("selection") != null) {
      b.append("Selected text:\n````\n").append(c.getString("selection")).append("\n````\n");
    }
    JsonArray open = c.getJsonArray("openPaths");
    if (open != null && !open.isEmpty()) {
      b.append("Open files: ").append(String.join(", ", open.stream().map(String::valueOf).toList())).append('\n');
    }
    return b.append('\n').append(question).toString();
  }
}
