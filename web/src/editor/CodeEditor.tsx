import { setEditorSelection } from './editorSelection';
import { splice } from '@automerge/automerge/slim';
import type { DocHandle } from '@automerge/automerge-repo/slim';
import type { editor } from 'monaco-editor/editor';
import { useEffect, useRef, useState } from 'react';
import type { CursorRange } from '../sync/presence';
import { usePresence, type LocalPresence } from '../sync/usePresence';
import { attachEditorAssistant } from './editorAssistant';
import { bindModel, lineEndingFixes, type ModelBinding, type TextFileDoc } from './binding';
import { LocalHistory } from './history';
import { attachInlineCompletions } from './inlineCompletions';
import { monaco, monacoTheme } from './monaco';
import { RemoteCursors } from './remoteCursors';

/** An open text file: its path in the project, its document's URL and live handle. */
export interface OpenTextFile {
  path: string;
  docUrl: string;
  handle: DocHandle<TextFileDoc>;
}

export interface CodeEditorProps {
  /** The file on screen; null while the active tab's document loads or a binary file shows. */
  file: OpenTextFile | null;
  /** Documents of every open tab; models of the others are disposed. */
  openDocUrls: readonly string[];
  readOnly: boolean;
  me: Omit<LocalPresence, 'file' | 'cursor'>;
  /** The project whose assistant offers ghost text while the file is writable; none without it. */
  completionsFor?: string | undefined;
  /** Selects this range of the file at `path` once it is on screen (a new `key` asks again). */
  reveal?: EditorReveal | null;
  /** The user whose cursor the view keeps in sight (follow mode). */
  followUserId?: string | null;
  /** The local user clicked into the editor, which ends follow mode. */
  onTakeOver?: () => void;
}

/** A range to select and scroll to, in UTF-16 offsets of the file's text. */
export interface EditorReveal {
  path: string;
  start: number;
  end: number;
  key: number;
}

interface Entry {
  model: editor.ITextModel;
  binding: ModelBinding;
  handle: DocHandle<TextFileDoc>;
  history: LocalHistory;
  viewState: editor.ICodeEditorViewState | null;
}

function cursorOf(model: editor.ITextModel, selection: monaco.Selection): CursorRange {
  return {
    anchor: model.getOffsetAt(selection.getSelectionStart()),
    head: model.getOffsetAt(selection.getPosition()),
  };
}

/**
 * The Monaco editor for the project's open text files: one editor, one model per open tab
 * (so each keeps its own undo history and scroll position), each model bound to its document.
 * Publishes this user's caret on the file's document and draws everyone else's.
 */
export default function CodeEditor({
  file,
  openDocUrls,
  readOnly,
  me,
  completionsFor,
  reveal,
  followUserId,
  onTakeOver,
}: CodeEditorProps) {
  const container = useRef<HTMLDivElement>(null);
  const [view, setView] = useState<editor.IStandaloneCodeEditor | null>(null);
  const entries = useRef(new Map<string, Entry>());
  const [cursor, setCursor] = useState<{ docUrl: string; range: CursorRange } | null>(null);
  const [inexact, setInexact] = useState<ReadonlySet<string>>(new Set());

  useEffect(() => {
    const node = container.current;
    if (!node) return;
    const created = monaco.editor.create(node, {
      model: null,
      automaticLayout: true,
      fontSize: 14,
      minimap: { enabled: false },
      scrollBeyondLastLine: false,
      theme: monacoTheme(),
      tabSize: 4,
    });
    const models = entries.current;
    // Undo and redo take back this user's own edits only, wherever others have moved the text.
    const replay = (direction: 'undo' | 'redo') => {
      const model = created.getModel();
      const entry = [...models.values()].find((candidate) => candidate.model === model);
      if (!model || !entry || created.getOption(monaco.editor.EditorOption.readOnly)) return;
      const caret = entry.history[direction](entry.handle);
      if (caret !== null) created.setPosition(model.getPositionAt(caret));
    };
    const { KeyMod, KeyCode } = monaco;
    created.addCommand(KeyMod.CtrlCmd | KeyCode.KeyZ, () => {
      replay('undo');
    });
    for (const keys of [
      KeyMod.CtrlCmd | KeyMod.Shift | KeyCode.KeyZ,
      KeyMod.CtrlCmd | KeyCode.KeyY,
    ]) {
      created.addCommand(keys, () => {
        replay('redo');
      });
    }
    const detachAssistant = attachEditorAssistant(created);
    setView(created);
    return () => {
      detachAssistant();
      created.dispose();
      for (const entry of models.values()) {
        entry.binding.dispose();
        entry.model.dispose();
      }
      models.clear();
    };
  }, []);

  const docUrl = file?.docUrl ?? null;
  const handle = file?.handle ?? null;
  const path = file?.path ?? null;

  // Show the active file's model, creating and binding it on first sight.
  useEffect(() => {
    if (!view) return;
    if (docUrl === null || handle === null || path === null) {
      view.setModel(null);
      return;
    }
    const models = entries.current;
    let entry = models.get(docUrl);
    if (entry && entry.handle !== handle) {
      entry.binding.dispose();
      entry.model.dispose();
      models.delete(docUrl);
      entry = undefined;
    }
    if (!entry) {
      const content = handle.doc().content;
      const uri = monaco.Uri.from({
        scheme: 'ensemble',
        authority: docUrl.replace(/^automerge:/, ''),
        path: '/' + path,
      });
      monaco.editor.getModel(uri)?.dispose();
      const model = monaco.editor.createModel(
        typeof content === 'string' ? content : '',
        undefined,
        uri,
      );
      const history = new LocalHistory();
      const binding = bindModel(model, handle, {
        history,
        editor: () => view,
        onExactnessChange: (exact) => {
          setInexact((current) => {
            const next = new Set(current);
            if (exact) next.delete(docUrl);
            else next.add(docUrl);
            return next;
          });
        },
      });
      entry = { model, binding, handle, history, viewState: null };
      models.set(docUrl, entry);
    }
    const shown = entry;
    view.setModel(shown.model);
    if (shown.viewState) view.restoreViewState(shown.viewState);
    const selection = view.getSelection();
    if (selection) setCursor({ docUrl, range: cursorOf(shown.model, selection) });
    setEditorSelection({ path, text: '' });
    const cursorEvents = view.onDidChangeCursorSelection((event) => {
      setCursor({ docUrl, range: cursorOf(shown.model, event.selection) });
      setEditorSelection({ path, text: shown.model.getValueInRange(event.selection) });
    });
    return () => {
      cursorEvents.dispose();
      setEditorSelection(null);
      shown.viewState = view.saveViewState();
    };
  }, [view, docUrl, handle, path]);

  // Jump to a search result (or anything else asked for) once its file is the one shown.
  const revealed = useRef(0);
  useEffect(() => {
    if (!view || !reveal || reveal.key === revealed.current || reveal.path !== path) return;
    const model = view.getModel();
    if (!model || docUrl === null || entries.current.get(docUrl)?.model !== model) return;
    revealed.current = reveal.key;
    const start = model.getPositionAt(reveal.start);
    const end = model.getPositionAt(reveal.end);
    const range = new monaco.Selection(start.lineNumber, start.column, end.lineNumber, end.column);
    view.setSelection(range);
    view.revealRangeInCenter(range);
    view.focus();
  }, [view, reveal, path, docUrl]);

  const takeOver = useRef(onTakeOver);
  useEffect(() => {
    takeOver.current = onTakeOver;
  });
  useEffect(() => {
    if (!view) return;
    const mouse = view.onMouseDown(() => takeOver.current?.());
    return () => {
      mouse.dispose();
    };
  }, [view]);

  // Let go of the models of tabs that were closed.
  const openKey = openDocUrls.join('\n');
  useEffect(() => {
    const open = new Set(openKey.split('\n'));
    for (const [docUrl, entry] of entries.current) {
      if (open.has(docUrl)) continue;
      entry.binding.dispose();
      entry.model.dispose();
      entries.current.delete(docUrl);
    }
  }, [openKey]);

  useEffect(() => {
    if (!view || completionsFor === undefined || readOnly) return;
    const completions = attachInlineCompletions(view, completionsFor);
    return () => {
      completions.dispose();
    };
  }, [view, completionsFor, readOnly]);

  const exact = docUrl === null || !inexact.has(docUrl);
  useEffect(() => {
    view?.updateOptions({
      readOnly: readOnly || !exact,
      ariaLabel: path === null ? 'Editor' : `Contents of ${path}`,
    });
  }, [view, readOnly, exact, path]);

  const range = cursor !== null && cursor.docUrl === docUrl ? cursor.range : undefined;
  const peers = usePresence(handle, {
    ...me,
    ...(path === null ? {} : { file: path }),
    ...(range ? { cursor: range } : {}),
  });

  const remote = useRef<RemoteCursors | null>(null);
  useEffect(() => {
    if (!view) return;
    const cursors = new RemoteCursors(view);
    remote.current = cursors;
    return () => {
      cursors.dispose();
      remote.current = null;
    };
  }, [view]);
  useEffect(() => {
    const redraw = () => {
      const here = [...peers.values()].filter((peer) => peer.file === path);
      remote.current?.update(here);
      // Follow mode: keep the followed person's caret in view as it moves.
      const followed = here.find((peer) => peer.userId === followUserId && peer.cursor);
      const model = view?.getModel();
      if (followed?.cursor && model && view) {
        const head = model.getPositionAt(Math.min(followed.cursor.head, model.getValueLength()));
        view.revealPositionInCenterIfOutsideViewport(head);
      }
    };
    redraw();
    // Edits move text under the others' carets; redraw them at their offsets.
    handle?.on('change', redraw);
    return () => {
      handle?.off('change', redraw);
    };
  }, [handle, path, peers, view, followUserId]);

  return (
    <div className="code-editor">
      {!exact && handle && (
        <div className="alert editor-notice" role="status">
          This file mixes line endings (LF and CRLF), which the editor cannot show exactly, so it is
          read-only here.
          {!readOnly && (
            <button
              type="button"
              className="button"
              onClick={() => {
                handle.change((doc) => {
                  for (const fix of lineEndingFixes(doc.content)) {
                    splice(doc, ['content'], fix.index, fix.deleteCount, fix.insert);
                  }
                });
              }}
            >
              Convert to LF
            </button>
          )}
        </div>
      )}
      <div ref={container} className="code-editor-surface" data-testid="code-editor" />
    </div>
  );
}
