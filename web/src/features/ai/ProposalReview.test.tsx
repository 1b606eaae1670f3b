import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { apiError, fakeApi } from '../../test/fakeApi';
import type { GitDiffEditorProps } from '../git/GitDiffEditor';
import { ProposalReview } from './ProposalReview';

// Monaco does not run in jsdom; the stand-in shows what the diff editor was given.
vi.mock('../git/GitDiffEditor', () => ({
  default: ({ path, original, modified }: GitDiffEditorProps) => (
    <pre data-testid="diff-editor">{`${path}\n--- ${original}\n+++ ${modified}`}</pre>
  ),
}));

const P = '/api/projects/p1';
const proposal = {
  id: 'pr1',
  path: 'src/dates.py',
  creates: false,
  messageId: 'm1',
  content: 'def parse_iso_date(text):\n',
  baseText: 'def parse_date(text):\n',
  createdAt: '2025-01-02T10:00:00Z',
  appliedAt: null,
  appliedBy: null,
};

describe('ProposalReview', () => {
  it('showsTheDiffAgainstTheFileAsItIsAndApplies', async () => {
    const seen = fakeApi({
      [`GET ${P}/ai/proposals/pr1`]: { body: proposal },
      [`GET ${P}/files/src/dates.py`]: { text: 'def parse_date(text):\n' },
      [`POST ${P}/ai/proposals/pr1/apply`]: { body: { ...proposal, created: false } },
    });
    const onClose = vi.fn();
    render(
      <ProposalReview
        projectId="p1"
        target={{ kind: 'proposal', id: 'pr1', path: 'src/dates.py' }}
        canEdit
        onClose={onClose}
      />,
    );
    expect((await screen.findByTestId('diff-editor')).textContent).toBe(
      'src/dates.py\n--- def parse_date(text):\n\n+++ def parse_iso_date(text):\n',
    );
    await userEvent.click(screen.getByRole('button', { name: 'Apply' }));
    expect((await screen.findByRole('status')).textContent).toContain('Applied to src/dates.py.');
    expect(seen.at(-1)).toMatchObject({ method: 'POST', body: {} });
    await userEvent.click(screen.getByRole('button', { name: 'Close' }));
    expect(onClose).toHaveBeenCalled();
  });

  it('afterAConcurrentEditShowsTheNewTextAndAppliesOnlyWhenAskedAgain', async () => {
    let current = 'def parse_date(text):\n';
    const seen = fakeApi({
      [`GET ${P}/ai/proposals/pr1`]: { body: proposal },
      [`GET ${P}/files/src/dates.py`]: () => ({ text: current }),
      [`POST ${P}/ai/proposals/pr1/apply`]: (request) =>
        (request.body as { force?: boolean }).force
          ? { body: { ...proposal, created: false } }
          : apiError(409, 'ai_proposal_stale', 'src/dates.py changed'),
    });
    render(
      <ProposalReview
        projectId="p1"
        target={{ kind: 'proposal', id: 'pr1', path: 'src/dates.py' }}
        canEdit
        onClose={() => {}}
      />,
    );
    await screen.findByTestId('diff-editor');
    current = 'def parse_date(text):\n# typed by Bob\n';
    await userEvent.click(screen.getByRole('button', { name: 'Apply' }));
    expect((await screen.findByRole('alert')).textContent).toContain(
      'changed after the proposal was made',
    );
    expect(screen.getByTestId('diff-editor').textContent).toContain('# typed by Bob');
    await userEvent.click(screen.getByRole('button', { name: 'Apply anyway' }));
    expect((await screen.findByRole('status')).textContent).toContain('Applied to src/dates.py.');
    const applies = seen.filter((r) => r.method === 'POST').map((r) => r.body);
    expect(applies).toEqual([{}, { force: true }]);
  });

  it('aCodeBlockIsWrittenOnlyIfTheFileIsStillWhatTheDiffShowed', async () => {
    let current: string | null = 'old\n';
    const seen = fakeApi({
      [`GET ${P}/files/notes.md`]: () =>
        current === null ? apiError(404, 'not_found', 'no file') : { text: current },
      [`PUT ${P}/files/notes.md`]: { status: 204 },
    });
    render(
      <ProposalReview
        projectId="p1"
        target={{ kind: 'block', path: 'notes.md', content: 'new\n' }}
        canEdit
        onClose={() => {}}
      />,
    );
    await screen.findByTestId('diff-editor');
    current = 'older\n';
    await userEvent.click(screen.getByRole('button', { name: 'Apply' }));
    expect((await screen.findByRole('alert')).textContent).toContain('notes.md changed meanwhile');
    expect(seen.some((r) => r.method === 'PUT')).toBe(false);
    await userEvent.click(screen.getByRole('button', { name: 'Apply' }));
    expect((await screen.findByRole('status')).textContent).toContain('Applied to notes.md.');
    expect(seen.at(-1)).toMatchObject({ method: 'PUT', body: 'new\n' });
  });

  it('viewersSeeTheDiffWithoutApply', async () => {
    fakeApi({
      [`GET ${P}/ai/proposals/pr1`]: { body: { ...proposal, creates: true, baseText: null } },
      [`GET ${P}/files/src/dates.py`]: apiError(404, 'not_found', 'no file'),
    });
    render(
      <ProposalReview
        projectId="p1"
        target={{ kind: 'proposal', id: 'pr1', path: 'src/dates.py' }}
        canEdit={false}
        onClose={() => {}}
      />,
    );
    expect(await screen.findByText('(new file)')).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Apply' })).toBeNull();
  });
});
