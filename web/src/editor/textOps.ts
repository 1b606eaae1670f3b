/**
 * Pure translations between Monaco's content changes, Automerge's text patches and the edits
 * Monaco applies. Every offset here is a UTF-16 code unit index, which is what both Monaco
 * (JavaScript strings) and automerge-js use, so no conversion is needed between them.
 */

/** One sequential text operation: at `index`, remove `deleteCount` units, then insert `insert`. */
export interface Splice {
  index: number;
  deleteCount: number;
  insert: string;
}

/** A replacement of `[start, end)` in the text as it was before a batch, Monaco-style. */
export interface ReplaceEdit {
  start: number;
  end: number;
  text: string;
}

/** The parts of Monaco's `IModelContentChange` the binding needs. */
export interface ContentChange {
  rangeOffset: number;
  rangeLength: number;
  text: string;
}

/** The parts of an Automerge patch the binding reads (a structural subset of `Patch`). */
export interface TextPatch {
  action: string;
  path: readonly (string | number)[];
  value?: unknown;
  length?: number;
}

/**
 * Turns one Monaco content-change event into splices to apply in order. Monaco reports every
 * change of one event against the text before the event; applying them from the highest offset
 * down means no splice moves the offsets of those still to come.
 */
export function splicesFromContentChanges(changes: readonly ContentChange[]): Splice[] {
  return [...changes]
    .sort((a, b) => b.rangeOffset - a.rangeOffset)
    .map((change) => ({
      index: change.rangeOffset,
      deleteCount: change.rangeLength,
      insert: change.text,
    }))
    .filter((splice) => splice.deleteCount > 0 || splice.insert.length > 0);
}

/**
 * Reads the splices on the text at `field` out of a (sequential) list of Automerge patches.
 * `lengthBefore` is the text's length before the patches, needed when a patch replaces the whole
 * text (a `put` of the field, as when a document first arrives) or deletes it.
 */
export function splicesFromPatches(
  patches: readonly TextPatch[],
  lengthBefore: number,
  field = 'content',
): Splice[] {
  const splices: Splice[] = [];
  let length = lengthBefore;
  const push = (splice: Splice) => {
    splices.push(splice);
    length += splice.insert.length - splice.deleteCount;
  };
  for (const patch of patches) {
    const [head, index] = patch.path;
    if (head !== field) continue;
    if (patch.path.length === 1) {
      // The field itself was replaced or removed.
      const text =
        patch.action === 'put' && typeof patch.value === 'string' ? patch.value : undefined;
      if (patch.action === 'put' || patch.action === 'del') {
        push({ index: 0, deleteCount: length, insert: text ?? '' });
      }
      continue;
    }
    if (patch.path.length !== 2 || typeof index !== 'number') continue;
    if (patch.action === 'splice' && typeof patch.value === 'string') {
      push({ index, deleteCount: 0, insert: patch.value });
    } else if (patch.action === 'del') {
      push({ index, deleteCount: patch.length ?? 1, insert: '' });
    }
  }
  return splices.filter((splice) => splice.deleteCount > 0 || splice.insert.length > 0);
}

type Piece = { kind: 'kept'; start: number; end: number } | { kind: 'new'; text: string };

const pieceLength = (piece: Piece) =>
  piece.kind === 'kept' ? piece.end - piece.start : piece.text.length;

/** Splits `pieces` so that a piece boundary falls at `offset` (in current coordinates). */
function splitAt(pieces: Piece[], offset: number): number {
  let position = 0;
  for (let i = 0; i < pieces.length; i++) {
    const piece = pieces[i] as Piece;
    const length = pieceLength(piece);
    if (offset === position) return i;
    if (offset < position + length) {
      const cut = offset - position;
      const [left, right]: [Piece, Piece] =
        piece.kind === 'kept'
          ? [
              { kind: 'kept', start: piece.start, end: piece.start + cut },
              { kind: 'kept', start: piece.start + cut, end: piece.end },
            ]
          : [
              { kind: 'new', text: piece.text.slice(0, cut) },
              { kind: 'new', text: piece.text.slice(cut) },
            ];
      pieces.splice(i, 1, left, right);
      return i + 1;
    }
    position += length;
  }
  if (offset !== position) {
    throw new RangeError(`offset ${offset} is beyond the text's length ${position}`);
  }
  return pieces.length;
}

/**
 * Composes sequential splices on a text of `length` units into non-overlapping replacements
 * of the original text, sorted by position — the form Monaco's `applyEdits` takes, so that a
 * whole remote change lands as one batch.
 */
export function composeSplices(length: number, splices: readonly Splice[]): ReplaceEdit[] {
  const pieces: Piece[] = length > 0 ? [{ kind: 'kept', start: 0, end: length }] : [];
  for (const splice of splices) {
    const from = splitAt(pieces, splice.index);
    const to = splitAt(pieces, splice.index + splice.deleteCount);
    const inserted: Piece[] = splice.insert ? [{ kind: 'new', text: splice.insert }] : [];
    pieces.splice(from, to - from, ...inserted);
  }

  const edits: ReplaceEdit[] = [];
  let original = 0;
  let pending: ReplaceEdit | null = null;
  for (const piece of pieces) {
    if (piece.kind === 'new') {
      pending ??= { start: original, end: original, text: '' };
      pending.text += piece.text;
      continue;
    }
    if (piece.start > original) {
      pending ??= { start: original, end: original, text: '' };
      pending.end = piece.start;
    }
    if (pending) edits.push(pending);
    pending = null;
    original = piece.end;
  }
  if (original < length) {
    pending ??= { start: original, end: original, text: '' };
    pending.end = length;
  }
  if (pending) edits.push(pending);
  return edits.filter((edit) => edit.end > edit.start || edit.text.length > 0);
}

/** Applies splices to a string in order (what Automerge does to its text). */
export function applySplices(text: string, splices: readonly Splice[]): string {
  return splices.reduce(
    (result, splice) =>
      result.slice(0, splice.index) +
      splice.insert +
      result.slice(splice.index + splice.deleteCount),
    text,
  );
}

/** Applies simultaneous replacements given in original coordinates (what Monaco does). */
export function applyEdits(text: string, edits: readonly ReplaceEdit[]): string {
  return [...edits]
    .sort((a, b) => b.start - a.start)
    .reduce(
      (result, edit) => result.slice(0, edit.start) + edit.text + result.slice(edit.end),
      text,
    );
}

/**
 * Where an offset ends up after the splices. An insertion exactly at the offset pushes it along
 * when `stickToEnd` (a collaborator typing at my caret), otherwise leaves it before the insert.
 */
export function transformOffset(offset: number, splices: readonly Splice[], stickToEnd = true) {
  let result = offset;
  for (const splice of splices) {
    const end = splice.index + splice.deleteCount;
    if (result > end || (result === end && splice.deleteCount > 0)) {
      result += splice.insert.length - splice.deleteCount;
    } else if (result > splice.index) {
      result = splice.index + (stickToEnd ? splice.insert.length : 0);
    } else if (result === splice.index && stickToEnd && splice.deleteCount === 0) {
      result += splice.insert.length;
    }
  }
  return result;
}
