import type { editor } from 'monaco-editor/editor';
import { useEffect, useRef, useState } from 'react';
import { monaco, monacoTheme } from '../../editor/monaco';

export interface GitDiffEditorProps {
  path: string;
  /** The file at HEAD ('' when new). */
  original: string;
  /** The file now ('' when deleted). */
  modified: string;
}

/**
 * Monaco's diff editor, read-only, for one file: HEAD on the left, now on the right. The models
 * are kept while the path stays the same and only updated when a text changes, so a refreshed
 * diff keeps its scroll position.
 */
export default function GitDiffEditor({ path, original, modified }: GitDiffEditorProps) {
  const container = useRef<HTMLDivElement>(null);
  const [view, setView] = useState<editor.IStandaloneDiffEditor | null>(null);

  useEffect(() => {
    const node = container.current;
    if (!node) return;
    const created = monaco.editor.createDiffEditor(node, {
      readOnly: true,
      originalEditable: false,
      automaticLayout: true,
      fontSize: 13,
      minimap: { enabled: false },
      scrollBeyondLastLine: false,
      renderOverviewRuler: false,
      theme: monacoTheme(),
    });
    setView(created);
    return () => {
      const models = created.getModel();
      created.dispose();
      models?.original.dispose();
      models?.modified.dispose();
    };
  }, []);

  // New models for a new path (the URI's extension picks the language).
  useEffect(() => {
    if (!view) return;
    const uri = (side: string) =>
      monaco.Uri.from({ scheme: 'ensemble-diff', authority: side, path: '/' + path });
    const previous = view.getModel();
    view.setModel(null);
    previous?.original.dispose();
    previous?.modified.dispose();
    for (const side of ['original', 'modified']) monaco.editor.getModel(uri(side))?.dispose();
    view.setModel({
      original: monaco.editor.createModel('', undefined, uri('original')),
      modified: monaco.editor.createModel('', undefined, uri('modified')),
    });
  }, [view, path]);

  useEffect(() => {
    const models = view?.getModel();
    if (!models) return;
    if (models.original.getValue() !== original) models.original.setValue(original);
    if (models.modified.getValue() !== modified) models.modified.setValue(modified);
  }, [view, path, original, modified]);

  return <div ref={container} className="git-diff-editor" aria-label={`Diff of ${path}`} />;
}
