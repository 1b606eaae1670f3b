package dev.ensemble.ai.context;

import dev.ensemble.config.Env;
import java.time.Duration;
import java.util.Map;

/**
 * How much the assistant sends along with a question, and how far the retrieval index may grow.
 * Read from {@code ENSEMBLE_AI_CONTEXT_*} and {@code ENSEMBLE_AI_RETRIEVAL_*}; documented in docs/ai.md.
 *
 * @param tokenBudget tokens (estimated at four characters each) of context sent with one question
 * @param runOutputBytes the most of a run's output (its end) sent with a question
 * @param topK retrieved chunks offered per question; 0 turns retrieval off
 * @param maxFiles files of a project that are indexed (the first, by path)
 * @param maxFileBytes larger files are not indexed
 * @param chunkLines lines per indexed chunk
 * @param debounce quiet time after an edit before the changed files are embedded again
 * @param idle an index unused this long is dropped (and rebuilt on next use)
 * @param retrievalWait how long a question waits for the index to catch up before it goes without
 */
public record ContextSettings(
    int tokenBudget, int runOutputBytes, int topK, int maxFiles, int maxFileBytes, int chunkLines, Duration debounce,
    Duration idle, Duration retrievalWait) {

  public static ContextSettings fromEnv(Map<String, String> env) {
    return new ContextSettings(
        Env.integer(env, "ENSEMBLE_AI_CONTEXT_TOKENS", 6000, 256, 1_000_000),
        Env.integer(env, "ENSEMBLE_AI_CONTEXT_RUN_OUTPUT_BYTES", 8192, 0, 1 << 20),
        Env.integer(env, "ENSEMBLE_AI_RETRIEVAL_TOP_K", 6, 0, 100),
        Env.integer(env, "ENSEMBLE_AI_RETRIEVAL_MAX_FILES", 500, 1, 100_000),
        Env.integer(env, "ENSEMBLE_AI_RETRIEVAL_MAX_FILE_BYTES", 65_536, 1024, 16 << 20),
        Env.integer(env, "ENSEMBLE_AI_RETRIEVAL_CHUNK_LINES", 30, 5, 1000),
        Duration.ofMillis(Env.integer(env, "ENSEMBLE_AI_RETRIEVAL_DEBOUNCE_MS", 2000, 0, 600_000)),
        Duration.ofMinutes(Env.integer(env, "ENSEMBLE_AI_RETRIEVAL_IDLE_MINUTES", 30, 1, 10_080)),
        Duration.ofSeconds(Env.integer(env, "ENSEMBLE_AI_RETRIEVAL_WAIT_SECONDS", 20, 0, 600)));
  }
}
