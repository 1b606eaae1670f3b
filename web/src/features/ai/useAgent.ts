import { useEffect, useState } from 'react';
import { api, toApiError, type AgentStep, type ApiError } from '../../api/client';
import { useResource } from '../../api/resource';
import type { LiveChannel } from '../../live/liveChannel';
import { applyStep, mergeSteps, type StepsByAnswer } from './agentSteps';

const NO_STEPS: AgentStep[] = [];

/**
 * The agent's side of a thread: its steps (stored, then live from the channel, so every
 * participant sees each call, approval and result as it happens), deciding pending steps,
 * stopping a run and the project's auto-apply switch.
 */
export function useAgent(projectId: string, threadId: string | null, channel: LiveChannel | null) {
  const stored = useResource(`ai-steps:${projectId}:${threadId ?? ''}`, (signal) =>
    threadId === null ? Promise.resolve(NO_STEPS) : api.agent.steps(projectId, threadId, signal),
  );
  const settings = useResource(`ai-agent-settings:${projectId}`, (signal) =>
    api.agent.settings(projectId, signal),
  );
  const [live, setLive] = useState<StepsByAnswer>({});
  const [error, setError] = useState<ApiError | null>(null);
  const reloadStored = stored.reload;

  useEffect(() => {
    if (!channel) return;
    return channel.onMessage((message) => {
      if (!('channel' in message) || message.channel !== 'ai') return;
      if (message.event === 'step') {
        setLive((current) => applyStep(current, message.step));
      } else if (message.event === 'done' || message.event === 'error') {
        reloadStored();
      }
    });
  }, [channel, reloadStored]);

  const steps = mergeSteps(stored.state.status === 'ready' ? stored.state.data : NO_STEPS, live);

  const decide = async (step: AgentStep, verdict: 'approve' | 'reject', reason?: string) => {
    if (threadId === null) return;
    setError(null);
    try {
      const decided = await api.agent.decide(projectId, threadId, step.id, verdict, reason);
      setLive((current) => applyStep(current, decided));
    } catch (e) {
      setError(toApiError(e));
      reloadStored();
    }
  };

  /** Stops the agent in the thread; false when it was not running there. */
  const stop = async (): Promise<boolean> => {
    if (threadId === null) return false;
    try {
      return (await api.agent.stop(projectId, threadId)).stopped;
    } catch (e) {
      setError(toApiError(e));
      return false;
    }
  };

  const setAutoApply = async (on: boolean) => {
    setError(null);
    try {
      const next = await api.agent.setAutoApply(projectId, on);
      settings.update(() => next);
    } catch (e) {
      setError(toApiError(e));
    }
  };

  return {
    steps,
    settings: settings.state,
    error,
    decide,
    stop,
    setAutoApply,
  };
}
