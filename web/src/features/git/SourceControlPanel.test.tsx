import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import type { GitStatus } from '../../api/client';
import { apiError, fakeApi, type Handler } from '../../test/fakeApi';
import type { GitDiffEditorProps } from './GitDiffEditor';
import { SourceControlPanel } from './SourceControlPanel';
import { useSourceControl } from './useSourceControl';

// Monaco does not run in jsdom; the stand-in shows what the diff editor was given.
vi.mock('./GitDiffEditor', () => ({
  default: ({ path, original, modified }: GitDiffEditorProps) => (
    <pre data-testid="diff-editor">{`${path}\n--- ${original}\n+++ ${modified}`}</pre>
  ),
}));

const P = '/api/projects/p1/git';

function status(overrides: Partial<GitStatus> = {}): GitStatus {
  return {
    branch: 'main',
    head: 'abc1234def',
    staged: [],
    unstaged: [],
    untracked: [],
    conflicts: [],
    remote: 'https://git.example.org/team/app.git',
    upstream: 'origin/main',
    ahead: 0,
    behind: 0,
    ...overrides,
  };
}

const branches = {
  body: {
    current: 'main',
    local: [{ name: 'main', commit: 'abc', current: true, upstream: 'origin/main' }],
    remote: ['origin/main', 'origin/feature'],
  },
};

function Panel({ owner = true }: { owner?: boolean }) {
  const git = useSourceControl('p1');
  return <SourceControlPanel git={git} canEdit isOwner={owner} />;
}

function repoRoutes(statusHandler: Handler, extra: Record<string, Handler> = {}) {
  return fakeApi({
    [`GET ${P}/status`]: statusHandler,
    [`GET ${P}/log`]: { body: [] },
    [`GET ${P}/branches`]: branches,
    ...extra,
  });
}

describe('source control panel', () => {
  it('offers the owner to connect a repository when the project has none', async () => {
    let connected = false;
    const seen = fakeApi({
      [`GET ${P}/status`]: () =>
        connected
          ? { body: status({ head: null, untracked: ['main.py'], upstream: null }) }
          : apiError(409, 'no_repository', 'this project has no git repository'),
      [`GET ${P}/log`]: apiError(409, 'no_repository', 'no repository'),
      [`GET ${P}/branches`]: apiError(409, 'no_repository', 'no repository'),
      [`POST ${P}/remote`]: () => {
        connected = true;
        return { body: status({ head: null }) };
      },
    });
    render(<Panel />);
    const user = userEvent.setup();

    expect(await screen.findByText(/not connected to a git repository/)).toBeDefined();
    await user.type(
      screen.getByLabelText('Repository URL'),
      'https://git.example.org/team/app.git',
    );
    await user.click(screen.getByRole('button', { name: 'Connect repository' }));

    expect(
      await screen.findByText('Connected to https://git.example.org/team/app.git.'),
    ).toBeDefined();
    expect(await screen.findByRole('button', { name: 'Diff working main.py' })).toBeDefined();
    expect(seen.find((r) => r.method === 'POST')?.body).toEqual({
      url: 'https://git.example.org/team/app.git',
    });
  });

  it('tells a non-owner who can connect one', async () => {
    fakeApi({ [`GET ${P}/status`]: apiError(409, 'no_repository', 'no repository') });
    render(<Panel owner={false} />);

    expect(await screen.findByText('Its owner can connect one.')).toBeDefined();
    expect(screen.queryByRole('button', { name: 'Connect repository' })).toBeNull();
  });

  it('lists changes with badges, shows a diff and commits everything when nothing is staged', async () => {
    let committed = false;
    const seen = repoRoutes(
      () => ({
        body: committed
          ? status({ ahead: 1 })
          : status({
              unstaged: [{ path: 'app.py', change: 'modified' }],
              untracked: ['new.txt'],
            }),
      }),
      {
        [`GET ${P}/diff`]: {
          body: { diff: '...', path: 'app.py', original: 'a = 1\n', modified: 'a = 2\n' },
        },
        [`POST ${P}/stage`]: { body: status() },
        [`POST ${P}/commit`]: () => {
          committed = true;
          return { status: 201, body: { id: 'f00', shortId: 'f00ba47', summary: 'Bump a' } };
        },
      },
    );
    render(<Panel />);
    const user = userEvent.setup();

    const list = await screen.findByRole('list', { name: 'Changed files' });
    expect(
      within(list)
        .getAllByRole('listitem')
        .map((li) => li.textContent),
    ).toEqual(['Mapp.pyStage', 'Unew.txtStage']);
    await user.click(screen.getByRole('button', { name: 'Diff working app.py' }));
    expect((await screen.findByTestId('diff-editor')).textContent).toBe(
      'app.py\n--- a = 1\n\n+++ a = 2\n',
    );
    expect(seen.find((r) => r.path === `${P}/diff`)?.query.get('path')).toBe('app.py');

    await user.type(screen.getByLabelText('Commit message'), 'Bump a');
    await user.click(screen.getByRole('button', { name: 'Commit all' }));

    expect(await screen.findByText('Committed f00ba47: Bump a')).toBeDefined();
    const posts = seen.filter((r) => r.method === 'POST');
    expect(posts.map((r) => [r.path, r.body])).toEqual([
      [`${P}/stage`, { paths: ['app.py', 'new.txt'] }],
      [`${P}/commit`, { message: 'Bump a' }],
    ]);
    expect(screen.getByLabelText<HTMLTextAreaElement>('Commit message').value).toBe('');
    expect(await screen.findByRole('button', { name: 'Push ↑1' })).toBeDefined();
  });

  it('keeps the message and says what to do when a push is refused', async () => {
    repoRoutes(
      { body: status({ ahead: 1 }) },
      {
        [`POST ${P}/push`]: apiError(
          409,
          'non_fast_forward',
          'the remote main has commits this project does not have: pull first, then push',
        ),
      },
    );
    render(<Panel />);
    const user = userEvent.setup();

    await user.click(await screen.findByRole('button', { name: 'Push ↑1' }));

    expect((await screen.findByRole('alert')).textContent).toMatch(/has commits this project/);
    expect(screen.getByText('Pull first, then push again.')).toBeDefined();
  });

  it('offers a token form when the git host refuses the credentials', async () => {
    repoRoutes(
      { body: status() },
      {
        [`POST ${P}/pull`]: apiError(
          403,
          'git_auth_failed',
          'the git host refused the credentials',
        ),
        'GET /api/git/credentials': { body: [] },
      },
    );
    render(<Panel />);
    const user = userEvent.setup();

    await user.click(await screen.findByRole('button', { name: 'Pull' }));

    expect(await screen.findByText('Access token for this host')).toBeDefined();
    expect(screen.getByLabelText<HTMLInputElement>(/^Host/).value).toBe('git.example.org');
  });

  it('switches to a branch that only origin has, and creates a new one', async () => {
    const seen = repoRoutes(
      { body: status() },
      {
        [`POST ${P}/checkout`]: { body: status() },
        [`POST ${P}/branches`]: { status: 201, body: branches.body },
      },
    );
    render(<Panel />);
    const user = userEvent.setup();

    const select = await screen.findByRole('combobox', { name: 'Branch' });
    await user.selectOptions(select, 'feature (from origin)');
    expect(await screen.findByText('Switched to feature.')).toBeDefined();

    await user.selectOptions(screen.getByRole('combobox', { name: 'Branch' }), 'New branch…');
    await user.type(screen.getByLabelText('New branch name'), 'fix-typo');
    await user.click(screen.getByRole('button', { name: 'Create' }));

    expect(await screen.findByText('Created fix-typo and switched to it.')).toBeDefined();
    await waitFor(() => {
      expect(seen.filter((r) => r.method === 'POST').map((r) => [r.path, r.body])).toEqual([
        [`${P}/checkout`, { branch: 'feature' }],
        [`${P}/branches`, { name: 'fix-typo' }],
        [`${P}/checkout`, { branch: 'fix-typo' }],
      ]);
    });
  });
});
