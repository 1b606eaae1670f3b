import { act, renderHook, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { GitStatus } from '../../api/client';
import { apiError, fakeApi, type SeenRequest } from '../../test/fakeApi';
import { STATUS_POLL_MS, useSourceControl } from './useSourceControl';

const P = '/api/projects/p1/git';

const clean: GitStatus = {
  branch: 'main',
  head: 'abc1234def',
  staged: [],
  unstaged: [],
  untracked: [],
  conflicts: [],
  remote: null,
  upstream: null,
  ahead: 0,
  behind: 0,
};

let visibility: DocumentVisibilityState = 'visible';

function setVisibility(state: DocumentVisibilityState) {
  visibility = state;
  act(() => {
    document.dispatchEvent(new Event('visibilitychange'));
  });
}

function count(seen: SeenRequest[], op: string): number {
  return seen.filter((r) => r.method === 'GET' && r.path === `${P}/${op}`).length;
}

/**
 * Lets the poll timer fire `times` times. Only the interval is faked (and still advances with the
 * clock), so fetches resolve as usual; polls within one call are batched into one reload.
 */
function advancePolls(times: number) {
  act(() => {
    vi.advanceTimersByTime(STATUS_POLL_MS * times);
  });
}

describe('useSourceControl polling', () => {
  beforeEach(() => {
    visibility = 'visible';
    Object.defineProperty(document, 'visibilityState', {
      configurable: true,
      get: () => visibility,
    });
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'], shouldAdvanceTime: true });
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('asks once for a project without a repository: no history, no branches, no polling', async () => {
    const seen = fakeApi({
      [`GET ${P}/status`]: apiError(409, 'no_repository', 'this project has no git repository'),
      [`GET ${P}/log`]: apiError(409, 'no_repository', 'no repository'),
      [`GET ${P}/branches`]: apiError(409, 'no_repository', 'no repository'),
    });
    const { result } = renderHook(() => useSourceControl('p1'));
    await waitFor(() => {
      expect(result.current.noRepository).toBe(true);
    });

    advancePolls(3);
    setVisibility('hidden');
    setVisibility('visible');

    expect(count(seen, 'status')).toBe(1);
    expect(count(seen, 'log')).toBe(0);
    expect(count(seen, 'branches')).toBe(0);
  });

  it('loads history and branches once the status says there is a repository', async () => {
    const seen = fakeApi({
      [`GET ${P}/status`]: { body: clean },
      [`GET ${P}/log`]: { body: [] },
      [`GET ${P}/branches`]: { body: { current: 'main', local: [], remote: [] } },
    });
    const { result } = renderHook(() => useSourceControl('p1'));

    await waitFor(() => {
      expect(result.current.branches.state.status).toBe('ready');
    });
    expect(result.current.noRepository).toBe(false);
    expect(count(seen, 'log')).toBe(1);
    expect(count(seen, 'branches')).toBe(1);
    const firstRequests = seen.map((r) => r.path);
    expect(firstRequests.indexOf(`${P}/status`)).toBeLessThan(firstRequests.indexOf(`${P}/log`));
  });

  it('polls while visible, not while hidden, and asks at once when shown again', async () => {
    const seen = fakeApi({
      [`GET ${P}/status`]: { body: clean },
      [`GET ${P}/log`]: { body: [] },
      [`GET ${P}/branches`]: { body: { current: 'main', local: [], remote: [] } },
    });
    const { result } = renderHook(() => useSourceControl('p1'));
    await waitFor(() => {
      expect(result.current.status.state.status).toBe('ready');
    });
    expect(count(seen, 'status')).toBe(1);

    advancePolls(1);
    await waitFor(() => {
      expect(count(seen, 'status')).toBe(2);
    });
    advancePolls(1);
    await waitFor(() => {
      expect(count(seen, 'status')).toBe(3);
    });

    setVisibility('hidden');
    advancePolls(10);
    expect(count(seen, 'status')).toBe(3);

    setVisibility('visible');
    await waitFor(() => {
      expect(count(seen, 'status')).toBe(4);
    });
    advancePolls(1);
    await waitFor(() => {
      expect(count(seen, 'status')).toBe(5);
    });
  });
});
