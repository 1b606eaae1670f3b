import { describe, expect, it } from 'vitest';
import type { GitStatus } from '../../api/client';
import { badgesOf, changesOf, folderChanged, hostOf, phaseLabel, progressText } from './gitChanges';

const status: GitStatus = {
  branch: 'main',
  head: 'abc',
  staged: [
    { path: 'src/a.py', change: 'modified' },
    { path: 'both.py', change: 'added' },
    { path: 'clash.py', change: 'modified' },
  ],
  unstaged: [
    { path: 'both.py', change: 'modified' },
    { path: 'gone.txt', change: 'deleted' },
  ],
  untracked: ['docs/new.md'],
  conflicts: ['clash.py'],
};

describe('git changes', () => {
  it('lists conflicts first, then staged, then working-tree changes', () => {
    expect(changesOf(status).map((c) => `${c.badge}${c.staged ? '+' : ' '}${c.path}`)).toEqual([
      'C clash.py',
      'M+src/a.py',
      'A+both.py',
      'M both.py',
      'D gone.txt',
      'U docs/new.md',
    ]);
  });

  it('gives each file the badge a collaborator notices first', () => {
    const badges = badgesOf(status);
    expect(Object.fromEntries(badges)).toEqual({
      'clash.py': 'C',
      'src/a.py': 'M',
      'both.py': 'M',
      'gone.txt': 'D',
      'docs/new.md': 'U',
    });
    expect(folderChanged('src', badges)).toBe(true);
    expect(folderChanged('sr', badges)).toBe(false);
    expect(badgesOf(null).size).toBe(0);
  });

  it('describes import progress', () => {
    expect(phaseLabel('checking out')).toBe('Checking out files');
    expect(phaseLabel('something new')).toBe('Something new');
    expect(phaseLabel('')).toBe('Starting');
    expect(progressText({ phase: 'receiving', done: 3, total: 9 })).toBe('3 / 9');
    expect(progressText({ phase: 'counting', done: 120, total: 0 })).toBe('120');
    expect(progressText({ phase: 'queued', done: 0, total: 0 })).toBe('');
  });

  it('finds the host credentials are stored under', () => {
    expect(hostOf('https://GitHub.com/a/b.git')).toBe('github.com');
    expect(hostOf('http://127.0.0.1:8081/git/r.git')).toBe('127.0.0.1:8081');
    expect(hostOf('https://example.org:443/x')).toBe('example.org');
    expect(hostOf('not a url')).toBeNull();
  });
});
