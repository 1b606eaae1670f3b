import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { App } from '../../app/App';
import { alice, apiError, fakeApi, project, visit } from '../../test/fakeApi';

const me = { 'GET /api/me': { body: { user: alice } } };

describe('project list', () => {
  it('lists my projects with my role and member count', async () => {
    fakeApi({
      ...me,
      'GET /api/projects': {
        body: [project(), project({ id: 'p2', name: 'Gemini', role: 'viewer', memberCount: 3 })],
      },
    });
    visit('/projects');

    render(<App />);

    const gemini = (await screen.findByRole('link', { name: 'Gemini' })).closest('li');
    expect(gemini?.textContent).toContain('Viewer');
    expect(gemini?.textContent).toContain('3 members');
    // Only owners may rename or delete.
    expect(within(gemini as HTMLElement).queryByRole('button', { name: /Delete/ })).toBeNull();
    expect(screen.getByRole('button', { name: 'Delete Apollo' })).toBeDefined();
  });

  it('says so when there are no projects', async () => {
    fakeApi({ ...me, 'GET /api/projects': { body: [] } });
    visit('/projects');

    render(<App />);

    expect(await screen.findByText(/not in any project yet/)).toBeDefined();
  });

  it('creates a project and opens it', async () => {
    const created = project({ id: 'p9', name: 'Zeus' });
    const seen = fakeApi({
      ...me,
      'GET /api/projects': { body: [] },
      'POST /api/projects': { status: 201, body: created },
      'GET /api/projects/p9': { body: created },
    });
    visit('/projects');
    render(<App />);
    const user = userEvent.setup();

    await user.type(await screen.findByLabelText('Project name'), '  Zeus ');
    await user.click(screen.getByRole('button', { name: 'Create project' }));

    expect(await screen.findByRole('heading', { level: 1, name: 'Zeus' })).toBeDefined();
    expect(window.location.pathname).toBe('/projects/p9');
    expect(seen.find((r) => r.method === 'POST')?.body).toEqual({ name: 'Zeus' });
  });

  it('shows why a project could not be created', async () => {
    fakeApi({
      ...me,
      'GET /api/projects': { body: [] },
      'POST /api/projects': apiError(400, 'invalid_name', 'Name must be 1–100 characters.', 'name'),
    });
    visit('/projects');
    render(<App />);
    const user = userEvent.setup();

    await user.type(await screen.findByLabelText('Project name'), 'x');
    await user.click(screen.getByRole('button', { name: 'Create project' }));

    expect((await screen.findByRole('alert')).textContent).toBe('Name must be 1–100 characters.');
  });

  it('renames a project in place', async () => {
    const seen = fakeApi({
      ...me,
      'GET /api/projects': { body: [project()] },
      'PATCH /api/projects/p1': { body: project({ name: 'Artemis' }) },
    });
    visit('/projects');
    render(<App />);
    const user = userEvent.setup();

    await user.click(await screen.findByRole('button', { name: 'Rename Apollo' }));
    const input = screen.getByLabelText('New name for “Apollo”');
    await user.clear(input);
    await user.type(input, 'Artemis');
    await user.click(screen.getByRole('button', { name: 'Save' }));

    expect(await screen.findByRole('link', { name: 'Artemis' })).toBeDefined();
    expect(seen.find((r) => r.method === 'PATCH')?.body).toEqual({ name: 'Artemis' });
  });

  it('deletes a project only after confirmation', async () => {
    const seen = fakeApi({
      ...me,
      'GET /api/projects': { body: [project()] },
      'DELETE /api/projects/p1': { status: 204 },
    });
    visit('/projects');
    render(<App />);
    const user = userEvent.setup();

    await user.click(await screen.findByRole('button', { name: 'Delete Apollo' }));
    const dialog = screen.getByRole('dialog', { name: 'Delete “Apollo”?' });
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(seen.some((r) => r.method === 'DELETE')).toBe(false);

    await user.click(screen.getByRole('button', { name: 'Delete Apollo' }));
    await user.click(screen.getByRole('button', { name: 'Delete project' }));

    expect(await screen.findByText(/not in any project yet/)).toBeDefined();
    expect(seen.filter((r) => r.method === 'DELETE')).toHaveLength(1);
  });

  it('keeps the dialog open and shows the error when deletion fails', async () => {
    fakeApi({
      ...me,
      'GET /api/projects': { body: [project()] },
      'DELETE /api/projects/p1': apiError(403, 'forbidden', 'Only owners can delete a project.'),
    });
    visit('/projects');
    render(<App />);
    const user = userEvent.setup();

    await user.click(await screen.findByRole('button', { name: 'Delete Apollo' }));
    await user.click(screen.getByRole('button', { name: 'Delete project' }));

    const dialog = screen.getByRole('dialog');
    expect((await within(dialog).findByRole('alert')).textContent).toBe(
      'Only owners can delete a project.',
    );
  });
});
