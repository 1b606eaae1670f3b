/** The project's root document: its name and its file tree (path → where the content lives). */
export interface ProjectRootDoc {
  name: string;
  files: Record<string, FileEntry>;
}

export interface FileEntry {
  docUrl: string;
  kind: 'text' | 'binary';
  size: number;
  blobId?: string;
}

export type TreeNode = FolderNode | FileNode;

export interface FolderNode {
  type: 'folder';
  name: string;
  path: string;
  children: TreeNode[];
}

export interface FileNode {
  type: 'file';
  name: string;
  path: string;
}

/** Nests flat paths ("src/app/main.py") into folders, folders first, then by name. */
export function buildFileTree(paths: Iterable<string>): TreeNode[] {
  const root: FolderNode = { type: 'folder', name: '', path: '', children: [] };
  for (const path of paths) {
    const parts = path.split('/').filter(Boolean);
    let folder = root;
    parts.forEach((name, i) => {
      const nodePath = parts.slice(0, i + 1).join('/');
      if (i === parts.length - 1) {
        folder.children.push({ type: 'file', name, path: nodePath });
        return;
      }
      let next = folder.children.find(
        (child): child is FolderNode => child.type === 'folder' && child.name === name,
      );
      if (!next) {
        next = { type: 'folder', name, path: nodePath, children: [] };
        folder.children.push(next);
      }
      folder = next;
    });
  }
  sortTree(root.children);
  return root.children;
}

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

function sortTree(nodes: TreeNode[]) {
  nodes.sort((a, b) =>
    a.type === b.type ? collator.compare(a.name, b.name) : a.type === 'folder' ? -1 : 1,
  );
  for (const node of nodes) if (node.type === 'folder') sortTree(node.children);
}

/**
 * Why `path` cannot name a new file (or a renamed one), or null when it can. Paths are relative,
 * "/"-separated, without empty, "." or ".." segments, and must not clash with a file or folder.
 */
export function pathProblem(path: string, existing: Iterable<string>): string | null {
  if (!path.trim()) return 'Enter a file name.';
  if (path !== path.trim()) return 'A file name cannot start or end with spaces.';
  if (path.startsWith('/')) return 'Use a path relative to the project, without a leading “/”.';
  if (path.length > 1024) return 'That path is too long.';
  if (/[\\\p{Cc}]/u.test(path)) return 'A path cannot contain control characters or “\\”.';
  const segments = path.split('/');
  if (segments.some((segment) => segment === '')) return 'A path cannot contain empty folders.';
  if (segments.some((segment) => segment === '.' || segment === '..')) {
    return 'A path cannot contain “.” or “..” folders.';
  }
  for (const other of existing) {
    if (other === path) return 'A file with that name already exists.';
    if (other.startsWith(path + '/')) return 'A folder with that name already exists.';
    if (path.startsWith(other + '/')) return `“${other}” is a file, not a folder.`;
  }
  return null;
}

/**
 * The renames that moving `from` (a file or a whole folder) to `to` implies, as [old, new] pairs.
 */
export function movesFor(from: string, to: string, paths: Iterable<string>): [string, string][] {
  const moves: [string, string][] = [];
  for (const path of paths) {
    if (path === from) moves.push([path, to]);
    else if (path.startsWith(from + '/')) moves.push([path, to + path.slice(from.length)]);
  }
  return moves;
}

/** The paths a delete of `target` (a file or a whole folder) removes. */
export function pathsUnder(target: string, paths: Iterable<string>): string[] {
  return [...paths].filter((path) => path === target || path.startsWith(target + '/'));
}

/** The folder a path sits in ("" for the top level). */
export function parentOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '' : path.slice(0, slash);
}

/** `name` inside `folder` ("" for the top level). */
export function joinPath(folder: string, name: string): string {
  return folder ? `${folder}/${name}` : name;
}

/** What dropping a file or folder onto a folder means: the renames, or why it cannot be done. */
export type DropPlan =
  | { kind: 'none' }
  | { kind: 'refused'; problem: string }
  | { kind: 'move'; moves: [string, string][] };

/**
 * The renames that dragging `source` (a file, or a folder with every file below it) into
 * `folder` ("" for the top level) implies, checked against the other files before anything is
 * sent, so that a clash is explained instead of half a folder moving.
 */
export function planDrop(source: string, folder: string, paths: readonly string[]): DropPlan {
  const target = joinPath(folder, source.split('/').pop() ?? source);
  if (target === source || parentOf(source) === folder) return { kind: 'none' };
  if (folder === source || folder.startsWith(source + '/')) {
    return { kind: 'refused', problem: `“${source}” cannot be moved into itself.` };
  }
  const moves = movesFor(source, target, paths);
  if (moves.length === 0) return { kind: 'refused', problem: `“${source}” no longer exists.` };
  const moving = new Set(moves.map(([from]) => from));
  const others = paths.filter((path) => !moving.has(path));
  for (const other of others) {
    if (other === target) {
      return { kind: 'refused', problem: `A file “${target}” already exists.` };
    }
    if (other.startsWith(target + '/')) {
      return {
        kind: 'refused',
        problem: `A folder “${target}” already exists; move or rename one of them first.`,
      };
    }
  }
  return { kind: 'move', moves };
}

/** A file picked or dropped for upload, with its path relative to where it was dropped. */
export interface UploadCandidate {
  /** "notes.txt", or "assets/logo.png" for a file inside a dropped folder. */
  relativePath: string;
  size: number;
}

export interface UploadPlan<T extends UploadCandidate> {
  /** Files to send, each with its path in the project. */
  uploads: { path: string; file: T; replaces: boolean }[];
  /** Files that cannot go where they were dropped, with the reason. */
  refused: { name: string; problem: string }[];
}

/**
 * Where uploading `files` into `folder` puts each one. A file at an existing path replaces its
 * content (the caller asks first); a path that clashes with a folder, or is not a valid path, is
 * refused with the reason.
 */
export function planUpload<T extends UploadCandidate>(
  files: readonly T[],
  folder: string,
  paths: readonly string[],
): UploadPlan<T> {
  const plan: UploadPlan<T> = { uploads: [], refused: [] };
  const existing = new Set(paths);
  const taken = new Set<string>();
  for (const file of files) {
    const path = joinPath(folder, file.relativePath);
    if (taken.has(path)) continue;
    const others = paths.filter((other) => other !== path);
    const problem = pathProblem(path, [...others, ...taken]);
    if (problem) {
      plan.refused.push({ name: file.relativePath, problem });
      continue;
    }
    taken.add(path);
    plan.uploads.push({ path, file, replaces: existing.has(path) });
  }
  return plan;
}
