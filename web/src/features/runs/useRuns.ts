import { useEffect, useState } from 'react';
import { api, toApiError, type ApiError, type Run } from '../../api/client';
import { useResource } from '../../api/resource';
import type { LiveChannel } from '../../live/liveChannel';

/** Puts `run` first-if-new, or replaces its older state in place. */
export function upsertRun(runs: readonly Run[], run: Run): Run[] {
  const index = runs.findIndex((r) => r.id === run.id);
  if (index < 0) return [run, ...runs];
  const next = [...runs];
  next[index] = { ...runs[index], ...run };
  return next;
}

export const FINAL_STATUSES = new Set(['succeeded', 'failed', 'cancelled', 'timed_out', 'killed']);

/** The project's run history and configurations, kept current from the live channel. */
export function useRuns(projectId: string, channel: LiveChannel | null) {
  const history = useResource(`runs:${projectId}`, (signal) => api.runs.list(projectId, signal));
  const configurations = useResource(`run-configurations:${projectId}`, (signal) =>
    api.runs.configurations(projectId, signal),
  );
  const [error, setError] = useState<ApiError | null>(null);
  const { update, reload } = history;

  useEffect(() => {
    if (!channel) return;
    const stopMessages = channel.onMessage((message) => {
      if (!('channel' in message) || message.channel !== 'run') return;
      if (message.event === 'started' || message.event === 'status') {
        const run: Run = message;
        update((runs) => upsertRun(runs, run));
      }
    });
    // Whatever happened while disconnected is in the history.
    const stopOpen = channel.onOpen(reload);
    return () => {
      stopMessages();
      stopOpen();
    };
  }, [channel, update, reload]);

  const start = async (request: { command: string } | { configuration: string }) => {
    setError(null);
    try {
      const run = await api.runs.start(projectId, request);
      update((runs) => upsertRun(runs, run));
      return run;
    } catch (e) {
      setError(toApiError(e));
      return null;
    }
  };

  const cancel = async (runId: string) => {
    setError(null);
    try {
      const run = await api.runs.cancel(runId);
      update((runs) => upsertRun(runs, run));
    } catch (e) {
      setError(toApiError(e));
    }
  };

  return { history, configurations, error, start, cancel };
}
