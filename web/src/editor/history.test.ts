import * as Automerge from '@automerge/automerge';
import { describe, expect, it } from 'vitest';
import { LocalHistory, type TextDocChanger } from './history';
import { applySplices, type Splice } from './textOps';

interface TextDoc {
  content: string;
}

/** One person's copy of a shared text, with a way for a collaborator's edit to arrive. */
class Replica implements TextDocChanger {
  constructor(public current: Automerge.Doc<TextDoc>) {}

  doc() {
    return this.current;
  }

  change(callback: (doc: TextDoc) => void) {
    this.current = Automerge.change(this.current, callback);
  }

  /** Makes a local edit (splices highest offset first) and records it in `history`. */
  edit(history: LocalHistory, splices: Splice[], now: number) {
    const before = this.current;
    this.change((doc) => {
      for (const s of splices) Automerge.splice(doc, ['content'], s.index, s.deleteCount, s.insert);
    });
    expect(this.current.content).toBe(applySplices(before.content, splices));
    history.record(before, this.current, splices, now);
  }

  /** A collaborator's concurrent splice, merged in. */
  receive(s: Splice) {
    const other = Automerge.change(Automerge.clone(this.current), (doc) => {
      Automerge.splice(doc, ['content'], s.index, s.deleteCount, s.insert);
    });
    this.current = Automerge.merge(this.current, other);
  }
}

const insert = (index: number, text: string): Splice => ({ index, deleteCount: 0, insert: text });

describe('local undo and redo', () => {
  it('takes back only my insert, after someone typed before it', () => {
    const me = new Replica(Automerge.from({ content: 'hello' }));
    const history = new LocalHistory();
    me.edit(history, [insert(5, ' world')], 0);
    me.receive(insert(0, '>> '));

    expect(me.doc().content).toBe('>> hello world');
    expect(history.undo(me)).toBe(8);
    expect(me.doc().content).toBe('>> hello');
    expect(history.redo(me)).toBe(14);
    expect(me.doc().content).toBe('>> hello world');
  });

  it('puts my deleted text back where it was, keeping what others typed', () => {
    const me = new Replica(Automerge.from({ content: 'keep DROP keep' }));
    const history = new LocalHistory();
    me.edit(history, [{ index: 5, deleteCount: 5, insert: '' }], 0);
    me.receive(insert(9, ' (theirs)'));
    me.receive(insert(0, 'START '));

    history.undo(me);
    expect(me.doc().content).toBe('START keep DROP keep (theirs)');
  });

  it('undoes a replacement and a multi-cursor edit as one step each', () => {
    const me = new Replica(Automerge.from({ content: 'a😀b\nc𝄞d' }));
    const history = new LocalHistory();
    // Two carets: replace the clef, and replace the emoji, in one event.
    me.edit(
      history,
      [
        { index: 6, deleteCount: 2, insert: '♪' },
        { index: 1, deleteCount: 2, insert: '🎉' },
      ],
      0,
    );
    me.edit(history, [insert(0, 'x')], 10_000);
    expect(me.doc().content).toBe('xa🎉b\nc♪d');

    history.undo(me);
    expect(me.doc().content).toBe('a🎉b\nc♪d');
    history.undo(me);
    expect(me.doc().content).toBe('a😀b\nc𝄞d');
    expect(history.canUndo).toBe(false);
    history.redo(me);
    history.redo(me);
    expect(me.doc().content).toBe('xa🎉b\nc♪d');
  });

  it('groups quick typing, and a new edit forgets what was undone', () => {
    const me = new Replica(Automerge.from({ content: '' }));
    const history = new LocalHistory();
    me.edit(history, [insert(0, 'a')], 0);
    me.edit(history, [insert(1, 'b')], 100);
    me.edit(history, [insert(2, 'c')], 200);

    history.undo(me);
    expect(me.doc().content).toBe('');
    expect(history.canRedo).toBe(true);
    me.edit(history, [insert(0, 'z')], 5_000);
    expect(history.canRedo).toBe(false);
  });

  it('undoes auto-closed quotes typed over, leaving what someone appended meanwhile', () => {
    const me = new Replica(Automerge.from({ content: '' }));
    const history = new LocalHistory();
    let now = 0;
    // Typing `x = "hi"` in Monaco: `"` inserts a pair, the closing one is later typed over.
    for (const ch of 'x = ') me.edit(history, [insert(me.doc().content.length, ch)], (now += 20));
    me.edit(history, [insert(4, '""')], (now += 20));
    me.edit(history, [insert(5, 'h')], (now += 20));
    me.edit(history, [insert(6, 'i')], (now += 20));
    me.edit(history, [{ index: 7, deleteCount: 1, insert: '"' }], now + 20);
    me.receive(insert(8, '\nprint(x)'));
    expect(me.doc().content).toBe('x = "hi"\nprint(x)');

    history.undo(me);
    expect(me.doc().content).toBe('\nprint(x)');
    history.redo(me);
    expect(me.doc().content).toBe('x = "hi"\nprint(x)');
  });

  it('leaves text alone that someone else already deleted', () => {
    const me = new Replica(Automerge.from({ content: 'one ' }));
    const history = new LocalHistory();
    me.edit(history, [insert(4, 'two')], 0);
    me.receive({ index: 4, deleteCount: 3, insert: '' });

    history.undo(me);
    expect(me.doc().content).toBe('one ');
  });
});
