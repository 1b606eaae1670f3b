package dev.ensemble.ai;

import dev.ensemble.config.Env;
import java.time.Duration;
import java.util.Map;

/**
 * How answers reach other nodes over the bus, read from {@code ENSEMBLE_AI_RELAY_*},
 * {@code ENSEMBLE_AI_STOP_WAIT_MS} and {@code ENSEMBLE_AI_ORPHAN_SECONDS}, documented in docs/ai.md
 * ("Across nodes").
 *
 * @param messageBytes the most one chat message on the bus may take; longer text is split, a step
 *     over it is announced for other nodes to read from the store
 * @param storeInterval how often the answering node stores the text streamed so far, so that other
 *     nodes can catch up from the store
 * @param quietCheck how long an answer followed from another node may stay silent before this node
 *     looks in the store for its end
 * @param stopWait how long a node waits for the answering node to confirm a stop or answer a step
 *     decision
 * @param orphanAfter how long a node may go without confirming that it is alive before any other
 *     node ends the answers it was writing as interrupted; it confirms every quarter of this
 */
public record ChatRelaySettings(
    int messageBytes, Duration storeInterval, Duration quietCheck, Duration stopWait, Duration orphanAfter) {
  static final String MESSAGE_BYTES = "ENSEMBLE_AI_RELAY_MESSAGE_BYTES";
  static final String STORE_MS = "ENSEMBLE_AI_RELAY_STORE_MS";
  static final String QUIET_SECONDS = "ENSEMBLE_AI_RELAY_QUIET_SECONDS";
  static final String STOP_WAIT_MS = "ENSEMBLE_AI_STOP_WAIT_MS";
  static final String ORPHAN_SECONDS = "ENSEMBLE_AI_ORPHAN_SECONDS";

  public static ChatRelaySettings defaults() {
    return fromEnv(Map.of());
  }

  /** Loads and validates the settings; a bad value throws naming its variable. */
  public static ChatRelaySettings fromEnv(Map<String, String> env) {
    return new ChatRelaySettings(
        Env.integer(env, MESSAGE_BYTES, 65_536, 4096, 1_048_576),
        Duration.ofMillis(Env.integer(env, STORE_MS, 500, 20, 60_000)),
        Duration.ofSeconds(Env.integer(env, QUIET_SECONDS, 10, 1, 3600)),
        Duration.ofMillis(Env.integer(env, STOP_WAIT_MS, 3000, 1, 60_000)),
        Duration.ofSeconds(Env.integer(env, ORPHAN_SECONDS, 30, 4, 3600)));
  }
}
