package dev.ensemble.ai;

/**
 * Receives every chat event of one project as it happens, in order, on the answering event loop;
 * it must not block. The project's WebSocket channel subscribes one to show answers to all
 * participants.
 */
@FunctionalInterface
public interface ChatStreamListener {
  void onEvent(ChatEvent event);
}
