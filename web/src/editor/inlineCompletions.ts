/**
 * Ghost text in Monaco: an inline completions provider backed by the server's
 * `POST .../ai/complete`. Suggestions are this editor's own UI state; nothing reaches the
 * document (or anyone else) until the user accepts one — Tab for all of it, Ctrl+→ (Cmd+→) word by
 * word, Monaco's own keybindings — and then it is an ordinary local edit.
 */
import type { editor, IDisposable } from 'monaco-editor/editor';
import { api } from '../api/client';
import {
  fitToLine,
  InlineCompleter,
  MAX_PREFIX_CHARS,
  MAX_SUFFIX_CHARS,
} from '../features/ai/inlineCompletion';
import { monaco } from './monaco';

/** Offers completions in `view` for the files of `projectId` while it is writable. */
export function attachInlineCompletions(
  view: editor.IStandaloneCodeEditor,
  projectId: string,
): IDisposable {
  const completer = new InlineCompleter((body, signal) => api.ai.complete(projectId, body, signal));
  return monaco.languages.registerInlineCompletionsProvider('*', {
    displayName: 'Ensemble assistant',
    provideInlineCompletions: async (model, position, _context, token) => {
      // Providers are global in Monaco: answer for this editor's file only.
      if (model !== view.getModel() || view.getOption(monaco.editor.EditorOption.readOnly)) {
        return { items: [] };
      }
      const offset = model.getOffsetAt(position);
      const from = model.getPositionAt(Math.max(0, offset - MAX_PREFIX_CHARS));
      const to = model.getPositionAt(Math.min(model.getValueLength(), offset + MAX_SUFFIX_CHARS));
      const prefix = model.getValueInRange(monaco.Range.fromPositions(from, position));
      const suffix = model.getValueInRange(monaco.Range.fromPositions(position, to));
      const text = await completer.suggest(
        {
          path: model.uri.path.replace(/^\//, ''),
          language: model.getLanguageId(),
          prefix,
          suffix,
        },
        token,
      );
      if (!text || token.isCancellationRequested) return { items: [] };
      const restOfLine = model.getLineContent(position.lineNumber).slice(position.column - 1);
      const at = monaco.Range.fromPositions(position, position);
      return { items: [{ insertText: fitToLine(text, restOfLine), range: at }] };
    },
    disposeInlineCompletions: () => {
      // nothing is held per list
    },
  });
}
