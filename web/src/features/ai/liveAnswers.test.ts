import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../api/client';
import type { AiEvent } from '../../live/messages';
import {
  answerState,
  applyAiEvent,
  describeAiError,
  mergeAnswers,
  parseBlocks,
  type LiveAnswers,
} from './liveAnswers';

const ids = { channel: 'ai', threadId: 't1', messageId: 'm2' } as const;

function fold(events: AiEvent[]): LiveAnswers {
  return events.reduce<LiveAnswers>(applyAiEvent, {});
}

describe('context and proposals', () => {
  it('carriesTheContextSentAndTheProposalsIntoTheMessage', () => {
    const answers = fold([
      { ...ids, event: 'thread', context: [{ kind: 'file', path: 'a.py', lines: [1, 3] }] },
      { ...ids, event: 'token', text: 'Done.' },
      {
        ...ids,
        event: 'done',
        status: 'complete',
        proposals: [{ id: 'pr1', path: 'tests/test_a.py', creates: true }],
      },
    ]);
    const [message] = mergeAnswers('t1', [], answers);
    expect(message?.context).toEqual({
      sent: [{ kind: 'file', path: 'a.py', lines: [1, 3] }],
      proposals: [{ id: 'pr1', path: 'tests/test_a.py', creates: true }],
    });
  });
});

describe('applyAiEvent', () => {
  it('accumulatesTokensInOrder', () => {
    const answers = fold([
      { ...ids, event: 'thread' },
      { ...ids, event: 'token', text: 'Hel' },
      { ...ids, event: 'token', text: 'lo' },
      { ...ids, event: 'done', status: 'complete' },
    ]);
    expect(answers.m2).toEqual({ threadId: 't1', text: 'Hello', status: 'complete' });
  });

  it('keepsTheTextSoFarWhenTheAnswerFails', () => {
    const answers = fold([
      { ...ids, event: 'token', text: 'Part' },
      { ...ids, event: 'error', code: 'ai_provider_rate_limited', message: 'slow down' },
    ]);
    expect(answers.m2?.text).toBe('Part');
    expect(answers.m2?.status).toBe('error');
    expect(answers.m2?.error?.code).toBe('ai_provider_rate_limited');
  });

  it('marksAStoppedAnswerPartial', () => {
    const answers = fold([{ ...ids, event: 'done', status: 'partial', stoppedBy: 'u' }]);
    expect(answers.m2?.status).toBe('partial');
  });
});

describe('mergeAnswers', () => {
  const question: ChatMessage = {
    id: 'm1',
    role: 'user',
    authorId: 'u',
    content: 'Hi?',
    status: 'complete',
    createdAt: '',
  };

  it('fillsAStreamingAnswerFromTheLiveChannel', () => {
    const stored: ChatMessage[] = [
      question,
      { ...question, id: 'm2', role: 'assistant', content: '', status: 'streaming' },
    ];
    const merged = mergeAnswers('t1', stored, {
      m2: { threadId: 't1', text: 'Hello', status: 'streaming' },
    });
    expect(merged.map((m) => m.content)).toEqual(['Hi?', 'Hello']);
  });

  it('addsAnAnswerNotStoredYetAndIgnoresOtherThreads', () => {
    const merged = mergeAnswers('t1', [question], {
      m2: { threadId: 't1', text: 'Hel', status: 'streaming' },
      m9: { threadId: 't2', text: 'other', status: 'streaming' },
    });
    expect(merged.map((m) => m.id)).toEqual(['m1', 'm2']);
  });

  it('prefersTheStoredTextOnceTheAnswerIsStored', () => {
    const stored: ChatMessage[] = [
      { ...question, id: 'm2', role: 'assistant', content: 'Hello!', status: 'complete' },
    ];
    const merged = mergeAnswers('t1', stored, {
      m2: { threadId: 't1', text: 'Hello', status: 'complete' },
    });
    expect(merged[0]?.content).toBe('Hello!');
  });
});

describe('an answer whose server went away', () => {
  const interrupted = {
    ...ids,
    event: 'error',
    code: 'ai_answer_interrupted',
    message: 'gone',
  } as const;

  it('endsTheLiveAnswerKeepingTheTextAndNoLongerCountsAsWriting', () => {
    const answers = fold([{ ...ids, event: 'token', text: 'Half an ' }, interrupted]);
    const stored: ChatMessage[] = [
      {
        id: 'm2',
        role: 'assistant',
        authorId: 'u',
        content: '',
        status: 'streaming',
        createdAt: '',
      },
    ];
    const [message] = mergeAnswers('t1', stored, answers);
    expect(message?.content).toBe('Half an ');
    expect(message?.status).not.toBe('streaming');
    expect(message && answerState(message)).toBe('interrupted');
  });

  it('showsTheStoredPartialAnswerAsInterruptedNotStopped', () => {
    const stored: ChatMessage = {
      id: 'm2',
      role: 'assistant',
      authorId: 'u',
      content: 'Half a',
      status: 'partial',
      error: { code: 'ai_answer_interrupted', message: 'the server stopped' },
      createdAt: '',
    };
    expect(answerState(stored)).toBe('interrupted');
    expect(
      answerState({ ...stored, error: { code: 'ai_stopped', message: 'stopped by ada' } }),
    ).toBe('stopped');
    expect(answerState({ status: 'streaming' })).toBe('writing…');
    expect(answerState({ status: 'complete' })).toBeNull();
    expect(describeAiError('ai_answer_interrupted', 'the server stopped')).toMatch(
      /text written so far is kept/,
    );
  });
});

describe('parseBlocks', () => {
  it('splitsParagraphsAndFencedCode', () => {
    expect(parseBlocks('Intro\nline two\n\n```py\nprint(1)\n\nx = 2\n```\nAfter')).toEqual([
      { kind: 'paragraph', text: 'Intro\nline two' },
      { kind: 'code', lang: 'py', code: 'print(1)\n\nx = 2', closed: true },
      { kind: 'paragraph', text: 'After' },
    ]);
  });

  it('showsAnUnclosedFenceAsCodeWhileItStreams', () => {
    expect(parseBlocks('```js\nlet a')).toEqual([
      { kind: 'code', lang: 'js', code: 'let a', closed: false },
    ]);
  });
});
