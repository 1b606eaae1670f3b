import type { AgentStep, ContextPiece, ProposalSummary, Run } from '../api/client';

/** Server → client messages on a project's live channel (LiveConnection.java). */
export type LiveMessage =
  | { type: 'welcome'; projectId: string; role: string }
  | { type: 'pong' }
  | { type: 'error'; message: string }
  | AiEvent
  | RunEvent
  | TerminalEvent;

export type AiEvent =
  | {
      channel: 'ai';
      event: 'thread';
      threadId: string;
      messageId: string;
      askedBy?: string;
      model?: string;
      context?: ContextPiece[];
    }
  | { channel: 'ai'; event: 'token'; threadId: string; messageId: string; text: string }
  | {
      channel: 'ai';
      event: 'done';
      threadId: string;
      messageId: string;
      status: string;
      stoppedBy?: string;
      proposals?: ProposalSummary[];
    }
  | {
      channel: 'ai';
      event: 'step';
      threadId: string;
      messageId: string;
      step: AgentStep;
    }
  | {
      channel: 'ai';
      event: 'error';
      threadId: string;
      messageId: string;
      code: string;
      message: string;
      retryAfter?: number;
    };

export type RunEvent =
  | {
      channel: 'run';
      event: 'output';
      runId: string;
      seq: number;
      firstSeq?: number;
      stream: 'stdout' | 'stderr';
      data: string;
    }
  | ({ channel: 'run'; event: 'started' | 'status'; runId: string } & Run)
  | { channel: 'run'; event: 'subscribed'; runId: string; afterSeq: number }
  | { channel: 'run'; event: 'error'; runId: string; code: string; message: string };

/** The project's shared terminal as the server describes it (TerminalChannel.java). */
export interface TerminalSessionState {
  sessionId: string;
  state: 'running' | 'ended';
  cols: number;
  rows: number;
  startedBy: string;
  startedById: string;
  startedAt: string;
  exitCode?: number;
  reason?: 'exited' | 'closed' | 'idle' | 'lifetime' | 'shutdown';
}

export type TerminalEvent =
  | ({ channel: 'terminal'; event: 'state' } & TerminalSessionState)
  | { channel: 'terminal'; event: 'state'; state: 'none' }
  | {
      channel: 'terminal';
      event: 'output';
      sessionId: string;
      firstSeq: number;
      seq: number;
      data: string;
    }
  | { channel: 'terminal'; event: 'error'; code: string; message: string };

/** Client → server messages. */
export type LiveCommand =
  | { type: 'ping' }
  | { type: 'subscribe-run'; runId: string; afterSeq: number }
  | { type: 'unsubscribe-run'; runId: string }
  | { type: 'terminal-subscribe'; afterSeq?: number; sessionId?: string }
  | { type: 'terminal-unsubscribe' }
  | { type: 'terminal-open'; cols: number; rows: number }
  | { type: 'terminal-input'; data: string }
  | { type: 'terminal-resize'; cols: number; rows: number }
  | { type: 'terminal-close' };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** Decodes one frame; anything unknown or malformed is dropped (null) rather than trusted. */
export function parseLiveMessage(text: string): LiveMessage | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isRecord(value)) return null;
  if (value.type === 'welcome' || value.type === 'pong') return value as LiveMessage;
  if (value.type === 'error') {
    return { type: 'error', message: typeof value.message === 'string' ? value.message : '' };
  }
  if (value.channel === 'ai') {
    if (typeof value.threadId !== 'string' || typeof value.messageId !== 'string') return null;
    if (value.event === 'token' && typeof value.text !== 'string') return null;
    if (value.event === 'step' && !(isRecord(value.step) && typeof value.step.id === 'string')) {
      return null;
    }
    if (['thread', 'token', 'step', 'done', 'error'].includes(String(value.event))) {
      return value as AiEvent;
    }
    return null;
  }
  if (value.channel === 'run') {
    if (typeof value.runId !== 'string') return null;
    if (value.event === 'output') {
      if (typeof value.seq !== 'number' || typeof value.data !== 'string') return null;
      return value as RunEvent;
    }
    if (['started', 'status', 'subscribed', 'error'].includes(String(value.event)))
      return value as RunEvent;
  }
  if (value.channel === 'terminal') return parseTerminalEvent(value);
  return null;
}

function parseTerminalEvent(value: Record<string, unknown>): TerminalEvent | null {
  if (value.event === 'output') {
    if (
      typeof value.sessionId !== 'string' ||
      typeof value.seq !== 'number' ||
      typeof value.firstSeq !== 'number' ||
      typeof value.data !== 'string'
    ) {
      return null;
    }
    return value as TerminalEvent;
  }
  if (value.event === 'state') {
    if (value.state === 'none') return { channel: 'terminal', event: 'state', state: 'none' };
    if (
      (value.state !== 'running' && value.state !== 'ended') ||
      typeof value.sessionId !== 'string' ||
      typeof value.cols !== 'number' ||
      typeof value.rows !== 'number' ||
      typeof value.startedBy !== 'string'
    ) {
      return null;
    }
    return value as TerminalEvent;
  }
  if (value.event === 'error') {
    return {
      channel: 'terminal',
      event: 'error',
      code: typeof value.code === 'string' ? value.code : 'unknown',
      message: typeof value.message === 'string' ? value.message : '',
    };
  }
  return null;
}
