package dev.ensemble.ai;

import dev.ensemble.ai.AiProvider.Usage;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;

/** Chat threads, their messages and the usage ledger in PostgreSQL. */
public final class ChatStore {
  /** The error code of an answer whose node stopped before it was complete. */
  public static final String INTERRUPTED = "ai_answer_interrupted";
  static final String INTERRUPTED_MESSAGE =
      "the server writing this answer stopped before it was complete; the text written so far is kept";

  private final Pool pool;
  private final String nodeId;

  /** {@code nodeId}: this node, named as the writer of the answers it starts. */
  public ChatStore(Pool pool, String nodeId) {
    this.pool = pool;
    this.nodeId = nodeId;
  }

  /** A thread of a project. */
  public record ChatThread(
      UUID id, UUID projectId, String title, Optional<UUID> createdBy, long messageCount,
      OffsetDateTime createdAt, OffsetDateTime updatedAt) {
    static final String COLUMNS =
        "t.id, t.project_id, t.title, t.created_by, t.created_at, t.updated_at,"
            + " (SELECT count(*) FROM ai_messages m WHERE m.thread_id = t.id) AS message_count";

    static ChatThread from(Row r) {
      return new ChatThread(
          r.getUUID("id"), r.getUUID("project_id"), r.getString("title"), Optional.ofNullable(r.getUUID("created_by")),
          r.getLong("message_count"), r.getOffsetDateTime("created_at"), r.getOffsetDateTime("updated_at"));
    }

    public JsonObject toJson() {
      return new JsonObject()
          .put("id", id.toString())
          .put("title", title)
          .put("createdBy", createdBy.map(UUID::toString).orElse(null))
          .put("messageCount", messageCount)
          .put("createdAt", createdAt.toInstant().toString())
          .put("updatedAt", updatedAt.toInstant().toString());
    }
  }

  /** A message of a thread. */
  public record ChatMessage(
      UUID id, String role, Optional<UUID> authorId, String content, Optional<JsonObject> context,
      MessageStatus status, Optional<String> model, Optional<Integer> promptTokens,
      Optional<Integer> completionTokens, Optional<String> errorCode, Optional<String> errorMessage,
      OffsetDateTime createdAt, Optional<OffsetDateTime> finishedAt) {
    static final String COLUMNS =
        "id, role, author_id, content, context, status, model, prompt_tokens, completion_tokens,"
            + " error_code, error_message, created_at, finished_at";

    static ChatMessage from(Row r) {
      Object context = r.getValue("context");
      return new ChatMessage(
          r.getUUID("id"), r.getString("role"), Optional.ofNullable(r.getUUID("author_id")), r.getString("content"),
          context instanceof JsonObject o ? Optional.of(o) : Optional.empty(),
          MessageStatus.parse(r.getString("status")), Optional.ofNullable(r.getString("model")),
          Optional.ofNullable(r.getInteger("prompt_tokens")), Optional.ofNullable(r.getInteger("completion_tokens")),
          Optional.ofNullable(r.getString("error_code")), Optional.ofNullable(r.getString("error_message")),
          r.getOffsetDateTime("created_at"), Optional.ofNullable(r.getOffsetDateTime("finished_at")));
    }

    public JsonObject toJson() {
      JsonObject json =
          new JsonObject()
              .put("id", id.toString())
              .put("role", role)
              .put("authorId", authorId.map(UUID::toString).orElse(null))
              .put("content", content)
              .put("status", status.wire())
              .put("createdAt", createdAt.toInstant().toString());
      context.ifPresent(c -> json.put("context", c));
      model.ifPresent(m -> json.put("model", m));
      if (promptTokens.isPresent() || completionTokens.isPresent()) {
        json.put("usage", new JsonObject()
            .put("promptTokens", promptTokens.orElse(0))
            .put("completionTokens", completionTokens.orElse(0)));
      }
      errorCode.ifPresent(c -> json.put("error", new JsonObject().put("code", c).put("message", errorMessage.orElse(""))));
      finishedAt.ifPresent(f -> json.put("finishedAt", f.toInstant().toString()));
      return json;
    }
  }

  /** The questions a user asked in the last minute, and when the oldest of them was asked. */
  public record RecentQuestions(long count, Optional<OffsetDateTime> oldest) {}

  /** The ids of a question and of the answer being written to it. */
  public record Exchange(UUID questionId, UUID answerId) {}

  /** How an answer ended. */
  public record Outcome(
      MessageStatus status, String content, Usage usage, Optional<String> errorCode, Optional<String> errorMessage) {}

  public Future<ChatThread> createThread(UUID projectId, UUID userId, String title) {
    return pool.preparedQuery(
            "WITH t AS (INSERT INTO ai_threads (project_id, title, created_by) VALUES ($1, $2, $3) RETURNING *)"
                + " SELECT t.id, t.project_id, t.title, t.created_by, t.created_at, t.updated_at, 0::bigint AS message_count FROM t")
        .execute(Tuple.of(projectId, title, userId))
        .map(rows -> ChatThread.from(rows.iterator().next()));
  }

  public Future<Optional<ChatThread>> thread(UUID projectId, UUID threadId) {
    return pool.preparedQuery("SELECT " + ChatThread.COLUMNS + " FROM ai_threads t WHERE t.id = $1 AND t.project_id = $2")
        .execute(Tuple.of(threadId, projectId))
        .map(rows -> first(rows).map(ChatThread::from));
  }

  /** The project's threads, most recently active first. */
  public Future<List<ChatThread>> threads(UUID projectId) {
    return pool.preparedQuery(
            "SELECT " + ChatThread.COLUMNS + " FROM ai_threads t WHERE t.project_id = $1 ORDER BY t.updated_at DESC, t.id")
        .execute(Tuple.of(projectId))
        .map(rows -> map(rows, ChatThread::from));
  }

  /** The thread's messages in order. */
  public Future<List<ChatMessage>> messages(UUID threadId) {
    return pool.preparedQuery("SELECT " + ChatMessage.COLUMNS + " FROM ai_messages WHERE thread_id = $1 ORDER BY seq")
        .execute(Tuple.of(threadId))
        .map(rows -> map(rows, ChatMessage::from));
  }

  /**
   * Records a question and an empty answer, streaming, in one step; {@code answerContext} is
   * stored with the answer (what was sent with the question).
   */
  public Future<Exchange> ask(
      UUID threadId, UUID userId, String question, Optional<JsonObject> context, Optional<JsonObject> answerContext,
      String model) {
    return pool.withTransaction(
        conn ->
            conn.preparedQuery(
                    "INSERT INTO ai_messages (thread_id, role, author_id, content, context, status)"
                        + " VALUES ($1, 'user', $2, $3, $4, 'complete') RETURNING id")
                .execute(Tuple.of(threadId, userId, question, context.orElse(null)))
                .compose(
                    q ->
                        conn.preparedQuery(
                                "INSERT INTO ai_messages (thread_id, role, author_id, status, model, context, stream_node)"
                                    + " VALUES ($1, 'assistant', $2, 'streaming', $3, $4, $5) RETURNING id")
                            .execute(Tuple.of(threadId, userId, model, answerContext.orElse(null), nodeId))
                            .map(a -> new Exchange(q.iterator().next().getUUID("id"), a.iterator().next().getUUID("id"))))
                .compose(
                    ex ->
                        conn.preparedQuery("UPDATE ai_threads SET updated_at = now() WHERE id = $1")
                            .execute(Tuple.of(threadId))
                            .map(ex)));
  }

  /** Stores how an answer ended and books its tokens against the user, project and model. */
  public Future<Void> finish(UUID projectId, UUID userId, UUID answerId, String model, Outcome outcome) {
    return pool.withTransaction(
        conn ->
            conn.preparedQuery(
                    "UPDATE ai_messages SET content = $2, status = $3, prompt_tokens = $4, completion_tokens = $5,"
                        + " error_code = $6, error_message = $7, finished_at = now() WHERE id = $1")
                .execute(
                    Tuple.of(answerId, outcome.content(), outcome.status().wire(), (int) outcome.usage().promptTokens(),
                        (int) outcome.usage().completionTokens(), outcome.errorCode().orElse(null),
                        outcome.errorMessage().orElse(null)))
                .compose(
                    v ->
                        outcome.usage().total() == 0
                            ? Future.succeededFuture()
                            : conn.preparedQuery(
                                    "INSERT INTO ai_usage (project_id, user_id, model, prompt_tokens, completion_tokens,"
                                        + " estimated, message_id) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                                .execute(
                                    Tuple.of(projectId, userId, model, (int) outcome.usage().promptTokens(),
                                        (int) outcome.usage().completionTokens(), outcome.usage().estimated(), answerId))
                                .mapEmpty())
                .mapEmpty());
  }

  /**
   * An answer as stored, for a node catching up on it: its thread, the message, and how far its
   * streamed text is stored ({@code streamSeq}: the last bus message the content covers, 0 when
   * nothing was stored yet; {@code streamSegment}: which part of an agent's text it is).
   */
  public record StoredAnswer(UUID threadId, ChatMessage message, long streamSeq, int streamSegment) {}

  /** The answer with this id, if there is one. */
  public Future<Optional<StoredAnswer>> answer(UUID answerId) {
    return pool.preparedQuery("SELECT thread_id, stream_seq, stream_segment, " + ChatMessage.COLUMNS
            + " FROM ai_messages WHERE id = $1 AND role = 'assistant'")
        .execute(Tuple.of(answerId))
        .map(rows -> first(rows).map(r -> new StoredAnswer(
            r.getUUID("thread_id"), ChatMessage.from(r),
            r.getLong("stream_seq") == null ? 0 : r.getLong("stream_seq"),
            r.getInteger("stream_segment") == null ? 0 : r.getInteger("stream_segment"))));
  }

  /**
   * Stores the text streamed so far of an answer still being written, as of bus message {@code
   * seq}; an older state or one arriving after the answer was finished is ignored.
   */
  public Future<Void> streamed(UUID answerId, long seq, int segment, String text) {
    return pool.preparedQuery(
            "UPDATE ai_messages SET content = $2, stream_seq = $3, stream_segment = $4"
                + " WHERE id = $1 AND status = 'streaming' AND coalesce(stream_seq, 0) < $3")
        .execute(Tuple.of(answerId, text, seq, segment))
        .mapEmpty();
  }

  /** Whether an answer of the thread is stored as still being written. */
  public Future<Boolean> streaming(UUID threadId) {
    return pool.preparedQuery(
            "SELECT 1 FROM ai_messages WHERE thread_id = $1 AND role = 'assistant' AND status = 'streaming' LIMIT 1")
        .execute(Tuple.of(threadId))
        .map(rows -> rows.iterator().hasNext());
  }

  /** An answer ended as interrupted because its node went away. */
  public record Interrupted(UUID projectId, UUID threadId, UUID messageId) {}

  /** Confirms that this node is alive, and so are the answers it writes. */
  public Future<Void> renewLease() {
    return pool.preparedQuery(
            "INSERT INTO ai_nodes (node_id) VALUES ($1) ON CONFLICT (node_id) DO UPDATE SET heartbeat_at = now()")
        .execute(Tuple.of(nodeId))
        .mapEmpty();
  }

  /**
   * Ends as interrupted every answer still streaming whose node has not confirmed it is alive for
   * {@code silentFor} (never this node's own), keeping its stored text: status {@code partial}, or
   * {@code error} when no text was stored. Its agent steps that wait or run are cancelled. One
   * statement, safe on every node at once: each answer is ended (and returned) by one of them.
   */
  public Future<List<Interrupted>> endOrphans(java.time.Duration silentFor) {
    double secs = silentFor.toMillis() / 1000.0;
    return pool.preparedQuery(
            "WITH ended AS (UPDATE ai_messages m SET status = CASE WHEN m.content = '' THEN 'error' ELSE 'partial' END,"
                + " error_code = $3, error_message = $4, finished_at = now() FROM ai_threads t"
                + " WHERE t.id = m.thread_id AND m.status = 'streaming' AND m.role = 'assistant'"
                + " AND m.stream_node IS DISTINCT FROM $1 AND m.created_at < now() - make_interval(secs => $2)"
                + " AND NOT EXISTS (SELECT 1 FROM ai_nodes n WHERE n.node_id = m.stream_node"
                + " AND n.heartbeat_at >= now() - make_interval(secs => $2))"
                + " RETURNING m.id, m.thread_id, t.project_id),"
                // the run's steps end with it: nobody is left to carry out or wait for them
                + " steps AS (UPDATE ai_agent_steps s SET status = 'cancelled', updated_at = now() FROM ended"
                + " WHERE s.message_id = ended.id AND s.status IN ('pending', 'running'))"
                + " SELECT id, thread_id, project_id FROM ended")
        .execute(Tuple.of(nodeId, secs, INTERRUPTED, INTERRUPTED_MESSAGE))
        .compose(rows -> pool.preparedQuery(
                // nodes silent this long name no streaming answer any more
                "DELETE FROM ai_nodes WHERE heartbeat_at < now() - make_interval(secs => $1) AND node_id <> $2")
            .execute(Tuple.of(secs, nodeId))
            .map(v -> map(rows, r -> new Interrupted(r.getUUID("project_id"), r.getUUID("thread_id"), r.getUUID("id")))));
  }

  public Future<RecentQuestions> recentQuestions(UUID userId) {
    return pool.preparedQuery(
            "SELECT count(*) AS n, min(created_at) AS oldest FROM ai_messages"
                + " WHERE role = 'user' AND author_id = $1 AND created_at > now() - interval '60 seconds'")
        .execute(Tuple.of(userId))
        .map(rows -> {
          Row r = rows.iterator().next();
          return new RecentQuestions(r.getLong("n"), Optional.ofNullable(r.getOffsetDateTime("oldest")));
        });
  }

  /** Tokens the project used in the current calendar month (UTC). */
  public Future<Long> tokensThisMonth(UUID projectId) {
    return pool.preparedQuery(
            "SELECT coalesce(sum(prompt_tokens + completion_tokens), 0) AS used FROM ai_usage"
                + " WHERE project_id = $1 AND created_at >= date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'")
        .execute(Tuple.of(projectId))
        .map(rows -> rows.iterator().next().getLong("used"));
  }

  /** Usage per user and model in the current month (UTC), for the project. */
  public Future<List<JsonObject>> usageThisMonth(UUID projectId) {
    return pool.preparedQuery(
            "SELECT user_id, model, sum(prompt_tokens) AS prompt, sum(completion_tokens) AS completion FROM ai_usage"
                + " WHERE project_id = $1 AND created_at >= date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'"
                + " GROUP BY user_id, model ORDER BY user_id, model")
        .execute(Tuple.of(projectId))
        .map(rows -> map(rows, r -> new JsonObject()
            .put("userId", r.getUUID("user_id") == null ? null : r.getUUID("user_id").toString())
            .put("model", r.getString("model"))
            .put("promptTokens", r.getLong("prompt"))
            .put("completionTokens", r.getLong("completion"))));
  }

  private static <T> List<T> map(RowSet<Row> rows, Function<Row, T> f) {
    List<T> out = new ArrayList<>();
    rows.forEach(r -> out.add(f.apply(r)));
    return out;
  }

  private static Optional<Row> first(RowSet<Row> rows) {
    var it = rows.iterator();
    return it.hasNext() ? Optional.of(it.next()) : Optional.empty();
  }
}
