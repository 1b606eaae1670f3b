import { describe, expect, it, vi } from 'vitest';
import { compileQuery, searchFiles, searchText, type SearchLimits } from './fileSearch';

const pattern = (text: string, regex = false, caseSensitive = false) => {
  const compiled = compileQuery({ text, regex, caseSensitive });
  if (!(compiled instanceof RegExp)) throw new Error(`no pattern: ${String(compiled)}`);
  return compiled;
};

describe('find in files', () => {
  it('finds plain text literally, ignoring case unless asked', () => {
    const text = 'first line\nprint(a.b)\nPRINT(a.b) again\r\nlast';
    expect(searchText(text, pattern('print(a.b)'), 10).map((m) => [m.line, m.column])).toEqual([
      [2, 1],
      [3, 1],
    ]);
    expect(searchText(text, pattern('print(a.b)', false, true), 10)).toHaveLength(1);
    const [match] = searchText(text, pattern('again'), 10);
    expect(match).toMatchObject({ line: 3, column: 12, preview: 'PRINT(a.b) again' });
    expect(text.slice(match?.start, match?.end)).toBe('again');
  });

  it('supports regular expressions, line anchors included, and reports a bad one', () => {
    const text = 'def a():\n    pass\ndef bee():\n';
    const matches = searchText(text, pattern('^def (\\w+)', true), 10);
    expect(matches.map((m) => [m.line, m.preview.slice(m.previewStart, m.previewEnd)])).toEqual([
      [1, 'def a'],
      [3, 'def bee'],
    ]);
    expect(compileQuery({ text: 'a(', regex: true, caseSensitive: false })).toEqual(
      expect.any(String),
    );
    expect(compileQuery({ text: '', regex: false, caseSensitive: false })).toBeNull();
    // Empty matches would never advance; they are skipped, not looped on.
    expect(searchText('abc', pattern('x*', true), 10)).toEqual([]);
  });

  it('keeps a preview window around a match on a very long line', () => {
    const text = 'x'.repeat(500) + 'needle' + 'y'.repeat(500);
    const [match] = searchText(text, pattern('needle'), 10);
    expect(match?.preview.length).toBeLessThanOrEqual(160);
    expect(match?.preview.slice(match.previewStart, match.previewEnd)).toBe('needle');
    expect(match?.column).toBe(501);
  });

  const limits: SearchLimits = { maxFiles: 3, maxResults: 4, concurrency: 2 };
  const files: Record<string, string | null> = {
    'a.txt': 'hit hit',
    'b.bin': null,
    'c.txt': 'nothing',
    'd.txt': 'hit',
  };
  const read = (path: string) => Promise.resolve(files[path] ?? null);

  it('walks files in order within the file limit, grouping matches by file', async () => {
    const outcome = await searchFiles(
      Object.keys(files),
      read,
      pattern('hit'),
      new AbortController().signal,
      undefined,
      limits,
    );
    expect(outcome.results.map((r) => [r.path, r.matches.length])).toEqual([['a.txt', 2]]);
    expect(outcome).toMatchObject({ searched: 3, total: 4, truncated: true });
  });

  it('stops at the result limit and reports progress as it goes', async () => {
    const progress = vi.fn();
    const many = { ...limits, maxFiles: 10, maxResults: 2 };
    const outcome = await searchFiles(
      ['a.txt', 'd.txt'],
      read,
      pattern('hit'),
      new AbortController().signal,
      progress,
      many,
    );
    expect(outcome.results).toHaveLength(1);
    expect(outcome.truncated).toBe(true);
    expect(progress).toHaveBeenCalled();
  });

  it('gives up as soon as the query changes (its signal aborts)', async () => {
    const controller = new AbortController();
    const reads: string[] = [];
    const slowRead = (path: string) => {
      reads.push(path);
      controller.abort();
      return Promise.resolve('hit');
    };
    await expect(
      searchFiles(
        ['1', '2', '3', '4', '5'],
        slowRead,
        pattern('hit'),
        controller.signal,
        undefined,
        {
          ...limits,
          maxFiles: 10,
          concurrency: 1,
        },
      ),
    ).rejects.toThrow();
    expect(reads).toEqual(['1']);
  });

  it('lists files that could not be read and goes on', async () => {
    const failing = (path: string) =>
      path === 'b' ? Promise.reject(new Error('gone')) : Promise.resolve('hit');
    const outcome = await searchFiles(
      ['a', 'b', 'c'],
      failing,
      pattern('hit'),
      new AbortController().signal,
      undefined,
      { ...limits, maxFiles: 10, maxResults: 10 },
    );
    expect(outcome.failed).toEqual([{ path: 'b', message: 'gone' }]);
    expect(outcome.results.map((r) => r.path)).toEqual(['a', 'c']);
  });
});
