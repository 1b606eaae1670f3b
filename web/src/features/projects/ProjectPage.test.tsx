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
    visit('/projects/p1/overview');

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

  it('opens the code view by default, with tabs to the overview and members', async () => {
    fakeApi({
      'GET /api/me': { body: { user: alice } },
      'GET /api/projects/p1': { body: project({ role: 'viewer' }) },
    });
    visit('/projects/p1');

    render(<App />);

    expect(await screen.findByRole('heading', { level: 1, name: 'Apollo' })).toBeDefined();
    const tabs = screen.getByRole('navigation', { name: 'Project' });
    expect(tabs.querySelector('[aria-current="page"]')?.textContent).toBe('Code');
    expect(screen.getByRole('link', { name: 'Overview' }).getAttribute('href')).toBe(
      '/projects/p1/overview',
    );
    expect(screen.getByText('Your role').parentElement?.textContent).toContain('Viewer');
  });

  it('explains that files cannot open when the server names no root document', async () => {
    fakeApi({
      'GET /api/me': { body: { user: alice } },
      'GET /api/projects/p1': { body: project() },
    });
    visit('/projects/p1');

    render(<App />);

    expect((await screen.findByRole('alert')).textContent).toMatch(/no root document/);
    expect(screen.getByRole('link', { name: 'See the project’s overview' })).toBeDefined();
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
