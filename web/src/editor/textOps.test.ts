import * as Automerge from '@automerge/automerge';
import { describe, expect, it } from 'vitest';
import {
  applyEdits,
  applySplices,
  composeSplices,
  splicesFromContentChanges,
  splicesFromPatches,
  transformOffset,
  type ContentChange,
  type Splice,
} from './textOps';

/** What Monaco reports for replacing `[offset, offset + length)` of the old text with `text`. */
const change = (rangeOffset: number, rangeLength: number, text: string): ContentChange => ({
  rangeOffset,
  rangeLength,
  text,
});

/** Applies Monaco-style simultaneous changes (all against the old text) to a string. */
const applyChanges = (text: string, changes: ContentChange[]) =>
  applyEdits(
    text,
    changes.map((c) => ({
      start: c.rangeOffset,
      end: c.rangeOffset + c.rangeLength,
      text: c.text,
    })),
  );

/** Runs splices through real Automerge and returns the patches another peer would receive. */
function patchesFor(initial: string, splices: readonly Splice[]) {
  const base = Automerge.from({ content: initial });
  const changed = Automerge.change(Automerge.clone(base), (doc) => {
    for (const s of splices) Automerge.splice(doc, ['content'], s.index, s.deleteCount, s.insert);
  });
  const patches = Automerge.diff(changed, Automerge.getHeads(base), Automerge.getHeads(changed));
  return { patches, text: changed.content };
}

describe('local changes become splices', () => {
  it('turns a typed character into an insert at its UTF-16 offset', () => {
    expect(splicesFromContentChanges([change(3, 0, 'x')])).toEqual([
      { index: 3, deleteCount: 0, insert: 'x' },
    ]);
  });

  it('applies a multi-cursor event from the highest offset down so offsets stay valid', () => {
    const before = 'alpha\nbeta\ngamma';
    // Three carets typing "#" at the start of each line, reported in ascending order.
    const changes = [change(0, 0, '#'), change(6, 0, '#'), change(11, 0, '#')];
    const splices = splicesFromContentChanges(changes);

    expect(splices.map((s) => s.index)).toEqual([11, 6, 0]);
    expect(applySplices(before, splices)).toBe(applyChanges(before, changes));
    expect(applySplices(before, splices)).toBe('#alpha\n#beta\n#gamma');
  });

  it('keeps emoji and astral characters whole, counting them as two UTF-16 units', () => {
    const before = 'a😀b𝄞c';
    // Replace the emoji (2 units at 1) and delete the clef (2 units at 4), in one event.
    const changes = [change(4, 2, ''), change(1, 2, '🎉🎉')];
    const splices = splicesFromContentChanges(changes);

    expect(splices).toEqual([
      { index: 4, deleteCount: 2, insert: '' },
      { index: 1, deleteCount: 2, insert: '🎉🎉' },
    ]);
    expect(applySplices(before, splices)).toBe('a🎉🎉bc');
  });

  it('matches what Automerge stores for the same splices, CRLF included', () => {
    const before = 'one\r\ntwo 😀\r\nthree';
    const changes = [
      change(5, 3, 'TWO'),
      change(0, 3, '1'),
      change(before.length, 0, '\r\nfour 𝄞'),
    ];
    const splices = splicesFromContentChanges(changes);
    const { text } = patchesFor(before, splices);

    expect(text).toBe(applyChanges(before, changes));
    expect(text).toBe('1\r\nTWO 😀\r\nthree\r\nfour 𝄞');
  });

  it('drops changes that change nothing', () => {
    expect(splicesFromContentChanges([change(2, 0, '')])).toEqual([]);
  });
});

describe('remote patches become one batch of Monaco edits', () => {
  const roundTrip = (initial: string, splices: Splice[]) => {
    const { patches, text } = patchesFor(initial, splices);
    const remote = splicesFromPatches(patches, initial.length);
    const edits = composeSplices(initial.length, remote);
    return { text, remote, edits, applied: applyEdits(initial, edits) };
  };

  it('reads splice and del patches on the content text', () => {
    const { remote, applied, text } = roundTrip('hello world', [
      { index: 6, deleteCount: 5, insert: 'there' },
    ]);

    // Automerge reports the insert, then the deletion of the old word that follows it.
    expect(remote).toEqual([
      { index: 6, deleteCount: 0, insert: 'there' },
      { index: 11, deleteCount: 5, insert: '' },
    ]);
    expect(applied).toBe(text);
    expect(text).toBe('hello there');
  });

  it('composes sequential edits into non-overlapping edits of the original text', () => {
    const { edits, applied, text } = roundTrip('0123456789', [
      { index: 8, deleteCount: 1, insert: 'X' },
      { index: 2, deleteCount: 0, insert: 'abc' },
      { index: 4, deleteCount: 3, insert: '' }, // deletes inside the text just inserted and after
    ]);

    expect(applied).toBe(text);
    for (let i = 1; i < edits.length; i++) {
      expect((edits[i] as { start: number }).start).toBeGreaterThanOrEqual(
        (edits[i - 1] as { end: number }).end,
      );
    }
  });

  it('handles emoji and astral characters by UTF-16 offsets', () => {
    const initial = '👩‍💻 says 𝄞 and 😀';
    const { applied, text } = roundTrip(initial, [
      { index: initial.indexOf('𝄞'), deleteCount: 2, insert: '🎵' },
      { index: 0, deleteCount: 5, insert: '🧑‍🚀' },
      { index: 0, deleteCount: 0, insert: '«' },
    ]);

    expect(text).toBe('«🧑‍🚀 says 🎵 and 😀');
    expect(applied).toBe(text);
  });

  it('replaces the whole text when the content field itself is put', () => {
    const splices = splicesFromPatches([{ action: 'put', path: ['content'], value: 'fresh' }], 7);

    expect(splices).toEqual([{ index: 0, deleteCount: 7, insert: 'fresh' }]);
    expect(applyEdits('old one', composeSplices(7, splices))).toBe('fresh');
  });

  it('ignores patches on other fields and other kinds', () => {
    expect(
      splicesFromPatches(
        [
          { action: 'put', path: ['title'], value: 'x' },
          { action: 'splice', path: ['notes', 0], value: 'y' },
          { action: 'mark', path: ['content'] },
        ],
        3,
      ),
    ).toEqual([]);
  });

  it('agrees with Automerge on many random edit sequences', () => {
    const alphabet = ['a', 'b', '\n', '\r\n', '😀', '𝄞', 'é', ' '];
    let seed = 42;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    for (let round = 0; round < 60; round++) {
      let text = Array.from({ length: random(12) }, () => alphabet[random(alphabet.length)]).join(
        '',
      );
      const initial = text;
      const splices: Splice[] = [];
      for (let i = 0; i < 1 + random(5); i++) {
        // Offsets on code point boundaries, as a real editor produces them.
        const points = [0];
        for (const ch of text) points.push((points[points.length - 1] ?? 0) + ch.length);
        const start = points[random(points.length)] ?? 0;
        const ends = points.filter((p) => p >= start);
        const end = ends[random(Math.min(ends.length, 3))] ?? start;
        const insert = random(2) ? (alphabet[random(alphabet.length)] ?? '') : '';
        splices.push({ index: start, deleteCount: end - start, insert });
        text = applySplices(text, [splices[splices.length - 1] as Splice]);
      }
      const { applied, text: merged } = roundTrip(initial, splices);
      expect(merged).toBe(text);
      expect(applied).toBe(text);
    }
  });
});

describe('carried offsets', () => {
  const insert = (index: number, text: string): Splice => ({ index, deleteCount: 0, insert: text });

  it('moves an offset after text inserted before it', () => {
    expect(transformOffset(5, [insert(2, 'abc')])).toBe(8);
  });

  it('leaves an offset before an insertion where it is', () => {
    expect(transformOffset(1, [insert(2, 'abc')])).toBe(1);
  });

  it('puts an offset inside deleted text at the deletion', () => {
    expect(transformOffset(5, [{ index: 3, deleteCount: 4, insert: '' }])).toBe(3);
  });

  it('pushes a caret along when someone types exactly at it, unless asked not to', () => {
    expect(transformOffset(4, [insert(4, '😀')])).toBe(6);
    expect(transformOffset(4, [insert(4, '😀')], false)).toBe(4);
  });
});
