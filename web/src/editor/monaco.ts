/**
 * Monaco, bundled: the core editor, its standard features and syntax highlighting for every
 * language it knows. The editor worker is bundled by Vite (`?worker`), so nothing is fetched from
 * a CDN. Language services (TypeScript, JSON, CSS, HTML workers) are left out to keep the
 * bundle small; highlighting does not need them.
 */
import * as monaco from 'monaco-editor/editor';
import 'monaco-editor/features/register.all';
import 'monaco-editor/languages/definitions/register.all';
import EditorWorker from 'monaco-editor/editor/editor.worker?worker';

self.MonacoEnvironment = {
  getWorker: () => new EditorWorker(),
};

/** The theme of every Monaco view (editors, diffs, highlighted answers): the system's scheme. */
export const monacoTheme = () =>
  window.matchMedia('(prefers-color-scheme: dark)').matches ? 'vs-dark' : 'vs';

export { monaco };
