import { useEffect, useState, type SubmitEvent } from 'react';
import type { CodeActionRequest } from '../../api/client';
import {
  CODE_ACTIONS,
  onCodeActionRequest,
  type CodeActionRequest as EditorRequest,
} from '../../editor/editorActions';
import { editorSelection } from '../../editor/editorSelection';

/**
 * The assistant's code actions on the file and selection on screen: from these buttons or from
 * the editor's context menu. Refactor asks what to do first.
 */
export function CodeActionsBar({
  disabled,
  onRun,
}: {
  disabled: boolean;
  onRun: (request: CodeActionRequest) => void;
}) {
  const [refactoring, setRefactoring] = useState<EditorRequest | null>(null);
  const [instruction, setInstruction] = useState('');
  const [note, setNote] = useState<string | null>(null);

  const choose = (request: EditorRequest) => {
    setNote(null);
    if (request.action === 'refactor') {
      setRefactoring(request);
      return;
    }
    onRun({
      action: request.action,
      path: request.path,
      ...(request.selection ? { selection: request.selection } : {}),
    });
  };

  useEffect(() => onCodeActionRequest(choose));

  const submit = (event: SubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!refactoring) return;
    onRun({
      action: 'refactor',
      path: refactoring.path,
      ...(refactoring.selection ? { selection: refactoring.selection } : {}),
      ...(instruction.trim() ? { instruction: instruction.trim() } : {}),
    });
    setRefactoring(null);
    setInstruction('');
  };

  return (
    <div className="ai-actions">
      <div role="toolbar" aria-label="Code actions">
        {CODE_ACTIONS.map(({ action, label }) => (
          <button
            key={action}
            type="button"
            className="button"
            disabled={disabled}
            onClick={() => {
              const shown = editorSelection();
              if (!shown) {
                setNote('Open a file in the editor first.');
                return;
              }
              choose({ action, path: shown.path, selection: shown.text });
            }}
          >
            {label}
          </button>
        ))}
      </div>
      {note && (
        <p className="muted" role="status">
          {note}
        </p>
      )}
      {refactoring && (
        <form className="ai-refactor" onSubmit={submit}>
          <label>
            Refactor {refactoring.selection ? 'the selection in ' : ''}
            {refactoring.path}:
            <input
              type="text"
              value={instruction}
              placeholder="e.g. rename parseDate to parseIsoDate"
              onChange={(e) => {
                setInstruction(e.target.value);
              }}
            />
          </label>
          <button type="submit" className="button button-primary" disabled={disabled}>
            Refactor
          </button>
          <button
            type="button"
            className="button"
            onClick={() => {
              setRefactoring(null);
            }}
          >
            Cancel
          </button>
        </form>
      )}
    </div>
  );
}
