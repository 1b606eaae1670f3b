import { describe, expect, it } from 'vitest';
import { blockTarget, describePiece } from './codeActions';

describe('blockTarget', () => {
  it('readsTheLanguageAndThePathTheFenceNames', () => {
    expect(blockTarget('python path=tests/test_dates.py')).toEqual({
      lang: 'python',
      path: 'tests/test_dates.py',
    });
    expect(blockTarget('ts path="src/a b.ts"')).toEqual({ lang: 'ts', path: 'src/a b.ts' });
    expect(blockTarget('java')).toEqual({ lang: 'java', path: null });
    expect(blockTarget('')).toEqual({ lang: '', path: null });
  });
});

describe('describePiece', () => {
  it('saysWhichContextWentWithTheQuestion', () => {
    expect(describePiece({ kind: 'file', path: 'src/a.py', lines: [1, 40] })).toBe(
      'src/a.py (lines 1–40)',
    );
    expect(describePiece({ kind: 'selection', path: 'src/a.py', lines: [6, 6] })).toBe(
      'Selection in src/a.py (lines 6–6)',
    );
    expect(describePiece({ kind: 'retrieved', path: 'src/b.py', lines: [10, 39] })).toBe(
      'src/b.py (lines 10–39) · retrieved',
    );
    expect(describePiece({ kind: 'run', runId: '0123456789abcdef' })).toBe(
      'Output of run 01234567',
    );
    expect(describePiece({ kind: 'open', path: 'README.md' })).toBe('Open tab README.md');
  });
});
