import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { App } from '../../app/App';
import { alice, apiError, bob, fakeApi, member, project, visit } from '../../test/fakeApi';

const me = { 'GET /api/me': { body: { user: alice } } };

describe('members page', () => {
  it('lets an owner see every member with a role picker', async () => {
    fakeApi({
      ...me,
      'GET /api/projects/p1': { body: project({ memberCount: 2 }) },
      'GET /api/projects/p1/members': { body: [member(alice, 'owner'), member(bob, 'editor')] },
      'GET /api/projects/p1/ai/provider': { body: { project: null, instance: null } },
      'GET /api/projects/p1/invites': { body: [] },
    });
    visit('/projects/p1/members');

    render(<App />);

    const list = await screen.findByRole('list', { name: 'Members' });
    expect(within(list).getAllByRole('listitem')).toHaveLength(2);
    expect(screen.getByLabelText<HTMLSelectElement>('Role of Bob').value).toBe('editor');
    expect(screen.getByLabelText<HTMLSelectElement>('Role of Alice Liddell').value).toBe('owner');
    expect(screen.getByRole('button', { name: 'Create invite link' })).toBeDefined();
  });

  it('shows a non-owner the roles as text and only a way to leave', async () => {
    fakeApi({
      'GET /api/me': { body: { user: bob } },
      'GET /api/projects/p1': { body: project({ role: 'editor' }) },
      'GET /api/projects/p1/members': { body: [member(alice, 'owner'), member(bob, 'editor')] },
      'GET /api/projects/p1/ai/provider': { body: { project: null, instance: null } },
    });
    visit('/projects/p1/members');

    render(<App />);

    const list = await screen.findByRole('list', { name: 'Members' });
    expect(within(list).queryByRole('combobox')).toBeNull();
    expect(
      within(list)
        .getAllByRole('button')
        .map((b) => b.textContent),
    ).toEqual(['Leave']);
    expect(screen.queryByRole('button', { name: 'Create invite link' })).toBeNull();
  });

  it('changes a member’s role', async () => {
    const seen = fakeApi({
      ...me,
      'GET /api/projects/p1': { body: project({ memberCount: 2 }) },
      'GET /api/projects/p1/members': { body: [member(alice, 'owner'), member(bob, 'editor')] },
      'GET /api/projects/p1/ai/provider': { body: { project: null, instance: null } },
      'GET /api/projects/p1/invites': { body: [] },
      'PATCH /api/projects/p1/members/u-bob': { body: member(bob, 'viewer') },
    });
    visit('/projects/p1/members');
    render(<App />);
    const user = userEvent.setup();

    await user.selectOptions(await screen.findByLabelText('Role of Bob'), 'viewer');

    expect(seen.find((r) => r.method === 'PATCH')?.body).toEqual({ role: 'viewer' });
    expect(screen.getByLabelText<HTMLSelectElement>('Role of Bob').value).toBe('viewer');
  });

  it('keeps the old role and explains when the last owner would be demoted', async () => {
    fakeApi({
      ...me,
      'GET /api/projects/p1': { body: project() },
      'GET /api/projects/p1/members': { body: [member(alice, 'owner')] },
      'GET /api/projects/p1/invites': { body: [] },
      'GET /api/projects/p1/ai/provider': { body: { project: null, instance: null } },
      'PATCH /api/projects/p1/members/u-alice': apiError(
        409,
        'last_owner',
        'A project needs at least one owner.',
      ),
    });
    visit('/projects/p1/members');
    render(<App />);
    const user = userEvent.setup();

    await user.selectOptions(await screen.findByLabelText('Role of Alice Liddell'), 'editor');

    expect((await screen.findByRole('alert')).textContent).toBe(
      'A project needs at least one owner.',
    );
    expect(screen.getByLabelText<HTMLSelectElement>('Role of Alice Liddell').value).toBe('owner');
  });

  it('adds a member by username', async () => {
    const seen = fakeApi({
      ...me,
      'GET /api/projects/p1': { body: project() },
      'GET /api/projects/p1/members': { body: [member(alice, 'owner')] },
      'GET /api/projects/p1/ai/provider': { body: { project: null, instance: null } },
      'GET /api/projects/p1/invites': { body: [] },
      'POST /api/projects/p1/members': { status: 201, body: member(bob, 'viewer') },
    });
    visit('/projects/p1/members');
    render(<App />);
    const user = userEvent.setup();

    await user.type(await screen.findByLabelText('Username'), 'bob');
    await user.selectOptions(screen.getByLabelText('Role'), 'viewer');
    await user.click(screen.getByRole('button', { name: 'Add member' }));

    expect(await screen.findByLabelText('Role of Bob')).toBeDefined();
    expect(
      seen.find((r) => r.path === '/api/projects/p1/members' && r.method === 'POST')?.body,
    ).toEqual({ username: 'bob', role: 'viewer' });
  });

  it('removes a member after confirmation', async () => {
    const seen = fakeApi({
      ...me,
      'GET /api/projects/p1': { body: project({ memberCount: 2 }) },
      'GET /api/projects/p1/members': { body: [member(alice, 'owner'), member(bob, 'editor')] },
      'GET /api/projects/p1/ai/provider': { body: { project: null, instance: null } },
      'GET /api/projects/p1/invites': { body: [] },
      'DELETE /api/projects/p1/members/u-bob': { status: 204 },
    });
    visit('/projects/p1/members');
    render(<App />);
    const user = userEvent.setup();

    await user.click(await screen.findByRole('button', { name: 'Remove Bob' }));
    await user.click(
      within(screen.getByRole('dialog')).getByRole('button', { name: 'Remove member' }),
    );

    expect(screen.queryByLabelText('Role of Bob')).toBeNull();
    expect(seen.some((r) => r.method === 'DELETE')).toBe(true);
  });
});
