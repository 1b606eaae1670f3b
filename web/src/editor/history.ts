import {
  getCursor,
  getCursorPosition,
  splice,
  type Cursor,
  type Doc,
} from '@automerge/automerge/slim';
import type { Splice } from './textOps';

/**
 * One user's own undo/redo over a shared text. Monaco's undo stack records offsets, which
 * collaborators' edits make stale; this one remembers Automerge cursors (stable ids of
 * characters) instead, so undoing restores exactly this user's change wherever the text has
 * moved, and leaves everyone else's edits alone.
 */

/** The text of a document this history works on. */
interface TextDoc {
  content: string;
}

/** Something that can change the document: a DocHandle, or a test's stand-in. */
export interface TextDocChanger {
  doc(): Doc<TextDoc>;
  change(callback: (doc: TextDoc) => void): void;
}

/** How to take back one splice: the characters it inserted, and the text it removed. */
interface Step {
  /** Ids of the characters the splice inserted (one per code point), and their UTF-16 length. */
  inserted: Cursor[];
  size: number;
  /** The text the splice removed, put back where the inserted text was (or at `at`). */
  removed: string;
  /** Ids of the removed characters, so a later step can find them once they are put back. */
  removedIds: Cursor[];
  /** The character after the splice, or null when it reached the end of the text. */
  at: Cursor | null;
}

interface Entry {
  steps: Step[];
  time: number;
}

const FIELD = ['content'];
/** Edits closer together than this undo together, like typing a word. */
const GROUP_MS = 600;
const MAX_ENTRIES = 500;
/** Beyond this many characters a splice is remembered by its ends only (big pastes). */
const MAX_TRACKED = 20_000;

/** UTF-16 offsets, relative to `text`'s start, where each code point begins. */
function codePointStarts(text: string): number[] {
  const starts: number[] = [];
  let offset = 0;
  for (const ch of text) {
    starts.push(offset);
    offset += ch.length;
  }
  return starts;
}

/** Ids of the characters of `doc`'s text from `index` that spell `text`. */
function idsOf(doc: Doc<TextDoc>, index: number, text: string): Cursor[] {
  if (text.length === 0) return [];
  const starts = codePointStarts(text);
  const tracked =
    starts.length <= MAX_TRACKED ? starts : [starts[0] ?? 0, starts[starts.length - 1] ?? 0];
  return tracked.map((offset) => getCursor(doc, FIELD, index + offset));
}

export class LocalHistory {
  private readonly undos: Entry[] = [];
  private redos: Entry[] = [];
  /** Characters an undo or redo removed and put back under a new id: old id → new id. */
  private readonly renamed = new Map<Cursor, Cursor>();

  /**
   * Remembers a local change: `splices` (sequential, highest offset first and not overlapping,
   * as the binding applies them) turned the document `before` into `after`.
   */
  record(
    before: Doc<TextDoc>,
    after: Doc<TextDoc>,
    splices: readonly Splice[],
    now = Date.now(),
  ): void {
    const length = after.content.length;
    const steps = splices.map((s, k): Step => {
      // Later splices sit below this one, so they shift where its text ends up.
      const index = splices
        .slice(k + 1)
        .reduce((at, later) => at + later.insert.length - later.deleteCount, s.index);
      const removed = before.content.slice(s.index, s.index + s.deleteCount);
      const end = index + s.insert.length;
      return {
        inserted: idsOf(after, index, s.insert),
        size: s.insert.length,
        removed,
        removedIds: idsOf(before, s.index, removed),
        at: end < length ? getCursor(after, FIELD, end) : null,
      };
    });
    this.redos = [];
    const last = this.undos[this.undos.length - 1];
    if (last && now - last.time < GROUP_MS) {
      last.steps.push(...steps);
      last.time = now;
      return;
    }
    this.undos.push({ steps, time: now });
    if (this.undos.length > MAX_ENTRIES) this.undos.shift();
  }

  get canUndo(): boolean {
    return this.undos.length > 0;
  }

  get canRedo(): boolean {
    return this.redos.length > 0;
  }

  /** Takes back this user's last change; returns where the caret belongs, or null if none. */
  undo(target: TextDocChanger): number | null {
    return this.replay(this.undos.pop(), target, this.redos);
  }

  /** Re-does the last undone change; returns where the caret belongs, or null if none. */
  redo(target: TextDocChanger): number | null {
    return this.replay(this.redos.pop(), target, this.undos);
  }

  /** The current id of a character, following it through undos and redos that re-created it. */
  private current(id: Cursor): Cursor {
    let result = id;
    for (let hops = 0; hops < 1_000; hops++) {
      const next = this.renamed.get(result);
      if (next === undefined) break;
      result = next;
    }
    return result;
  }

  private positionOf(doc: Doc<TextDoc>, id: Cursor): number {
    return getCursorPosition(doc, FIELD, this.current(id));
  }

  /** The splice that takes `step` back in `doc` as it is now. */
  private inverseOf(doc: Doc<TextDoc>, step: Step): Splice {
    const at = step.at === null ? doc.content.length : this.positionOf(doc, step.at);
    const first = step.inserted[0];
    const last = step.inserted[step.inserted.length - 1];
    if (first === undefined || last === undefined) {
      return { index: at, deleteCount: 0, insert: step.removed };
    }
    const start = this.positionOf(doc, first);
    const lastAt = this.positionOf(doc, last);
    const lastEnd = lastAt + (isHighSurrogateAt(doc.content, lastAt) ? 2 : 1);
    // A deleted character resolves to where it would be, which may lie beyond text others
    // added since: never remove past the character that followed, nor more than was inserted.
    const end = Math.min(lastEnd, at, start + step.size);
    return { index: start, deleteCount: Math.max(0, end - start), insert: step.removed };
  }

  private replay(entry: Entry | undefined, target: TextDocChanger, opposite: Entry[]) {
    if (!entry) return null;
    const steps: Step[] = [];
    let caret: number | null = null;
    // Latest first, each against the text as the previous one left it.
    for (const step of [...entry.steps].reverse()) {
      const before = target.doc();
      const inverse = this.inverseOf(before, step);
      if (inverse.deleteCount === 0 && inverse.insert.length === 0) continue;
      target.change((doc) => {
        splice(doc, FIELD, inverse.index, inverse.deleteCount, inverse.insert);
      });
      const after = target.doc();
      const removed = before.content.slice(inverse.index, inverse.index + inverse.deleteCount);
      const inserted = idsOf(after, inverse.index, inverse.insert);
      // The text put back has new ids; steps that still name the old ones follow them here.
      step.removedIds.forEach((old, i) => {
        const fresh = inserted[i];
        if (fresh !== undefined && step.removedIds.length === inserted.length) {
          this.renamed.set(old, fresh);
        }
      });
      const end = inverse.index + inverse.insert.length;
      steps.push({
        inserted,
        size: inverse.insert.length,
        removed,
        removedIds: idsOf(before, inverse.index, removed),
        at: end < after.content.length ? getCursor(after, FIELD, end) : null,
      });
      caret = end;
    }
    if (steps.length > 0) opposite.push({ steps, time: 0 });
    return caret;
  }
}

function isHighSurrogateAt(text: string, index: number): boolean {
  const code = text.charCodeAt(index);
  return code >= 0xd800 && code <= 0xdbff;
}
