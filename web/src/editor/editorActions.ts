import type { CodeActionKind } from '../api/client';

/** A code action someone chose in the editor, on the file and selection shown then. */
export interface CodeActionRequest {
  action: CodeActionKind;
  path: string;
  selection: string;
}

type Listener = (request: CodeActionRequest) => void;
const listeners = new Set<Listener>();
let inserter: ((text: string) => boolean) | null = null;

/** Asks the assistant (whichever panel listens) to run an action. */
export function requestCodeAction(request: CodeActionRequest): void {
  listeners.forEach((listener) => {
    listener(request);
  });
}

/** Listens for code actions chosen in the editor; returns the unsubscribe function. */
export function onCodeActionRequest(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/**
 * Puts text at the caret (replacing the selection) of the file on screen, as the user's own
 * edit, so it reaches everyone like typing. False when no editable file is shown.
 */
export function insertAtCursor(text: string): boolean {
  return inserter ? inserter(text) : false;
}

/** Called by the editor: where text is inserted, or null when it goes away. */
export function setCursorInserter(insert: ((text: string) => boolean) | null): void {
  inserter = insert;
}

export const CODE_ACTIONS: readonly { action: CodeActionKind; label: string }[] = [
  { action: 'explain', label: 'Explain' },
  { action: 'tests', label: 'Write tests' },
  { action: 'fix', label: 'Fix last error' },
  { action: 'refactor', label: 'Refactor…' },
  { action: 'docs', label: 'Add docs' },
];
