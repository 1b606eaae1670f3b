import type { ChatMessage, ContextPiece, ProposalSummary } from '../../api/client';
import type { AiEvent } from '../../live/messages';

/** An answer as the live channel has told it so far. */
export interface LiveAnswer {
  threadId: string;
  text: string;
  status: 'streaming' | 'complete' | 'partial' | 'error';
  error?: { code: string; message: string; retryAfter?: number };
  /** The context sent with the question (from the `thread` event). */
  sent?: ContextPiece[];
  /** Files a code action proposed (from the `done` event). */
  proposals?: ProposalSummary[];
}

export type LiveAnswers = Readonly<Record<string, LiveAnswer>>;

/** Folds one assistant event into the answers being written, keyed by message id. */
export function applyAiEvent(answers: LiveAnswers, event: AiEvent): LiveAnswers {
  const current = answers[event.messageId] ?? {
    threadId: event.threadId,
    text: '',
    status: 'streaming' as const,
  };
  switch (event.event) {
    case 'thread':
      return {
        ...answers,
        [event.messageId]: event.context ? { ...current, sent: event.context } : current,
      };
    case 'token':
      return { ...answers, [event.messageId]: { ...current, text: current.text + event.text } };
    case 'step':
      // An agent's thought is the text streamed since its last step; the answer starts afresh.
      return event.step.kind === 'thought'
        ? { ...answers, [event.messageId]: { ...current, text: '' } }
        : { ...answers, [event.messageId]: current };
    case 'done':
      return {
        ...answers,
        [event.messageId]: {
          ...current,
          status: event.status === 'partial' ? 'partial' : 'complete',
          ...(event.proposals ? { proposals: event.proposals } : {}),
        },
      };
    case 'error':
      return {
        ...answers,
        [event.messageId]: {
          ...current,
          status: 'error',
          error: {
            code: event.code,
            message: event.message,
            ...(event.retryAfter === undefined ? {} : { retryAfter: event.retryAfter }),
          },
        },
      };
  }
}

/**
 * The thread's messages as stored, with answers still being written (stored empty, status
 * `streaming`) or not yet stored filled in from the live channel.
 */
export function mergeAnswers(
  threadId: string,
  stored: readonly ChatMessage[],
  answers: LiveAnswers,
): ChatMessage[] {
  const merged = stored.map((message) => {
    const live = answers[message.id];
    if (!live || message.status !== 'streaming') return message;
    return {
      ...message,
      content: live.text,
      status: live.status,
      ...(live.error ? { error: live.error } : {}),
      ...contextOf(live, message.context),
    };
  });
  const known = new Set(stored.map((m) => m.id));
  for (const [id, live] of Object.entries(answers)) {
    if (live.threadId !== threadId || known.has(id)) continue;
    merged.push({
      id,
      role: 'assistant',
      authorId: null,
      content: live.text,
      status: live.status,
      ...(live.error ? { error: live.error } : {}),
      ...contextOf(live, undefined),
      createdAt: '',
    });
  }
  return merged;
}

/** The stored context of an answer, completed with what the live events told. */
function contextOf(live: LiveAnswer, stored: ChatMessage['context']): Pick<ChatMessage, 'context'> {
  const sent = stored?.sent ?? live.sent;
  const proposals = stored?.proposals ?? live.proposals;
  if (!sent && !proposals) return {};
  return { context: { ...(sent ? { sent } : {}), ...(proposals ? { proposals } : {}) } };
}

/** The error code of an answer whose server went away while writing it (the text so far is kept). */
export const ANSWER_INTERRUPTED = 'ai_answer_interrupted';

/**
 * Where an answer stands, as its header says it after "Assistant": still being written, stopped
 * by someone, or interrupted because the server writing it went away; null when there is nothing
 * to add (complete, or failed with an error shown below it).
 */
export function answerState(message: Pick<ChatMessage, 'status' | 'error'>): string | null {
  if (message.status === 'streaming') return 'writing…';
  if (message.error?.code === ANSWER_INTERRUPTED) return 'interrupted';
  if (message.status === 'partial') return 'stopped';
  return null;
}

/** Friendly words for the errors people can do something about. */
export function describeAiError(code: string, message: string, retryAfter?: number): string {
  switch (code) {
    case ANSWER_INTERRUPTED:
      return 'The server writing this answer stopped before it was complete; the text written so far is kept. Ask again to go on.';
    case 'ai_not_configured':
      return 'The assistant is not set up on this server (no AI provider is configured).';
    case 'ai_rate_limited':
    case 'ai_provider_rate_limited':
      return `Too many questions right now${retryAfter ? `; try again in ${retryAfter} s` : ''}. ${message}`;
    case 'ai_budget_exceeded':
      return `This project has used its assistant budget for the month. ${message}`;
    default:
      return message;
  }
}

/**
 * Blocks of a minimal markdown: paragraphs and fenced code. A code block is `closed` once its
 * closing fence has arrived; until then a streaming answer is still writing it.
 */
export type Block =
  | { kind: 'paragraph'; text: string }
  | { kind: 'code'; lang: string; code: string; closed: boolean };

export function parseBlocks(text: string): Block[] {
  const blocks: Block[] = [];
  const lines = text.split('\n');
  let paragraph: string[] = [];
  const flush = () => {
    const joined = paragraph.join('\n').trim();
    if (joined) blocks.push({ kind: 'paragraph', text: joined });
    paragraph = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const fence = /^\s*```(.*)$/.exec(line);
    if (fence) {
      flush();
      const code: string[] = [];
      i++;
      while (i < lines.length && !/^\s*```\s*$/.test(lines[i] ?? '')) {
        code.push(lines[i] ?? '');
        i++;
      }
      const closed = i < lines.length;
      blocks.push({ kind: 'code', lang: (fence[1] ?? '').trim(), code: code.join('\n'), closed });
    } else if (line.trim() === '') {
      flush();
    } else {
      paragraph.push(line);
    }
  }
  flush();
  return blocks;
}
