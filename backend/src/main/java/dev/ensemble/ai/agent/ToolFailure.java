package dev.ensemble.ai.agent;

/** A tool call that could not be carried out; its message goes back to the model as the result. */
final class ToolFailure extends RuntimeException {
  ToolFailure(String message) {
    super(message, null, false, false);
  }
}
