import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { alice, apiError, fakeApi, visit } from '../test/fakeApi';
import { App } from './App';

describe('app shell', () => {
  it('sends a user whose session ended to log in, remembering the page', async () => {
    fakeApi({
      'GET /api/me': { body: { user: alice } },
      'GET /api/projects/p1': apiError(401, 'unauthenticated', 'Your session has ended.'),
      'GET /api/auth/providers': { body: [] },
    });
    visit('/projects/p1');

    render(<App />);

    expect(await screen.findByRole('heading', { name: 'Log in to Ensemble' })).toBeDefined();
    expect(window.location.pathname + window.location.search).toBe(
      '/login?returnTo=%2Fprojects%2Fp1',
    );
  });

  it('says when the server cannot be reached and retries on request', async () => {
    let calls = 0;
    fakeApi({
      'GET /api/me': () => {
        calls++;
        return calls === 1
          ? apiError(503, 'unavailable', 'Ensemble is starting up.')
          : { body: { user: alice } };
      },
      'GET /api/projects': { body: [] },
    });
    visit('/projects');
    render(<App />);
    const user = userEvent.setup();

    expect((await screen.findByRole('alert')).textContent).toBe('Ensemble is starting up.');
    await user.click(screen.getByRole('button', { name: 'Try again' }));

    expect(await screen.findByRole('heading', { level: 1, name: 'Projects' })).toBeDefined();
  });

  it('redirects the root to the project list when signed in', async () => {
    fakeApi({ 'GET /api/me': { body: { user: alice } }, 'GET /api/projects': { body: [] } });
    visit('/');

    render(<App />);

    expect(await screen.findByRole('heading', { level: 1, name: 'Projects' })).toBeDefined();
    expect(window.location.pathname).toBe('/projects');
  });

  it('has a page for unknown addresses', async () => {
    fakeApi({ 'GET /api/me': { body: { user: alice } } });
    visit('/nowhere');

    render(<App />);

    expect(await screen.findByRole('heading', { name: 'Page not found' })).toBeDefined();
  });
});
