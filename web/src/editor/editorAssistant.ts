import type { editor } from 'monaco-editor/editor';
import { CODE_ACTIONS, requestCodeAction, setCursorInserter } from './editorActions';
import { editorSelection } from './editorSelection';
import { monaco } from './monaco';

/**
 * Adds the assistant's code actions to the editor's context menu and lets the assistant insert
 * at the caret. Returns what undoes both.
 */
export function attachEditorAssistant(view: editor.IStandaloneCodeEditor): () => void {
  const added = CODE_ACTIONS.map(({ action, label }, order) =>
    view.addAction({
      id: `ensemble.ai.${action}`,
      label: `Assistant: ${label}`,
      contextMenuGroupId: '0_assistant',
      contextMenuOrder: order,
      run: () => {
        const shown = editorSelection();
        if (shown) requestCodeAction({ action, path: shown.path, selection: shown.text });
      },
    }),
  );
  setCursorInserter((text) => {
    const selection = view.getSelection();
    if (!view.getModel() || !selection || view.getOption(monaco.editor.EditorOption.readOnly)) {
      return false;
    }
    // An ordinary edit of the model: the binding turns it into the document change everyone sees.
    view.executeEdits('assistant', [{ range: selection, text, forceMoveMarkers: true }]);
    view.focus();
    return true;
  });
  return () => {
    added.forEach((action) => {
      action.dispose();
    });
    setCursorInserter(null);
  };
}
