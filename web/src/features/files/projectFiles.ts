import type { DocHandle, Repo } from '@automerge/automerge-repo/slim';
import type { TextFileDoc } from '../../editor/binding';
import { movesFor, pathsUnder, type FileEntry, type ProjectRootDoc } from './fileTree';

/**
 * Changes to the project's file tree, all made in its root document so that everyone sees them
 * at once. A file's content lives in its own document; the tree only points at it.
 */

/** Creates an empty text file at `path` and returns its document's URL. */
export function createTextFile(repo: Repo, root: DocHandle<ProjectRootDoc>, path: string): string {
  const file = repo.create<TextFileDoc>({ content: '' });
  root.change((doc) => {
    doc.files[path] = { docUrl: file.url, kind: 'text', size: 0 };
  });
  return file.url;
}

function copyEntry(entry: FileEntry): FileEntry {
  const copy: FileEntry = { docUrl: entry.docUrl, kind: entry.kind, size: entry.size };
  if (entry.blobId !== undefined) copy.blobId = entry.blobId;
  return copy;
}

/** Renames a file, or a folder with everything in it; returns the [old, new] path pairs. */
export function movePath(
  root: DocHandle<ProjectRootDoc>,
  from: string,
  to: string,
): [string, string][] {
  const moves = movesFor(from, to, Object.keys(root.doc().files));
  root.change((doc) => {
    const copies = moves.map(([old]) => {
      const entry = doc.files[old];
      return entry ? copyEntry(entry) : undefined;
    });
    for (const [old] of moves) Reflect.deleteProperty(doc.files, old);
    moves.forEach(([, renamed], i) => {
      const copy = copies[i];
      if (copy) doc.files[renamed] = copy;
    });
  });
  return moves;
}

/** Removes a file, or a folder with everything in it, from the tree; returns the paths removed. */
export function deletePath(root: DocHandle<ProjectRootDoc>, target: string): string[] {
  const removed = pathsUnder(target, Object.keys(root.doc().files));
  root.change((doc) => {
    for (const path of removed) Reflect.deleteProperty(doc.files, path);
  });
  return removed;
}
