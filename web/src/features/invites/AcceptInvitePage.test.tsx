import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { App } from '../../app/App';
import { apiError, bob, fakeApi, project, visit } from '../../test/fakeApi';

const preview = {
  projectId: 'p1',
  projectName: 'Apollo',
  role: 'editor',
  expiresAt: '2030-01-01T00:00:00Z',
};

describe('accepting an invite', () => {
  it('shows the project and role, joins, and lands on the project', async () => {
    const seen = fakeApi({
      'GET /api/me': { body: { user: bob } },
      'GET /api/invites/tok': { body: preview },
      'POST /api/invites/tok/accept': { body: { projectId: 'p1', role: 'editor' } },
      'GET /api/projects/p1': { body: project({ role: 'editor', memberCount: 2 }) },
    });
    visit('/invite/tok');
    render(<App />);
    const user = userEvent.setup();

    expect(await screen.findByRole('heading', { name: 'Join Apollo' })).toBeDefined();
    expect(screen.getByText('Editor')).toBeDefined();
    await user.click(screen.getByRole('button', { name: 'Join project' }));

    expect(await screen.findByRole('heading', { level: 1, name: 'Apollo' })).toBeDefined();
    expect(window.location.pathname).toBe('/projects/p1');
    expect(seen.some((r) => r.method === 'POST' && r.path === '/api/invites/tok/accept')).toBe(
      true,
    );
  });

  it('offers a signed-out visitor to log in or sign up and come back', async () => {
    fakeApi({ 'GET /api/me': apiError(401, 'unauthenticated', 'Not logged in.') });
    visit('/invite/tok');

    render(<App />);

    const login = await screen.findByRole('link', { name: 'Log in' });
    expect(login.getAttribute('href')).toBe('/login?returnTo=%2Finvite%2Ftok');
    expect(screen.getByRole('link', { name: 'Sign up' }).getAttribute('href')).toBe(
      '/signup?returnTo=%2Finvite%2Ftok',
    );
  });

  it('explains an unknown or expired invite', async () => {
    fakeApi({
      'GET /api/me': { body: { user: bob } },
      'GET /api/invites/tok': apiError(404, 'invite_not_found', 'This invite has expired.'),
    });
    visit('/invite/tok');

    render(<App />);

    expect((await screen.findByRole('alert')).textContent).toBe('This invite has expired.');
  });

  it('shows why joining failed', async () => {
    fakeApi({
      'GET /api/me': { body: { user: bob } },
      'GET /api/invites/tok': { body: preview },
      'POST /api/invites/tok/accept': apiError(410, 'invite_expired', 'The invite just expired.'),
    });
    visit('/invite/tok');
    render(<App />);
    const user = userEvent.setup();

    await user.click(await screen.findByRole('button', { name: 'Join project' }));

    expect((await screen.findByRole('alert')).textContent).toBe('The invite just expired.');
  });
});
