import { describe, expect, it } from 'vitest';
import type { AgentStep } from '../../api/client';
import { parseLiveMessage, type AiEvent } from '../../live/messages';
import {
  applyStep,
  mergeSteps,
  pendingSteps,
  stepStatus,
  stepTitle,
  type StepsByAnswer,
} from './agentSteps';
import { applyAiEvent } from './liveAnswers';

function step(over: Partial<AgentStep>): AgentStep {
  return {
    id: 's1',
    messageId: 'm1',
    seq: 1,
    kind: 'tool',
    status: 'running',
    tool: 'read_file',
    arguments: { path: 'src/app.py' },
    createdAt: '2025-01-01T00:00:00Z',
    ...over,
  };
}

describe('applyStep', () => {
  it('keepsStepsOfAnAnswerInSeqOrderWhateverOrderTheyArriveIn', () => {
    let steps: StepsByAnswer = {};
    steps = applyStep(steps, step({ id: 'b', seq: 2 }));
    steps = applyStep(steps, step({ id: 'a', seq: 1 }));
    steps = applyStep(steps, step({ id: 'x', messageId: 'm2', seq: 1 }));
    expect(steps.m1?.map((s) => s.id)).toEqual(['a', 'b']);
    expect(steps.m2?.map((s) => s.id)).toEqual(['x']);
  });

  it('replacesAStepWithItsLaterState', () => {
    let steps = applyStep({}, step({ status: 'pending', tool: 'edit_file' }));
    steps = applyStep(
      steps,
      step({ status: 'running', tool: 'edit_file', decision: 'approved', decidedByName: 'ada' }),
    );
    expect(steps.m1).toHaveLength(1);
    expect(steps.m1?.[0]?.status).toBe('running');
    steps = applyStep(steps, step({ status: 'done', tool: 'edit_file', decision: 'approved' }));
    expect(steps.m1?.[0]?.status).toBe('done');
  });

  it('neverGoesBackToAnEarlierState', () => {
    let steps = applyStep({}, step({ status: 'done', result: 'ok' }));
    steps = applyStep(steps, step({ status: 'pending' }));
    expect(steps.m1?.[0]?.status).toBe('done');
  });
});

describe('mergeSteps', () => {
  it('letsLiveProgressWinOverAnOlderFetch', () => {
    const stored = [
      step({ id: 'a', status: 'pending' }),
      step({ id: 'b', seq: 2, status: 'done' }),
    ];
    const live = applyStep({}, step({ id: 'a', status: 'rejected', decidedByName: 'bo' }));
    const merged = mergeSteps(stored, live);
    expect(merged.m1?.map((s) => `${s.id}:${s.status}`)).toEqual(['a:rejected', 'b:done']);
    expect(pendingSteps(merged)).toEqual([]);
  });

  it('findsThePendingSteps', () => {
    const merged = mergeSteps([step({ id: 'a', status: 'pending', tool: 'run_command' })], {});
    expect(pendingSteps(merged).map((s) => s.id)).toEqual(['a']);
  });
});

describe('step words', () => {
  it('titlesToolCallsByWhatTheyTouch', () => {
    expect(stepTitle(step({ tool: 'edit_file', arguments: { path: 'a.ts' } }))).toBe('Edit a.ts');
    expect(stepTitle(step({ tool: 'run_command', arguments: { command: 'npm test' } }))).toBe(
      'Run npm test',
    );
    expect(stepTitle(step({ tool: 'search', arguments: { query: 'TODO' } }))).toBe(
      'Search for “TODO”',
    );
    expect(stepTitle(step({ tool: 'list_files', arguments: {} }))).toBe('List files');
  });

  it('saysWhoDecided', () => {
    expect(stepStatus(step({ status: 'pending' }))).toBe('waiting for approval');
    expect(stepStatus(step({ status: 'done', decision: 'approved', decidedByName: 'ada' }))).toBe(
      'approved by ada, done',
    );
    expect(
      stepStatus(
        step({ status: 'rejected', decision: 'rejected', decidedByName: 'bo', reason: 'no' }),
      ),
    ).toBe('rejected by bo: no');
    expect(stepStatus(step({ status: 'done', decision: 'auto' }))).toBe('applied automatically');
  });
});

describe('applyAiEvent with agent steps', () => {
  it('startsTheAnswerAfreshAfterAThought', () => {
    const ids = { channel: 'ai', threadId: 't1', messageId: 'm1' } as const;
    const events: AiEvent[] = [
      { ...ids, event: 'token', text: 'Let me look.' },
      {
        ...ids,
        event: 'step',
        step: step({ kind: 'thought', text: 'Let me look.', status: 'done' }),
      },
      { ...ids, event: 'token', text: 'Done.' },
    ];
    const answers = events.reduce(applyAiEvent, {});
    expect(answers.m1?.text).toBe('Done.');
  });
});

describe('step events on the live channel', () => {
  it('acceptsAStepAndDropsOneWithoutAStep', () => {
    const ids = { channel: 'ai', threadId: 't1', messageId: 'm1' };
    const good = parseLiveMessage(JSON.stringify({ ...ids, event: 'step', step: step({}) }));
    expect(good).toEqual({ ...ids, event: 'step', step: step({}) });
    expect(parseLiveMessage(JSON.stringify({ ...ids, event: 'step' }))).toBeNull();
    expect(
      parseLiveMessage(JSON.stringify({ ...ids, event: 'step', step: { seq: 1 } })),
    ).toBeNull();
  });
});
