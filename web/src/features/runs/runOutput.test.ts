import { describe, expect, it } from 'vitest';
import {
  acceptOutput,
  EMPTY_OUTPUT,
  formatDuration,
  terminalText,
  type RunOutput,
} from './runOutput';

function feed(messages: Parameters<typeof acceptOutput>[1][]) {
  let output: RunOutput = EMPTY_OUTPUT;
  const gaps: number[] = [];
  for (const message of messages) {
    const result = acceptOutput(output, message);
    if (result.kind === 'append') output = result.output;
    if (result.kind === 'gap') gaps.push(result.afterSeq);
  }
  return { output, gaps };
}

describe('acceptOutput', () => {
  it('appendsOutputInSequenceOrder', () => {
    const { output } = feed([
      { seq: 1, stream: 'stdout', data: 'a' },
      { seq: 3, firstSeq: 2, stream: 'stderr', data: 'bc' },
    ]);
    expect(output.lastSeq).toBe(3);
    expect(output.pieces.map((p) => p.data).join('')).toBe('abc');
  });

  it('dropsDuplicatesReplayedAfterReconnecting', () => {
    const { output } = feed([
      { seq: 1, stream: 'stdout', data: 'a' },
      { seq: 2, stream: 'stdout', data: 'b' },
      { seq: 2, firstSeq: 1, stream: 'stdout', data: 'ab' },
      { seq: 3, stream: 'stdout', data: 'c' },
    ]);
    expect(output.pieces.map((p) => p.data).join('')).toBe('abc');
  });

  it('reportsAGapInsteadOfShowingOutputOutOfOrder', () => {
    const { output, gaps } = feed([
      { seq: 1, stream: 'stdout', data: 'a' },
      { seq: 4, stream: 'stdout', data: 'd' },
    ]);
    expect(gaps).toEqual([1]);
    expect(output.lastSeq).toBe(1);
  });
});

describe('terminalText', () => {
  it('tintsStderrAndUsesCrlf', () => {
    expect(terminalText({ stream: 'stderr', data: 'x\n' })).toBe('\u001b[31mx\r\n\u001b[0m');
    expect(terminalText({ stream: 'stdout', data: 'a\r\nb\n' })).toBe('a\r\nb\r\n');
  });
});

describe('formatDuration', () => {
  it('scalesItsUnit', () => {
    expect(formatDuration(850)).toBe('850 ms');
    expect(formatDuration(4200)).toBe('4.2 s');
    expect(formatDuration(185_000)).toBe('3 min 05 s');
  });
});
