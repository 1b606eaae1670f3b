import { describe, expect, it, vi } from 'vitest';
import { confirmed, saveIndicator, SyncProgress } from './syncProgress';

describe('sync progress', () => {
  it('calls a document saved once the server announces every head of our copy', () => {
    expect(confirmed([], undefined)).toBe(true);
    expect(confirmed(['a'], undefined)).toBe(false);
    expect(confirmed(['a', 'b'], new Set(['a']))).toBe(false);
    expect(confirmed(['a', 'b'], new Set(['b', 'a']))).toBe(true);
    // The server is ahead with someone else's concurrent change: ours is still among its heads.
    expect(confirmed(['a'], new Set(['a', 'z']))).toBe(true);
  });

  it('counts a local edit as pending until the server confirms it, and tells listeners', () => {
    const progress = new SyncProgress();
    const listener = vi.fn();
    progress.subscribe(listener);

    progress.server('doc-1', ['h1']);
    progress.local('doc-1', ['h1']);
    expect(progress.pending).toBe(0);

    progress.local('doc-1', ['h2']);
    expect(progress.pending).toBe(1);
    progress.local('doc-1', ['h3']);
    expect(progress.pending).toBe(1);
    expect(listener).toHaveBeenCalledTimes(1);

    progress.server('doc-1', ['h2']);
    expect(progress.pending).toBe(1);
    progress.server('doc-1', ['h3']);
    expect(progress.pending).toBe(0);
    expect(listener).toHaveBeenCalledTimes(2);
  });

  it('keeps a document created offline pending until the server first speaks of it', () => {
    const progress = new SyncProgress();
    progress.local('new-doc', ['n1']);
    progress.local('other', []);
    expect(progress.pending).toBe(1);
    progress.server('new-doc', ['n1']);
    expect(progress.pending).toBe(0);
  });

  it('stops calling a listener once unsubscribed', () => {
    const progress = new SyncProgress();
    const listener = vi.fn();
    const unsubscribe = progress.subscribe(listener);
    unsubscribe();
    progress.local('doc', ['x']);
    expect(listener).not.toHaveBeenCalled();
  });
});

describe('save indicator', () => {
  it('goes from connecting to saved, syncing while changes travel, offline when cut off', () => {
    expect(saveIndicator('connecting', 0).state).toBe('connecting');
    expect(saveIndicator('synced', 0)).toMatchObject({ state: 'saved', text: 'Saved' });
    expect(saveIndicator('synced', 2)).toMatchObject({ state: 'syncing', text: 'Syncing…' });
    expect(saveIndicator('offline', 2)).toMatchObject({
      state: 'offline',
      text: 'Offline — changes kept on this device',
    });
    expect(saveIndicator('offline', 0).state).toBe('offline');
    expect(saveIndicator('error', 0).state).toBe('error');
  });

  it('says in every state that there is no need to save', () => {
    for (const connection of ['connecting', 'synced', 'offline'] as const) {
      expect(saveIndicator(connection, 1).title).toMatch(/no need to save/);
    }
    expect(saveIndicator('synced', 1).title).toMatch(/one file/);
    expect(saveIndicator('synced', 3).title).toMatch(/3 files/);
  });
});
