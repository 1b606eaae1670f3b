import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { HostedRepository } from '../../api/client';
import { App } from '../../app/App';
import { alice, apiError, fakeApi, visit, type Handler } from '../../test/fakeApi';

const github = { id: 'github', name: 'GitHub', loginUrl: '/api/auth/github/login' };
const gitlab = { id: 'gitlab', name: 'GitLab', loginUrl: '/api/auth/gitlab/login' };

function repository(name: string, overrides: Partial<HostedRepository> = {}): HostedRepository {
  return {
    name,
    fullName: `alice/${name}`,
    cloneUrl: `https://github.com/alice/${name}.git`,
    defaultBranch: 'main',
    private: false,
    description: null,
    updatedAt: '2025-03-01T10:00:00Z',
    ...overrides,
  };
}

function routes(providers: unknown[], repositories: Handler) {
  return fakeApi({
    'GET /api/me': { body: { user: alice } },
    'GET /api/projects': { body: [] },
    'GET /api/auth/providers': { body: providers },
    'GET /api/git/credentials': { body: [] },
    'GET /api/git/repositories': repositories,
  });
}

async function openPicker(summary: string) {
  visit('/projects');
  render(<App />);
  const user = userEvent.setup();
  await user.click(await screen.findByRole('button', { name: 'Import repository' }));
  const dialog = screen.getByRole('dialog', { name: 'Import repository' });
  await user.click(await within(dialog).findByText(summary));
  return { user, dialog };
}

describe('repositories from GitHub and GitLab', () => {
  it('lists repositories page by page; picking one fills the URL and branch', async () => {
    const seen = routes([github], (request) =>
      request.query.get('page') === '1'
        ? {
            body: {
              provider: 'github',
              repositories: [
                repository('app', { private: true, description: 'The app' }),
                repository('lib', { defaultBranch: 'trunk' }),
              ],
              nextPage: 2,
            },
          }
        : { body: { provider: 'github', repositories: [repository('docs')], nextPage: null } },
    );
    const { user, dialog } = await openPicker('From GitHub');

    const list = await within(dialog).findByRole('list', { name: 'GitHub repositories' });
    expect(
      within(list).getByRole('button', { name: /alice\/app.*Private.*The app/ }),
    ).toBeDefined();
    await user.click(within(dialog).getByRole('button', { name: 'Load more' }));
    expect(await within(list).findByRole('button', { name: /alice\/docs/ })).toBeDefined();
    expect(within(dialog).queryByRole('button', { name: 'Load more' })).toBeNull();
    expect(
      seen.filter((r) => r.path === '/api/git/repositories').map((r) => r.query.toString()),
    ).toEqual(['provider=github&page=1', 'provider=github&page=2']);

    await user.click(within(list).getByRole('button', { name: /alice\/lib/ }));
    expect(within(dialog).getByLabelText<HTMLInputElement>('Repository URL').value).toBe(
      'https://github.com/alice/lib.git',
    );
    expect(within(dialog).getByLabelText<HTMLInputElement>('Branch (optional)').value).toBe(
      'trunk',
    );
    expect(
      within(list)
        .getByRole('button', { name: /alice\/lib/ })
        .getAttribute('aria-pressed'),
    ).toBe('true');
  });

  it('asks the user to sign in with the provider when their account is not linked', async () => {
    routes([github], apiError(409, 'provider_not_linked', 'no GitHub login linked'));
    const { dialog } = await openPicker('From GitHub');

    const link = await within(dialog).findByRole('link', {
      name: 'Sign in with GitHub to list your repositories',
    });
    expect(link.getAttribute('href')).toBe('/api/auth/github/login?returnTo=%2Fprojects');
  });

  it('asks for a new sign-in when the provider rejects the stored one', async () => {
    routes([github], apiError(409, 'provider_token_rejected', 'GitHub rejected the token'));
    const { dialog } = await openPicker('From GitHub');

    expect((await within(dialog).findByRole('alert')).textContent).toMatch(
      /GitHub no longer accepts your sign-in/,
    );
    expect(within(dialog).getByRole('link', { name: 'Sign in with GitHub again' })).toBeDefined();
  });

  it('shows an unreachable provider and tries again on request', async () => {
    let calls = 0;
    routes([github], () => {
      calls += 1;
      return calls === 1
        ? apiError(502, 'provider_unavailable', 'GitHub did not answer')
        : { body: { provider: 'github', repositories: [repository('app')], nextPage: null } };
    });
    const { user, dialog } = await openPicker('From GitHub');

    expect((await within(dialog).findByRole('alert')).textContent).toBe('GitHub did not answer.');
    await user.click(within(dialog).getByRole('button', { name: 'Try again' }));
    expect(await within(dialog).findByRole('button', { name: /alice\/app/ })).toBeDefined();
  });

  it('offers a tab per provider and hides one the server does not list', async () => {
    routes([github, gitlab, { id: 'oidc', name: 'Corp', loginUrl: '/x' }], (request) =>
      request.query.get('provider') === 'gitlab'
        ? apiError(404, 'not_found', 'no such route')
        : { body: { provider: 'github', repositories: [repository('app')], nextPage: null } },
    );
    const { user, dialog } = await openPicker('From GitHub / GitLab');

    const tabs = within(dialog).getByRole('tablist', { name: 'Provider' });
    expect(
      within(tabs)
        .getAllByRole('tab')
        .map((t) => t.textContent),
    ).toEqual(['GitHub', 'GitLab']);
    await user.click(within(tabs).getByRole('tab', { name: 'GitLab' }));

    // GitLab answered 404: its tab goes, GitHub's list is shown.
    expect(await within(dialog).findByRole('list', { name: 'GitHub repositories' })).toBeDefined();
    expect(within(dialog).queryByRole('tablist')).toBeNull();
    expect(within(dialog).getByText('From GitHub')).toBeDefined();
  });

  it('is absent when the server offers neither provider', async () => {
    routes([], { body: {} });
    visit('/projects');
    render(<App />);
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'Import repository' }));

    const dialog = screen.getByRole('dialog', { name: 'Import repository' });
    expect(within(dialog).getByLabelText('Repository URL')).toBeDefined();
    expect(within(dialog).queryByText(/^From /)).toBeNull();
  });
});
