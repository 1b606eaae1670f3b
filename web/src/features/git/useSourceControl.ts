import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import {
  api,
  toApiError,
  type ApiError,
  type GitBranches,
  type GitDiff,
  type GitPullResult,
} from '../../api/client';
import { useResource } from '../../api/resource';
import { badgesOf, changesOf } from './gitChanges';

/**
 * How often the status is asked again while the page is visible: collaborators' edits change
 * it without anyone touching git, and the file tree's badges should follow. A hidden page does
 * not ask; it asks at once when it is shown again.
 */
export const STATUS_POLL_MS = 5_000;

const NO_BRANCHES: GitBranches = { current: null, local: [], remote: [] };

/** A file whose diff is on screen: against HEAD from the index (staged) or the working tree. */
export interface DiffTarget {
  path: string;
  staged: boolean;
}

function pullSummary(pulled: GitPullResult): string {
  const conflicts = pulled.conflicts ?? [];
  if (conflicts.length > 0) {
    return `Pulled with conflicts in ${conflicts.join(', ')}: resolve the markers, stage the files and commit.`;
  }
  switch (pulled.result) {
    case 'up-to-date':
      return 'Already up to date.';
    case 'fast-forward':
      return `Pulled: fast-forward${pulled.head ? ` to ${pulled.head.slice(0, 7)}` : ''}.`;
    case 'merged':
      return 'Pulled and merged.';
    default:
      return `Pulled (${pulled.result ?? 'done'}).`;
  }
}

/**
 * The project's git state and the operations on it. The status is asked first: history and
 * branches only once it says the project has a repository (a project without one costs one
 * request, not three). The status is polled while the page is visible, unless the project has
 * no repository; every operation reloads what it affects.
 */
export function useSourceControl(projectId: string) {
  const status = useResource(`git-status:${projectId}`, (s) => api.git.status(projectId, s));
  const answered =
    status.state.status === 'ready'
      ? true
      : status.state.status === 'error' && status.state.error.code === 'no_repository'
        ? false
        : null;
  // What the last answer said, kept while a reload or a passing failure has none to say.
  const [known, setKnown] = useState<{ projectId: string; repository: boolean } | null>(null);
  if (answered !== null && (known?.projectId !== projectId || known.repository !== answered)) {
    setKnown({ projectId, repository: answered });
  }
  const repository = known?.projectId === projectId ? known.repository : answered;
  const gitKey = `${projectId}:${repository === true ? 'repository' : 'none'}`;
  const log = useResource(`git-log:${gitKey}`, (s) =>
    repository === true ? api.git.log(projectId, s) : Promise.resolve([]),
  );
  const branches = useResource(`git-branches:${gitKey}`, (s) =>
    repository === true ? api.git.branches(projectId, s) : Promise.resolve(NO_BRANCHES),
  );
  const [selected, setSelected] = useState<DiffTarget | null>(null);
  const diff = useResource<GitDiff | null>(
    `git-diff:${projectId}:${selected ? `${selected.staged ? 'index' : 'work'}:${selected.path}` : ''}`,
    (s) =>
      selected ? api.git.diff(projectId, selected.path, selected.staged, s) : Promise.resolve(null),
  );
  const [error, setError] = useState<ApiError | null>(null);
  const [result, setResult] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const busyRef = useRef(false);

  const data = status.state.status === 'ready' ? status.state.data : null;
  const statusError = status.state.status === 'error' ? status.state.error : null;
  const noRepository = statusError?.code === 'no_repository' || repository === false;
  const badges = useMemo(() => badgesOf(data), [data]);
  const changes = useMemo(() => (data ? changesOf(data) : []), [data]);

  const { reload: reloadStatus } = status;
  const { reload: reloadDiff } = diff;
  const { reload: reloadLog } = log;
  const { reload: reloadBranches } = branches;

  // Polls only while the page is visible (a hidden tab costs the server nothing) and asks at
  // once when it is shown again; never for a project without a repository (connecting one
  // reloads the status, which starts the polling).
  useEffect(() => {
    if (noRepository) return;
    let timer: ReturnType<typeof setInterval> | undefined;
    const poll = () => {
      if (busyRef.current) return;
      reloadStatus();
      reloadDiff();
    };
    const start = () => {
      timer ??= setInterval(poll, STATUS_POLL_MS);
    };
    const stop = () => {
      clearInterval(timer);
      timer = undefined;
    };
    const onVisibility = () => {
      if (document.visibilityState === 'visible') {
        poll();
        start();
      } else {
        stop();
      }
    };
    if (document.visibilityState === 'visible') start();
    document.addEventListener('visibilitychange', onVisibility);
    return () => {
      stop();
      document.removeEventListener('visibilitychange', onVisibility);
    };
  }, [noRepository, reloadStatus, reloadDiff]);

  // A commit, pull or checkout by anyone moves HEAD: history and branches follow.
  const head = data ? `${data.branch ?? ''}@${data.head ?? ''}` : null;
  const seenHead = useRef<string | null>(null);
  useEffect(() => {
    if (head === null) return;
    if (seenHead.current !== null && seenHead.current !== head) {
      reloadLog();
      reloadBranches();
    }
    seenHead.current = head;
  }, [head, reloadLog, reloadBranches]);

  const refresh = useCallback(() => {
    reloadStatus();
    reloadDiff();
    reloadLog();
    reloadBranches();
  }, [reloadStatus, reloadDiff, reloadLog, reloadBranches]);

  /** Runs one operation; true when it succeeded. */
  const perform = async (action: () => Promise<string | null>): Promise<boolean> => {
    setError(null);
    setResult(null);
    setBusy(true);
    busyRef.current = true;
    try {
      setResult(await action());
      return true;
    } catch (e) {
      setError(toApiError(e));
      return false;
    } finally {
      busyRef.current = false;
      setBusy(false);
      refresh();
    }
  };

  return {
    status,
    log,
    branches,
    diff,
    selected,
    changes,
    badges,
    noRepository,
    error,
    result,
    busy,
    refresh,
    select: setSelected,
    stage: (paths: string[]) =>
      perform(async () => {
        await api.git.stage(projectId, paths);
        if (selected && paths.includes(selected.path)) setSelected({ ...selected, staged: true });
        return null;
      }),
    unstage: (paths: string[]) =>
      perform(async () => {
        await api.git.unstage(projectId, paths);
        if (selected && paths.includes(selected.path)) setSelected({ ...selected, staged: false });
        return null;
      }),
    /** Commits what is staged; with nothing staged, stages every change first ("commit all"). */
    commit: (message: string) =>
      perform(async () => {
        if (data && data.staged.length === 0) {
          const all = changes.filter((c) => c.badge !== 'C').map((c) => c.path);
          if (all.length > 0) await api.git.stage(projectId, all);
        }
        const commit = await api.git.commit(projectId, message);
        setSelected(null);
        return `Committed ${commit.shortId}: ${commit.summary}`;
      }),
    push: () =>
      perform(async () => {
        const pushed = await api.git.push(projectId);
        return `Pushed ${pushed.branch ?? 'the branch'} to origin.`;
      }),
    pull: () => perform(async () => pullSummary(await api.git.pull(projectId))),
    checkout: (branch: string) =>
      perform(async () => {
        await api.git.checkout(projectId, branch);
        return `Switched to ${branch}.`;
      }),
    createBranch: (name: string) =>
      perform(async () => {
        await api.git.createBranch(projectId, name);
        await api.git.checkout(projectId, name);
        return `Created ${name} and switched to it.`;
      }),
    connect: (url: string) =>
      perform(async () => {
        const connected = await api.git.connect(projectId, url);
        return `Connected to ${connected.remote ?? url}.`;
      }),
  };
}

export type SourceControl = ReturnType<typeof useSourceControl>;
