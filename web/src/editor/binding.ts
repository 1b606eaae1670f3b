import { splice } from '@automerge/automerge/slim';
import type { DocHandle, DocHandleChangePayload } from '@automerge/automerge-repo/slim';
import type { editor, IDisposable, IRange, ISelection } from 'monaco-editor/editor';
import type { LocalHistory } from './history';
import {
  composeSplices,
  splicesFromContentChanges,
  splicesFromPatches,
  transformOffset,
  type Splice,
} from './textOps';

/** A text file's document: its text is an Automerge text object, edited by splices only. */
export interface TextFileDoc {
  content: string;
}

export interface BindingOptions {
  /** Records this user's edits for their own undo/redo. */
  history?: LocalHistory;
  /** The editor showing the model, if any: its selections are carried across remote edits. */
  editor?: () => editor.ICodeEditor | null;
  /**
   * Told whether the model mirrors the text exactly (see {@link ModelBinding}): at once when it
   * does not from the start, then whenever that changes.
   */
  onExactnessChange?: (exact: boolean) => void;
}

/** A live link between one Monaco model and one Automerge text document. */
export interface ModelBinding extends IDisposable {
  /**
   * False when Monaco had to normalise the text's line endings (a file mixing LF and CRLF):
   * offsets would no longer agree, so local edits must stop until the text is normalised.
   */
  readonly exact: boolean;
}

function rangeOf(model: editor.ITextModel, start: number, end: number): IRange {
  const from = model.getPositionAt(start);
  const to = model.getPositionAt(end);
  return {
    startLineNumber: from.lineNumber,
    startColumn: from.column,
    endLineNumber: to.lineNumber,
    endColumn: to.column,
  };
}

/** The model's text matches the document's, checking fully only when line breaks moved. */
function mirrors(model: editor.ITextModel, content: string, lineBreaksTouched: boolean): boolean {
  if (model.getValueLength() !== content.length) return false;
  return !lineBreaksTouched || model.getValue() === content;
}

/**
 * Binds `model` to `handle`'s `content` text. Local edits become one `handle.change` of splices
 * per Monaco content-change event; remote patches become one `applyEdits` batch, guarded so
 * they do not come back as local edits, with the editor's selections carried across them.
 * The caller creates the model with the document's current text.
 */
export function bindModel(
  model: editor.ITextModel,
  handle: DocHandle<TextFileDoc>,
  options: BindingOptions = {},
): ModelBinding {
  let applyingRemote = false;
  let applyingLocal = false;
  let exact = model.getValue() === textOf(handle.doc());

  const setExact = (value: boolean) => {
    if (exact === value) return;
    exact = value;
    options.onExactnessChange?.(value);
  };

  if (!exact) options.onExactnessChange?.(false);

  const localEdits = model.onDidChangeContent((event) => {
    if (applyingRemote || !exact) return;
    const splices = splicesFromContentChanges(event.changes);
    if (splices.length === 0) return;
    const before = handle.doc();
    applyingLocal = true;
    try {
      handle.change((doc) => {
        if (typeof doc.content !== 'string') doc.content = '';
        for (const s of splices) splice(doc, ['content'], s.index, s.deleteCount, s.insert);
      });
    } finally {
      applyingLocal = false;
    }
    if (typeof before.content === 'string') options.history?.record(before, handle.doc(), splices);
  });

  const remotely = (apply: () => void) => {
    applyingRemote = true;
    try {
      apply();
    } finally {
      applyingRemote = false;
    }
  };

  const onChange = ({ doc, patches }: DocHandleChangePayload<TextFileDoc>) => {
    if (applyingLocal) return;
    const content = textOf(doc);
    const resync = () => {
      remotely(() => {
        replaceAll(model, content);
      });
      setExact(model.getValue() === content);
    };
    if (!exact) {
      resync();
      return;
    }
    const splices = splicesFromPatches(patches, model.getValueLength());
    if (splices.length === 0) return;
    remotely(() => {
      applyRemote(model, splices, options.editor?.() ?? null);
    });
    const lineBreaksTouched = splices.some((s) => /[\r\n]/.test(s.insert) || s.deleteCount > 0);
    if (!mirrors(model, content, lineBreaksTouched)) resync();
  };
  handle.on('change', onChange);

  return {
    get exact() {
      return exact;
    },
    dispose() {
      localEdits.dispose();
      handle.off('change', onChange);
    },
  };
}

function textOf(doc: TextFileDoc | undefined): string {
  return typeof doc?.content === 'string' ? doc.content : '';
}

/** Applies remote splices as one batch of edits, then puts the editor's selections back. */
function applyRemote(
  model: editor.ITextModel,
  splices: readonly Splice[],
  view: editor.ICodeEditor | null,
) {
  const edits = composeSplices(model.getValueLength(), splices).map((edit) => ({
    range: rangeOf(model, edit.start, edit.end),
    text: edit.text,
  }));
  const attached = view?.getModel() === model ? view : null;
  const selections = attached?.getSelections()?.map((selection) => ({
    anchor: model.getOffsetAt({
      lineNumber: selection.selectionStartLineNumber,
      column: selection.selectionStartColumn,
    }),
    head: model.getOffsetAt({
      lineNumber: selection.positionLineNumber,
      column: selection.positionColumn,
    }),
  }));
  // applyEdits (unlike pushEditOperations) keeps remote edits out of this user's undo stack.
  model.applyEdits(edits);
  if (attached && selections) {
    attached.setSelections(
      selections.map(({ anchor, head }): ISelection => {
        const start = model.getPositionAt(transformOffset(anchor, splices));
        const end = model.getPositionAt(transformOffset(head, splices));
        return {
          selectionStartLineNumber: start.lineNumber,
          selectionStartColumn: start.column,
          positionLineNumber: end.lineNumber,
          positionColumn: end.column,
        };
      }),
    );
  }
}

function replaceAll(model: editor.ITextModel, content: string) {
  model.applyEdits([{ range: model.getFullModelRange(), text: content }]);
}

/**
 * Splices that turn every CRLF and lone CR into LF, so that a file mixing line endings can be
 * mirrored exactly by Monaco again. Highest offsets first, so they apply in order.
 */
export function lineEndingFixes(content: string): Splice[] {
  const fixes: Splice[] = [];
  for (let i = content.length - 1; i >= 0; i--) {
    if (content[i] !== '\r') continue;
    fixes.push(
      content[i + 1] === '\n'
        ? { index: i, deleteCount: 1, insert: '' }
        : { index: i, deleteCount: 1, insert: '\n' },
    );
  }
  return fixes;
}
