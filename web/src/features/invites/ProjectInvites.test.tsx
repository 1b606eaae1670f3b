import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { CreatedInvite, Invite } from '../../api/client';
import { App } from '../../app/App';
import { alice, apiError, fakeApi, member, project, visit } from '../../test/fakeApi';

const pending: Invite = {
  id: 'i1',
  role: 'viewer',
  expiresAt: '2030-01-01T00:00:00Z',
  createdAt: '2025-03-01T00:00:00Z',
  url: 'https://ensemble.example/invite/old',
};

function owner(extra: Parameters<typeof fakeApi>[0]) {
  return fakeApi({
    'GET /api/me': { body: { user: alice } },
    'GET /api/projects/p1': { body: project() },
    'GET /api/projects/p1/members': { body: [member(alice, 'owner')] },
    // The members page also shows the owner the project's assistant settings.
    'GET /api/projects/p1/ai/provider': { body: { project: null, instance: null } },
    ...extra,
  });
}

describe('invite links', () => {
  it('creates a link with the chosen role and expiry and shows it to copy', async () => {
    const created: CreatedInvite = {
      id: 'i2',
      token: 'tok',
      url: 'https://ensemble.example/invite/tok',
      role: 'editor',
      expiresAt: '2030-01-02T00:00:00Z',
      createdAt: '2025-03-02T00:00:00Z',
    };
    const seen = owner({
      'GET /api/projects/p1/invites': { body: [] },
      'POST /api/projects/p1/invites': { status: 201, body: created },
    });
    visit('/projects/p1/members');
    render(<App />);
    const user = userEvent.setup();

    const roleSelect = await screen.findByLabelText('Invite role');
    // Invite links never grant ownership.
    expect(
      within(roleSelect)
        .getAllByRole('option')
        .map((o) => o.textContent),
    ).toEqual(['Editor', 'Viewer']);
    await user.selectOptions(roleSelect, 'editor');
    const hours = screen.getByLabelText('Expires after (hours)');
    await user.clear(hours);
    await user.type(hours, '24');
    await user.click(screen.getByRole('button', { name: 'Create invite link' }));

    expect((await screen.findByLabelText<HTMLInputElement>('New invite link')).value).toBe(
      created.url,
    );
    expect(seen.find((r) => r.method === 'POST')?.body).toEqual({
      role: 'editor',
      expiresInHours: 24,
    });
    const list = screen.getByRole('list', { name: 'Pending invites' });
    expect(within(list).getAllByRole('listitem')).toHaveLength(1);
  });

  it('copies a link to the clipboard', async () => {
    owner({ 'GET /api/projects/p1/invites': { body: [pending] } });
    visit('/projects/p1/members');
    render(<App />);
    const user = userEvent.setup();

    const list = await screen.findByRole('list', { name: 'Pending invites' });
    await user.click(within(list).getByRole('button', { name: /^Copy link/ }));

    expect(await navigator.clipboard.readText()).toBe(pending.url);
    expect(within(list).getByRole('status').textContent).toBe('Copied to the clipboard.');
  });

  it('revokes a pending invite after confirmation', async () => {
    const seen = owner({
      'GET /api/projects/p1/invites': { body: [pending] },
      'DELETE /api/projects/p1/invites/i1': { status: 204 },
    });
    visit('/projects/p1/members');
    render(<App />);
    const user = userEvent.setup();

    await user.click(await screen.findByRole('button', { name: /^Revoke viewer invite/ }));
    await user.click(screen.getByRole('button', { name: 'Revoke invite' }));

    expect(await screen.findByText('No pending invites.')).toBeDefined();
    expect(seen.some((r) => r.method === 'DELETE')).toBe(true);
  });

  it('shows why an invite could not be created', async () => {
    owner({
      'GET /api/projects/p1/invites': { body: [] },
      'POST /api/projects/p1/invites': apiError(
        400,
        'invalid_expiry',
        'Expiry must be between 1 and 720 hours.',
        'expiresInHours',
      ),
    });
    visit('/projects/p1/members');
    render(<App />);
    const user = userEvent.setup();

    await user.click(await screen.findByRole('button', { name: 'Create invite link' }));

    expect((await screen.findByRole('alert')).textContent).toBe(
      'Expiry must be between 1 and 720 hours.',
    );
    expect(screen.getByLabelText('Expires after (hours)').getAttribute('aria-invalid')).toBe(
      'true',
    );
  });
});
