import { describe, expect, it } from 'vitest';
import { parseLiveMessage, type TerminalEvent } from '../../live/messages';
import {
  acceptTerminalEvent,
  describeSession,
  EMPTY_VIEW,
  inputPieces,
  SKIPPED_NOTICE,
  subscribeCommand,
  type ScreenEffect,
  type TerminalView,
} from './terminalView';

const running = (sessionId: string, cols = 80, rows = 24): TerminalEvent => ({
  channel: 'terminal',
  event: 'state',
  sessionId,
  state: 'running',
  cols,
  rows,
  startedBy: 'ada',
  startedById: 'u1',
  startedAt: '2026-01-01T00:00:00Z',
});

const output = (sessionId: string, firstSeq: number, seq: number, data: string): TerminalEvent => ({
  channel: 'terminal',
  event: 'output',
  sessionId,
  firstSeq,
  seq,
  data,
});

function play(events: TerminalEvent[], start: TerminalView = EMPTY_VIEW) {
  let view = start;
  const effects: ScreenEffect[] = [];
  for (const event of events) {
    const result = acceptTerminalEvent(view, event);
    view = result.view;
    effects.push(...result.effects);
  }
  const written = effects.flatMap((e) => (e.kind === 'write' ? [e.data] : [])).join('');
  return { view, effects, written };
}

describe('acceptTerminalEvent', () => {
  it('aNewSessionClearsTheScreenAndTakesItsSize', () => {
    const { effects, view } = play([running('s1', 100, 30)]);
    expect(effects).toEqual([{ kind: 'reset' }, { kind: 'resize', cols: 100, rows: 30 }]);
    expect(view.session?.startedBy).toBe('ada');
    expect(view.lastSeq).toBe(0);
  });

  it('writesOutputOnceInSequenceOrder', () => {
    const { written, view } = play([
      running('s1'),
      output('s1', 1, 2, 'ab'),
      output('s1', 1, 2, 'ab'),
      output('s1', 3, 3, 'c'),
    ]);
    expect(written).toBe('abc');
    expect(view.lastSeq).toBe(3);
  });

  it('marksOutputSkippedWhileFallingBehind', () => {
    const { written } = play([running('s1'), output('s1', 1, 1, 'a'), output('s1', 5, 6, 'f')]);
    expect(written).toBe(`a${SKIPPED_NOTICE}f`);
  });

  it('ignoresOutputOfAnotherSession', () => {
    const { written } = play([running('s1'), output('s2', 1, 1, 'stale'), output('s1', 1, 1, 'x')]);
    expect(written).toBe('x');
  });

  it('followsResizesOfTheSameSessionWithoutClearing', () => {
    const { effects } = play([running('s1'), output('s1', 1, 1, 'x'), running('s1', 120, 40)]);
    expect(effects.slice(-1)).toEqual([{ kind: 'resize', cols: 120, rows: 40 }]);
    expect(effects.filter((e) => e.kind === 'reset')).toHaveLength(1);
  });

  it('keepsTheScreenWhenTheSessionEndsAndForgetsItWhenNoneIsLeft', () => {
    const ended: TerminalEvent = {
      channel: 'terminal',
      event: 'state',
      sessionId: 's1',
      state: 'ended',
      cols: 80,
      rows: 24,
      startedBy: 'ada',
      startedById: 'u1',
      startedAt: '2026-01-01T00:00:00Z',
      exitCode: 3,
      reason: 'exited',
    };
    const afterEnd = play([running('s1'), output('s1', 1, 1, 'x'), ended]);
    expect(afterEnd.effects.filter((e) => e.kind === 'reset')).toHaveLength(1);
    expect(describeSession(afterEnd.view.session)).toBe('Ended: exited with 3 (opened by ada)');
    const none = play([{ channel: 'terminal', event: 'state', state: 'none' }], afterEnd.view);
    expect(none.view).toEqual(EMPTY_VIEW);
    expect(describeSession(none.view.session)).toBe('No terminal is open.');
  });
});

describe('subscribeCommand', () => {
  it('resumesAfterWhatIsShown', () => {
    expect(subscribeCommand(EMPTY_VIEW)).toEqual({ type: 'terminal-subscribe' });
    const { view } = play([running('s1'), output('s1', 1, 4, 'abcd')]);
    expect(subscribeCommand(view)).toEqual({
      type: 'terminal-subscribe',
      sessionId: 's1',
      afterSeq: 4,
    });
  });
});

describe('inputPieces', () => {
  it('cutsLargePastesWithoutSplittingCharacters', () => {
    expect(inputPieces('')).toEqual([]);
    expect(inputPieces('ls\r')).toEqual(['ls\r']);
    const pieces = inputPieces(`ab😀cd`, 3);
    expect(pieces.join('')).toBe('ab😀cd');
    expect(pieces[0]).toBe('ab');
    expect(pieces.every((p) => p.length <= 3)).toBe(true);
  });
});

describe('parseLiveMessage for the terminal', () => {
  it('acceptsWellFormedTerminalEventsAndDropsOthers', () => {
    expect(
      parseLiveMessage(
        JSON.stringify({
          channel: 'terminal',
          event: 'output',
          sessionId: 's',
          firstSeq: 1,
          seq: 1,
          data: 'x',
        }),
      ),
    ).toMatchObject({ event: 'output', data: 'x' });
    expect(
      parseLiveMessage(JSON.stringify({ channel: 'terminal', event: 'state', state: 'none' })),
    ).toEqual({ channel: 'terminal', event: 'state', state: 'none' });
    expect(
      parseLiveMessage(
        JSON.stringify({ channel: 'terminal', event: 'error', code: 'forbidden', message: 'no' }),
      ),
    ).toEqual({ channel: 'terminal', event: 'error', code: 'forbidden', message: 'no' });
    expect(
      parseLiveMessage(JSON.stringify({ channel: 'terminal', event: 'output', seq: 1 })),
    ).toBeNull();
    expect(
      parseLiveMessage(JSON.stringify({ channel: 'terminal', event: 'state', state: 'odd' })),
    ).toBeNull();
  });
});
