package dev.ensemble.ai.agent;

import dev.ensemble.config.Env;
import java.time.Duration;
import java.util.Map;

/**
 * Limits of the assistant's agent mode, read from {@code ENSEMBLE_AI_AGENT_*} and documented in
 * docs/ai.md ("Agent").
 *
 * @param maxSteps tool calls one agent run may make; the run ends when the model asks for more
 * @param approvalTimeout how long a step that needs approval waits; then the run ends
 * @param maxResultChars the most text of one tool result sent back to the model
 * @param searchMaxFiles the most files one search reads
 * @param searchTimeout how long one search may take
 */
public record AgentSettings(
    int maxSteps, Duration approvalTimeout, int maxResultChars, int searchMaxFiles, Duration searchTimeout) {

  static final String MAX_STEPS = "ENSEMBLE_AI_AGENT_MAX_STEPS";
  static final String APPROVAL_TIMEOUT = "ENSEMBLE_AI_AGENT_APPROVAL_TIMEOUT_SECONDS";
  static final String MAX_RESULT_CHARS = "ENSEMBLE_AI_AGENT_MAX_RESULT_CHARS";
  static final String SEARCH_MAX_FILES = "ENSEMBLE_AI_AGENT_SEARCH_MAX_FILES";
  static final String SEARCH_TIMEOUT = "ENSEMBLE_AI_AGENT_SEARCH_TIMEOUT_SECONDS";

  public static AgentSettings defaults() {
    return fromEnv(Map.of());
  }

  /** Loads and validates the settings; a bad value throws naming its variable. */
  public static AgentSettings fromEnv(Map<String, String> env) {
    return new AgentSettings(
        Env.integer(env, MAX_STEPS, 25, 1, 1000),
        Duration.ofSeconds(Env.integer(env, APPROVAL_TIMEOUT, 600, 1, 86_400)),
        Env.integer(env, MAX_RESULT_CHARS, 16_000, 500, 1_000_000),
        Env.integer(env, SEARCH_MAX_FILES, 2000, 1, 1_000_000),
        Duration.ofSeconds(Env.integer(env, SEARCH_TIMEOUT, 10, 1, 600)));
  }
}
