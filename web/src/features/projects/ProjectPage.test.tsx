import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { App } from '../../app/App';
import { alice, apiError, fakeApi, project, visit } from '../../test/fakeApi';

describe('project page', () => {
  it('shows the project’s details, my role and a link to its members', async () => {
    fakeApi({
      'GET /api/me': { body: { user: alice } },
      'GET /api/projects/p1': { body: project({ role: 'editor', memberCount: 4 }) },
    });
    visit('/projects/p1');

    render(<App />);

    expect(await screen.findByRole('heading', { level: 1, name: 'Apollo' })).toBeDefined();
    const details = screen.getByRole('heading', { name: 'Details' }).closest('section');
    expect(details?.textContent).toContain('Your role');
    expect(details?.textContent).toContain('Editor');
    expect(screen.getByRole('link', { name: '4 members' }).getAttribute('href')).toBe(
      '/projects/p1/members',
    );
    expect(screen.queryByRole('button', { name: 'Delete project' })).toBeNull();
  });

  it('shows the server’s message for a project I cannot see', async () => {
    fakeApi({
      'GET /api/me': { body: { user: alice } },
      'GET /api/projects/p1': apiError(404, 'not_found', 'Project not found.'),
    });
    visit('/projects/p1');

    render(<App />);

    expect((await screen.findByRole('alert')).textContent).toBe('Project not found.');
  });
});
