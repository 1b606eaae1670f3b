import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { AccessToken } from '../../api/client';
import { App } from '../../app/App';
import { alice, apiError, fakeApi, visit } from '../../test/fakeApi';

const ciToken: AccessToken = {
  id: 't1',
  name: 'ci',
  createdAt: '2025-03-01T00:00:00Z',
  expiresAt: null,
  lastUsedAt: null,
};

describe('account page', () => {
  it('updates the display name everywhere', async () => {
    const seen = fakeApi({
      'GET /api/me': { body: { user: alice } },
      'GET /api/tokens': { body: [] },
      'PATCH /api/me': { body: { user: { ...alice, displayName: 'Al' } } },
    });
    visit('/account');
    render(<App />);
    const user = userEvent.setup();

    const field = await screen.findByLabelText('Display name');
    await user.clear(field);
    await user.type(field, 'Al');
    await user.click(screen.getByRole('button', { name: 'Save' }));

    expect(await screen.findByText('Display name saved.')).toBeDefined();
    expect(seen.find((r) => r.method === 'PATCH')?.body).toEqual({ displayName: 'Al' });
    expect(screen.getByRole('link', { name: 'Account of Al' })).toBeDefined();
  });

  it('creates a token, shows its secret once, and lists it', async () => {
    const seen = fakeApi({
      'GET /api/me': { body: { user: alice } },
      'GET /api/tokens': { body: [] },
      'POST /api/tokens': {
        status: 201,
        body: { ...ciToken, name: 'deploy', id: 't2', token: 'ens_secret' },
      },
    });
    visit('/account');
    render(<App />);
    const user = userEvent.setup();

    await user.type(await screen.findByLabelText('Token name'), 'deploy');
    await user.type(screen.getByLabelText('Expires in (days, optional)'), '30');
    await user.click(screen.getByRole('button', { name: 'Create token' }));

    expect((await screen.findByLabelText<HTMLInputElement>('New token “deploy”')).value).toBe(
      'ens_secret',
    );
    expect(seen.find((r) => r.method === 'POST')?.body).toEqual({
      name: 'deploy',
      expiresInDays: 30,
    });
    const list = screen.getByRole('list', { name: 'Tokens' });
    expect(within(list).getByText('deploy')).toBeDefined();

    await user.click(screen.getByRole('button', { name: 'I have copied it' }));
    expect(screen.queryByDisplayValue('ens_secret')).toBeNull();
  });

  it('omits the expiry when none is given', async () => {
    const seen = fakeApi({
      'GET /api/me': { body: { user: alice } },
      'GET /api/tokens': { body: [] },
      'POST /api/tokens': { status: 201, body: { ...ciToken, token: 'x' } },
    });
    visit('/account');
    render(<App />);
    const user = userEvent.setup();

    await user.type(await screen.findByLabelText('Token name'), 'ci');
    await user.click(screen.getByRole('button', { name: 'Create token' }));

    await screen.findByLabelText('New token “ci”');
    expect(seen.find((r) => r.method === 'POST')?.body).toEqual({ name: 'ci' });
  });

  it('revokes a token after confirmation', async () => {
    const seen = fakeApi({
      'GET /api/me': { body: { user: alice } },
      'GET /api/tokens': { body: [ciToken] },
      'DELETE /api/tokens/t1': { status: 204 },
    });
    visit('/account');
    render(<App />);
    const user = userEvent.setup();

    await user.click(await screen.findByRole('button', { name: 'Revoke token ci' }));
    await user.click(screen.getByRole('button', { name: 'Revoke token' }));

    expect(await screen.findByText('You have no tokens.')).toBeDefined();
    expect(seen.some((r) => r.method === 'DELETE' && r.path === '/api/tokens/t1')).toBe(true);
  });

  it('shows the error when tokens cannot be listed', async () => {
    fakeApi({
      'GET /api/me': { body: { user: alice } },
      'GET /api/tokens': apiError(500, 'internal', 'Something broke on our side.'),
    });
    visit('/account');

    render(<App />);

    expect((await screen.findByRole('alert')).textContent).toBe('Something broke on our side.');
  });

  it('logs out and returns to the login page', async () => {
    const seen = fakeApi({
      'GET /api/me': { body: { user: alice } },
      'GET /api/tokens': { body: [] },
      'GET /api/auth/providers': { body: [] },
      'POST /api/auth/logout': { status: 204 },
    });
    visit('/account');
    render(<App />);
    const user = userEvent.setup();

    await user.click(await screen.findByRole('button', { name: 'Log out' }));

    expect(await screen.findByRole('heading', { name: 'Log in to Ensemble' })).toBeDefined();
    expect(window.location.pathname).toBe('/login');
    expect(seen.some((r) => r.path === '/api/auth/logout')).toBe(true);
  });
});
