package dev.ensemble.runs;

/** Lifecycle of runs, for recording them; called on supervisor threads and must not block. */
public interface RunEvents {
  /** Accepted and waiting for a slot (or about to start). */
  void queued(Run run);

  /** The process started. */
  void started(Run run);

  /** The run ended with this result. */
  void ended(Run run, RunResult result);

  /** Events that go nowhere. */
  RunEvents NONE =
      new RunEvents() {
        @Override
        public void queued(Run run) {}

        @Override
        public void started(Run run) {}

        @Override
        public void ended(Run run, RunResult result) {}
      };
}
