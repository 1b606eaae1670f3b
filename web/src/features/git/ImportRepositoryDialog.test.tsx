import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { GitJob } from '../../api/client';
import { App } from '../../app/App';
import { alice, apiError, fakeApi, project, visit, type Handler } from '../../test/fakeApi';

const base = {
  'GET /api/me': { body: { user: alice } },
  'GET /api/projects': { body: [] },
  'GET /api/auth/providers': { body: [] },
  'GET /api/git/credentials': { body: [] },
};

function job(
  state: GitJob['state'],
  phase: string,
  done: number,
  total: number,
  error?: GitJob['error'],
): GitJob {
  return {
    id: 'j1',
    projectId: 'p9',
    state,
    progress: { phase, done, total },
    ...(error ? { error } : {}),
  };
}

/** Answers the job's states in turn, then keeps answering the last. */
function jobSequence(...states: GitJob[]): Handler {
  let next = 0;
  return () => {
    const answer = states[Math.min(next, states.length - 1)];
    next += 1;
    return { body: answer };
  };
}

async function openDialog() {
  visit('/projects');
  render(<App />);
  const user = userEvent.setup();
  await user.click(await screen.findByRole('button', { name: 'Import repository' }));
  return { user, dialog: screen.getByRole('dialog', { name: 'Import repository' }) };
}

describe('import repository dialog', () => {
  it('imports, shows the phases as they come and opens the new project', async () => {
    const imported = project({ id: 'p9', name: 'demo' });
    const seen = fakeApi({
      ...base,
      'POST /api/projects/import': { status: 202, body: { projectId: 'p9', jobId: 'j1' } },
      'GET /api/jobs/j1': jobSequence(
        job('running', 'receiving', 3, 12),
        job('running', 'creating documents', 0, 0),
        job('succeeded', 'done', 4, 4),
      ),
      'GET /api/projects/p9': { body: imported },
    });
    const { user, dialog } = await openDialog();

    await user.type(
      within(dialog).getByLabelText('Repository URL'),
      'https://git.example.org/team/demo.git',
    );
    await user.type(within(dialog).getByLabelText('Branch (optional)'), 'dev');
    await user.click(within(dialog).getByRole('button', { name: 'Import' }));

    expect(await within(dialog).findByText('Receiving objects')).toBeDefined();
    expect(within(dialog).getByText('3 / 12')).toBeDefined();
    const bar = within(dialog).getByRole('progressbar', { name: 'Import progress' });
    expect(bar.getAttribute('max')).toBe('12');
    expect(within(dialog).getByRole('button', { name: 'Close' })).toHaveProperty('disabled', true);

    // A phase without a known size shows an indeterminate bar.
    expect(await within(dialog).findByText('Creating documents')).toBeDefined();
    expect(
      within(dialog).getByRole('progressbar', { name: 'Import progress' }).hasAttribute('value'),
    ).toBe(false);

    expect(await screen.findByRole('heading', { level: 1, name: 'demo' })).toBeDefined();
    expect(window.location.pathname).toBe('/projects/p9');
    expect(seen.find((r) => r.path === '/api/projects/import')?.body).toEqual({
      url: 'https://git.example.org/team/demo.git',
      branch: 'dev',
    });
  });

  it('explains a refused login and stores a token for the host', async () => {
    const seen = fakeApi({
      ...base,
      'POST /api/projects/import': { status: 202, body: { projectId: 'p9', jobId: 'j1' } },
      'GET /api/jobs/j1': {
        body: job('failed', 'receiving', 0, 0, {
          code: 'git_auth_failed',
          message: 'the git host refused the credentials',
        }),
      },
      'POST /api/git/credentials': {
        status: 201,
        body: { host: 'git.example.org:8443', username: 'alice' },
      },
    });
    const { user, dialog } = await openDialog();

    await user.type(
      within(dialog).getByLabelText('Repository URL'),
      'https://git.example.org:8443/team/secret.git',
    );
    await user.click(within(dialog).getByRole('button', { name: 'Import' }));

    expect((await within(dialog).findByRole('alert')).textContent).toBe(
      'The git host refused the credentials.',
    );
    expect(
      within(dialog).getByText(/Store an access token for git\.example\.org:8443 below/),
    ).toBeDefined();
    // The token form opens by itself, with the host filled in.
    const host = within(dialog).getByLabelText(/^Host/);
    expect((host as HTMLInputElement).value).toBe('git.example.org:8443');
    await user.type(within(dialog).getByLabelText('User name (optional)'), 'alice');
    await user.type(within(dialog).getByLabelText('Access token'), 'tok-123');
    await user.click(within(dialog).getByRole('button', { name: 'Save token' }));

    expect(await within(dialog).findByText('Token saved for git.example.org:8443.')).toBeDefined();
    expect(
      seen.find((r) => r.path === '/api/git/credentials' && r.method === 'POST')?.body,
    ).toEqual({ host: 'git.example.org:8443', username: 'alice', token: 'tok-123' });
    // The user can import again.
    expect(within(dialog).getByRole('button', { name: 'Import' })).toHaveProperty(
      'disabled',
      false,
    );
  });

  it('shows why the server refused to start the import', async () => {
    fakeApi({
      ...base,
      'POST /api/projects/import': apiError(
        400,
        'invalid_field',
        'an https:// URL is required',
        'url',
      ),
    });
    const { user, dialog } = await openDialog();

    const url = within(dialog).getByLabelText('Repository URL');
    await user.type(url, 'http://plain.example.org/a.git');
    await user.click(within(dialog).getByRole('button', { name: 'Import' }));

    expect((await within(dialog).findByRole('alert')).textContent).toBe(
      'An https:// URL is required.',
    );
    expect(url.getAttribute('aria-invalid')).toBe('true');
  });

  it('cancels a running import', async () => {
    let cancelled = false;
    const seen = fakeApi({
      ...base,
      'POST /api/projects/import': { status: 202, body: { projectId: 'p9', jobId: 'j1' } },
      'GET /api/jobs/j1': () => ({
        body: cancelled ? job('cancelled', 'receiving', 5, 40) : job('running', 'receiving', 5, 40),
      }),
      'POST /api/jobs/j1/cancel': () => {
        cancelled = true;
        return { status: 202, body: job('running', 'receiving', 5, 40) };
      },
    });
    const { user, dialog } = await openDialog();

    await user.type(
      within(dialog).getByLabelText('Repository URL'),
      'https://git.example.org/big.git',
    );
    await user.click(within(dialog).getByRole('button', { name: 'Import' }));
    await user.click(await within(dialog).findByRole('button', { name: 'Cancel import' }));

    expect(await within(dialog).findByText(/Import cancelled/)).toBeDefined();
    expect(seen.filter((r) => r.path === '/api/jobs/j1/cancel')).toHaveLength(1);
    await waitFor(() => {
      expect(within(dialog).getByRole('button', { name: 'Close' })).toHaveProperty(
        'disabled',
        false,
      );
    });
    expect(window.location.pathname).toBe('/projects');
  });
});
