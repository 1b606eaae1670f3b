/** What the local editor shows, for features (the assistant) that send it as context. */
export interface EditorSelection {
  path: string;
  /** The selected text; empty when nothing is selected. */
  text: string;
}

let current: EditorSelection | null = null;

/** Called by the editor whenever the file or the selection changes. */
export function setEditorSelection(selection: EditorSelection | null): void {
  current = selection;
}

/** The file and selection on screen now, read when it is needed rather than on every change. */
export function editorSelection(): EditorSelection | null {
  return current;
}
