import { useEffect, useState } from 'react';
import {
  api,
  toApiError,
  type ApiError,
  type ChatMessage,
  type CodeActionRequest,
} from '../../api/client';
import { useResource } from '../../api/resource';
import { editorSelection } from '../../editor/editorSelection';
import type { LiveChannel } from '../../live/liveChannel';
import { applyAiEvent, mergeAnswers, type LiveAnswers } from './liveAnswers';

const NO_MESSAGES: ChatMessage[] = [];

/** Finds the thread id in the first `thread` event of a server-sent event stream. */
function threadIdIn(text: string): string | null {
  const match = /event: thread\ndata: (.*)\n/.exec(text);
  if (!match?.[1]) return null;
  try {
    const data = JSON.parse(match[1]) as { threadId?: unknown };
    return typeof data.threadId === 'string' ? data.threadId : null;
  } catch {
    return null;
  }
}

/**
 * The project's assistant: threads, the open thread's messages with answers streaming in from
 * the live channel (so everyone sees them token by token), asking and stopping.
 */
export function useAssistant(projectId: string, channel: LiveChannel | null) {
  const threads = useResource(`ai-threads:${projectId}`, (signal) =>
    api.ai.threads(projectId, signal),
  );
  const [threadId, setThreadId] = useState<string | null>(null);
  const thread = useResource(`ai-thread:${projectId}:${threadId ?? ''}`, (signal) =>
    threadId === null
      ? Promise.resolve({ messages: NO_MESSAGES })
      : api.ai.thread(projectId, threadId, signal),
  );
  const [answers, setAnswers] = useState<LiveAnswers>({});
  const [asking, setAsking] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const reloadThreads = threads.reload;
  const reloadThread = thread.reload;

  useEffect(() => {
    if (!channel) return;
    return channel.onMessage((message) => {
      if (!('channel' in message) || message.channel !== 'ai') return;
      setAnswers((current) => applyAiEvent(current, message));
      if (message.event !== 'token' && message.event !== 'step') {
        reloadThreads();
        reloadThread();
      }
    });
  }, [channel, reloadThreads, reloadThread]);

  // The answer is rendered from the live channel; the stream is read to the end because closing
  // it would cancel the answer. A new thread opens as soon as its first event names it.
  const follow = async (start: () => Promise<Response>, continuing: boolean) => {
    setError(null);
    setAsking(true);
    try {
      const response = await start();
      const reader = response.body?.getReader();
      const decoder = new TextDecoder();
      let seen = '';
      let opened = continuing;
      while (reader) {
        const { done, value } = await reader.read();
        if (done) break;
        if (!opened) {
          seen += decoder.decode(value, { stream: true });
          const id = threadIdIn(seen);
          if (id !== null) {
            opened = true;
            setThreadId(id);
          }
        }
      }
    } catch (e) {
      setError(toApiError(e));
    } finally {
      setAsking(false);
      reloadThreads();
      reloadThread();
    }
  };

  /**
   * Asks in the open thread (or a new one); `model` is one the project offers, else its default.
   * In mode `agent` the text is a task for the agent, whose steps stream in as well.
   */
  const ask = (text: string, model?: string, mode: 'chat' | 'agent' = 'chat') => {
    const selection = editorSelection();
    const context = selection
      ? { path: selection.path, ...(selection.text ? { selection: selection.text } : {}) }
      : undefined;
    const body = {
      ...(threadId === null ? {} : { threadId }),
      message: text,
      ...(model ? { model } : {}),
      ...(context ? { context } : {}),
    };
    return follow(
      () => (mode === 'agent' ? api.agent.run(projectId, body) : api.ai.chat(projectId, body)),
      threadId !== null,
    );
  };

  /** Runs a code action; its answer opens in a new thread. */
  const act = (request: CodeActionRequest) => {
    setThreadId(null);
    return follow(() => api.ai.action(projectId, request), false);
  };

  const stop = async () => {
    if (threadId === null) return;
    try {
      await api.ai.stop(projectId, threadId);
    } catch (e) {
      setError(toApiError(e));
    }
  };

  const stored = thread.state.status === 'ready' ? thread.state.data.messages : NO_MESSAGES;
  const messages = threadId === null ? [] : mergeAnswers(threadId, stored, answers);
  const streaming = messages.some((m) => m.role === 'assistant' && m.status === 'streaming');

  return {
    threads,
    threadId,
    setThreadId,
    thread,
    messages,
    asking,
    streaming,
    error,
    ask,
    act,
    stop,
  };
}
