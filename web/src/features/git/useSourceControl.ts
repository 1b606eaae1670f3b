import { useState } from 'react';
import { api, toApiError, type ApiError } from '../../api/client';
import { useResource } from '../../api/resource';

/** The project's git state and the operations on it; every change reloads what it affects. */
export function useSourceControl(projectId: string) {
  const status = useResource(`git-status:${projectId}`, (s) => api.git.status(projectId, s));
  const log = useResource(`git-log:${projectId}`, (s) => api.git.log(projectId, s));
  const branches = useResource(`git-branches:${projectId}`, (s) => api.git.branches(projectId, s));
  const [error, setError] = useState<ApiError | null>(null);
  const [result, setResult] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const perform = async (action: () => Promise<string | null>) => {
    setError(null);
    setResult(null);
    setBusy(true);
    try {
      setResult(await action());
    } catch (e) {
      setError(toApiError(e));
    } finally {
      setBusy(false);
      status.reload();
      log.reload();
      branches.reload();
    }
  };

  return {
    status,
    log,
    branches,
    error,
    result,
    busy,
    refresh: () => {
      status.reload();
      log.reload();
      branches.reload();
    },
    stage: (paths: string[]) =>
      perform(async () => {
        await api.git.stage(projectId, paths);
        return null;
      }),
    unstage: (paths: string[]) =>
      perform(async () => {
        await api.git.unstage(projectId, paths);
        return null;
      }),
    commit: (message: string) =>
      perform(async () => {
        const commit = await api.git.commit(projectId, message);
        return `Committed ${commit.shortId}: ${commit.summary}`;
      }),
    push: () =>
      perform(async () => {
        const pushed = await api.git.push(projectId);
        return `Pushed ${pushed.branch ?? ''}`.trim();
      }),
    pull: () =>
      perform(async () => {
        const pulled = await api.git.pull(projectId);
        const conflicts = pulled.conflicts?.length
          ? `; conflicts: ${pulled.conflicts.join(', ')}`
          : '';
        return `Pull: ${pulled.result ?? 'done'}${conflicts}`;
      }),
    checkout: (branch: string) =>
      perform(async () => {
        await api.git.checkout(projectId, branch);
        return `Switched to ${branch}`;
      }),
  };
}
