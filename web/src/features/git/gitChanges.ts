import type { GitJob, GitStatus } from '../../api/client';

/** One letter per kind of change, as git tools write them; C is an unresolved conflict. */
export type GitBadge = 'M' | 'A' | 'D' | 'U' | 'C';

export const BADGE_NAMES: Record<GitBadge, string> = {
  M: 'modified',
  A: 'added',
  D: 'deleted',
  U: 'untracked',
  C: 'conflict',
};

const BADGE_OF = { added: 'A', modified: 'M', deleted: 'D' } as const;

/** A row of the Source Control list: a path in the index (staged) or in the working tree. */
export interface Change {
  path: string;
  badge: GitBadge;
  staged: boolean;
}

/** Conflicts first (they block a commit), then staged, then working-tree changes. */
export function changesOf(status: GitStatus): Change[] {
  const conflicts = new Set(status.conflicts);
  return [
    ...status.conflicts.map((path) => ({ path, badge: 'C' as const, staged: false })),
    ...status.staged
      .filter((c) => !conflicts.has(c.path))
      .map((c) => ({ path: c.path, badge: BADGE_OF[c.change], staged: true })),
    ...status.unstaged
      .filter((c) => !conflicts.has(c.path))
      .map((c) => ({ path: c.path, badge: BADGE_OF[c.change], staged: false })),
    ...status.untracked.map((path) => ({ path, badge: 'U' as const, staged: false })),
  ];
}

/**
 * The badge each changed file shows in the file tree: what a collaborator would notice first, so
 * a conflict beats a working-tree change, which beats a change that is only staged.
 */
export function badgesOf(status: GitStatus | null): ReadonlyMap<string, GitBadge> {
  const badges = new Map<string, GitBadge>();
  if (!status) return badges;
  const rank = (change: Change) => (change.badge === 'C' ? 0 : change.staged ? 2 : 1);
  const byRank = changesOf(status).sort((a, b) => rank(a) - rank(b));
  for (const change of byRank) if (!badges.has(change.path)) badges.set(change.path, change.badge);
  return badges;
}

/** Whether any file under `folder` (a path without trailing slash) has a badge. */
export function folderChanged(folder: string, badges: ReadonlyMap<string, GitBadge>): boolean {
  const prefix = folder + '/';
  for (const path of badges.keys()) if (path.startsWith(prefix)) return true;
  return false;
}

const PHASES: Record<string, string> = {
  queued: 'Waiting to start',
  counting: 'Counting objects',
  compressing: 'Compressing objects',
  receiving: 'Receiving objects',
  resolving: 'Resolving deltas',
  'checking out': 'Checking out files',
  'updating references': 'Updating references',
  'creating documents': 'Creating documents',
  done: 'Done',
};

/** An import phase as a label. */
export function phaseLabel(phase: string): string {
  // A job that has not reported a phase yet has an empty one.
  return PHASES[phase] ?? (phase ? phase.charAt(0).toUpperCase() + phase.slice(1) : 'Starting');
}

/** "12 / 40" when the phase knows its size, "12" when it counts without one, "" before it starts. */
export function progressText(progress: GitJob['progress']): string {
  if (progress.total > 0) return `${progress.done} / ${progress.total}`;
  return progress.done > 0 ? String(progress.done) : '';
}

/** "host" or "host:port" of a remote URL, as credentials are stored; null when it is no URL yet. */
export function hostOf(url: string): string | null {
  try {
    const parsed = new URL(url.trim());
    return parsed.host ? parsed.host.toLowerCase() : null;
  } catch {
    return null;
  }
}
