import type { DocHandle, DocumentId } from '@automerge/automerge-repo/slim';
import { useEffect, useMemo, useRef, useState } from 'react';
import { api } from '../../api/client';
import type { TextFileDoc } from '../../editor/binding';
import { useRepoContext } from '../../sync/useRepo';
import { compileQuery, searchFiles, type SearchOutcome, type SearchQuery } from './fileSearch';
import type { FileEntry } from './fileTree';

export type FileSearchState =
  | { status: 'idle' }
  | { status: 'invalid'; message: string }
  | { status: 'searching' | 'done'; outcome: SearchOutcome | null }
  | { status: 'error'; message: string };

/** Wait this long after the last keystroke before searching. */
const DEBOUNCE_MS = 250;
/** A file fetched from the server is reused for this long by the next queries. */
const CACHE_MS = 30_000;
/** Larger text files are not searched (their size as the file tree last recorded it). */
export const MAX_SEARCH_FILE_BYTES = 2_000_000;

/**
 * Searches the project's text files for `query`. Files open in this browser are read from their
 * live documents (what everyone sees now, offline edits included); the others through the files
 * API, a few at a time. A new query cancels the search under way.
 */
export function useFileSearch(
  projectId: string,
  files: Readonly<Record<string, FileEntry>>,
  query: SearchQuery,
): FileSearchState {
  const { repo } = useRepoContext();
  const [state, setState] = useState<{ key: string; state: FileSearchState } | null>(null);
  const cache = useRef(new Map<string, { docUrl: string; text: string; at: number }>());
  const filesRef = useRef(files);
  useEffect(() => {
    filesRef.current = files;
  });
  const { text, regex, caseSensitive } = query;
  const key = JSON.stringify([projectId, text, regex, caseSensitive]);
  const pattern = useMemo(
    () => compileQuery({ text, regex, caseSensitive }),
    [text, regex, caseSensitive],
  );

  useEffect(() => {
    if (!(pattern instanceof RegExp)) return;
    const set = (next: FileSearchState) => {
      if (!controller.signal.aborted) setState({ key, state: next });
    };
    const controller = new AbortController();
    const entries = filesRef.current;
    const paths = Object.keys(entries)
      .filter((path) => {
        const entry = entries[path];
        return entry?.kind === 'text' && entry.size <= MAX_SEARCH_FILE_BYTES;
      })
      .sort();
    const read = async (path: string, signal: AbortSignal): Promise<string | null> => {
      const entry = entries[path];
      if (!entry) return null;
      const documentId = entry.docUrl.replace(/^automerge:/, '') as DocumentId;
      const handle = repo?.handles[documentId] as DocHandle<TextFileDoc> | undefined;
      if (handle?.isReady()) {
        const content = handle.doc().content;
        return typeof content === 'string' ? content : null;
      }
      const cached = cache.current.get(path);
      if (cached && cached.docUrl === entry.docUrl && Date.now() - cached.at < CACHE_MS) {
        return cached.text;
      }
      const fetched = await api.files.text(projectId, path, signal);
      if (fetched === null) return null; // deleted since the tree was read
      cache.current.set(path, { docUrl: entry.docUrl, text: fetched, at: Date.now() });
      return fetched;
    };
    const timer = setTimeout(() => {
      searchFiles(paths, read, pattern, controller.signal, (outcome) => {
        set({ status: 'searching', outcome });
      }).then(
        (outcome) => {
          set({ status: 'done', outcome });
        },
        (error: unknown) => {
          set({ status: 'error', message: error instanceof Error ? error.message : String(error) });
        },
      );
    }, DEBOUNCE_MS);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [projectId, repo, pattern, key]);

  if (pattern === null) return { status: 'idle' };
  if (typeof pattern === 'string') return { status: 'invalid', message: pattern };
  return state?.key === key ? state.state : { status: 'searching', outcome: null };
}
