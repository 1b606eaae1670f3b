import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { App } from '../../app/App';
import { alice, apiError, fakeApi, visit } from '../../test/fakeApi';

const signedOut = apiError(401, 'unauthenticated', 'Not logged in.');

describe('log in and sign up', () => {
  it('sends a signed-out visitor to the login page', async () => {
    fakeApi({ 'GET /api/me': signedOut, 'GET /api/auth/providers': { body: [] } });
    visit('/projects');

    render(<App />);

    expect(await screen.findByRole('heading', { name: 'Log in to Ensemble' })).toBeDefined();
    expect(window.location.pathname).toBe('/login');
  });

  it('shows a button only for each configured OAuth provider, carrying returnTo', async () => {
    fakeApi({
      'GET /api/me': signedOut,
      'GET /api/auth/providers': {
        body: [{ id: 'gitlab', name: 'GitLab', loginUrl: '/api/auth/oauth/gitlab/login' }],
      },
    });
    visit('/login?returnTo=%2Finvite%2Ftok');

    render(<App />);

    const gitlab = await screen.findByRole('link', { name: 'Log in with GitLab' });
    expect(gitlab.getAttribute('href')).toBe(
      '/api/auth/oauth/gitlab/login?returnTo=%2Finvite%2Ftok',
    );
    expect(screen.queryByRole('link', { name: 'Log in with GitHub' })).toBeNull();
  });

  it('shows no provider buttons when none are configured', async () => {
    fakeApi({ 'GET /api/me': signedOut, 'GET /api/auth/providers': { body: [] } });
    visit('/login');

    render(<App />);

    await screen.findByRole('button', { name: 'Log in' });
    expect(screen.queryByRole('link', { name: /Log in with/ })).toBeNull();
  });

  it('announces the server’s message when the login is refused', async () => {
    fakeApi({
      'GET /api/me': signedOut,
      'GET /api/auth/providers': { body: [] },
      'POST /api/auth/login': apiError(401, 'invalid_credentials', 'Wrong username or password.'),
    });
    visit('/login');
    render(<App />);
    const user = userEvent.setup();

    await user.type(await screen.findByLabelText('Username'), 'alice');
    await user.type(screen.getByLabelText('Password'), 'nope-nope');
    await user.click(screen.getByRole('button', { name: 'Log in' }));

    expect((await screen.findByRole('alert')).textContent).toBe('Wrong username or password.');
  });

  it('says when a rate limit lifts', async () => {
    fakeApi({
      'GET /api/me': signedOut,
      'GET /api/auth/providers': { body: [] },
      'POST /api/auth/login': {
        ...apiError(429, 'rate_limited', 'Too many login attempts.'),
        headers: { 'Retry-After': '42' },
      },
    });
    visit('/login');
    render(<App />);
    const user = userEvent.setup();

    await user.type(await screen.findByLabelText('Username'), 'alice');
    await user.type(screen.getByLabelText('Password'), 'whatever1');
    await user.click(screen.getByRole('button', { name: 'Log in' }));

    expect((await screen.findByRole('alert')).textContent).toBe(
      'Too many login attempts. Try again in 42 seconds.',
    );
  });

  it('signs up with a display name and returns to where the visitor was going', async () => {
    const seen = fakeApi({
      'GET /api/me': signedOut,
      'GET /api/auth/providers': { body: [] },
      'POST /api/auth/signup': { status: 201, body: { user: alice } },
      'GET /api/invites/tok': {
        body: { projectId: 'p1', projectName: 'Apollo', role: 'editor', expiresAt: '2030-01-01' },
      },
    });
    visit('/signup?returnTo=%2Finvite%2Ftok');
    render(<App />);
    const user = userEvent.setup();

    await user.type(await screen.findByLabelText('Username'), 'alice');
    await user.type(screen.getByLabelText('Password'), 'correct horse');
    await user.type(screen.getByLabelText('Display name (optional)'), 'Alice Liddell');
    await user.click(screen.getByRole('button', { name: 'Sign up' }));

    expect(await screen.findByRole('heading', { name: 'Join Apollo' })).toBeDefined();
    expect(window.location.pathname).toBe('/invite/tok');
    expect(seen.find((r) => r.path === '/api/auth/signup')?.body).toEqual({
      username: 'alice',
      password: 'correct horse',
      displayName: 'Alice Liddell',
    });
  });

  it('marks the field the server blames', async () => {
    fakeApi({
      'GET /api/me': signedOut,
      'GET /api/auth/providers': { body: [] },
      'POST /api/auth/signup': apiError(409, 'username_taken', 'Username taken.', 'username'),
    });
    visit('/signup');
    render(<App />);
    const user = userEvent.setup();

    await user.type(await screen.findByLabelText('Username'), 'alice');
    await user.type(screen.getByLabelText('Password'), 'long enough');
    await user.click(screen.getByRole('button', { name: 'Sign up' }));

    await screen.findByRole('alert');
    expect(screen.getByLabelText('Username').getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByLabelText('Password').hasAttribute('aria-invalid')).toBe(false);
  });
});
