import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { act } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { requestCodeAction, setCursorInserter } from '../../editor/editorActions';
import { setEditorSelection } from '../../editor/editorSelection';
import { CodeBlock, ContextList, ProposalList } from './AnswerParts';
import { CodeActionsBar } from './CodeActionsBar';

afterEach(() => {
  setEditorSelection(null);
  setCursorInserter(null);
});

describe('CodeActionsBar', () => {
  it('runsAnActionOnTheFileAndSelectionOnScreen', async () => {
    const onRun = vi.fn();
    render(<CodeActionsBar disabled={false} onRun={onRun} />);
    await userEvent.click(screen.getByRole('button', { name: 'Write tests' }));
    expect(screen.getByRole('status').textContent).toContain('Open a file in the editor first.');
    expect(onRun).not.toHaveBeenCalled();

    setEditorSelection({ path: 'src/dates.py', text: 'def parse_date' });
    await userEvent.click(screen.getByRole('button', { name: 'Write tests' }));
    expect(onRun).toHaveBeenLastCalledWith({
      action: 'tests',
      path: 'src/dates.py',
      selection: 'def parse_date',
    });
    setEditorSelection({ path: 'src/dates.py', text: '' });
    await userEvent.click(screen.getByRole('button', { name: 'Fix last error' }));
    expect(onRun).toHaveBeenLastCalledWith({ action: 'fix', path: 'src/dates.py' });
  });

  it('asksHowToRefactorBeforeRunning', async () => {
    const onRun = vi.fn();
    render(<CodeActionsBar disabled={false} onRun={onRun} />);
    act(() => {
      requestCodeAction({ action: 'refactor', path: 'src/dates.py', selection: '' });
    });
    await userEvent.type(screen.getByRole('textbox'), 'rename parse_date to parse_iso_date');
    await userEvent.click(screen.getByRole('button', { name: 'Refactor' }));
    expect(onRun).toHaveBeenCalledWith({
      action: 'refactor',
      path: 'src/dates.py',
      instruction: 'rename parse_date to parse_iso_date',
    });
    expect(screen.queryByRole('textbox')).toBeNull();
  });

  it('runsWhatTheEditorsContextMenuAsksFor', () => {
    const onRun = vi.fn();
    render(<CodeActionsBar disabled={false} onRun={onRun} />);
    act(() => {
      requestCodeAction({ action: 'explain', path: 'a.ts', selection: 'x + 1' });
    });
    expect(onRun).toHaveBeenCalledWith({ action: 'explain', path: 'a.ts', selection: 'x + 1' });
  });
});

describe('answer parts', () => {
  it('insertsACodeBlockAtTheCaretAndAppliesItToTheFileItNames', async () => {
    const inserted: string[] = [];
    const onApply = vi.fn();
    render(<CodeBlock code="x = 1" info="python path=src/a.py" canEdit onApply={onApply} />);
    await userEvent.click(screen.getByRole('button', { name: 'Insert at cursor' }));
    expect(screen.getByRole('status').textContent).toContain('Open a file you can edit first');
    setCursorInserter((text) => {
      inserted.push(text);
      return true;
    });
    await userEvent.click(screen.getByRole('button', { name: 'Insert at cursor' }));
    expect(inserted).toEqual(['x = 1']);
    await userEvent.click(screen.getByRole('button', { name: 'Apply to file' }));
    expect(onApply).toHaveBeenCalledWith('src/a.py', 'x = 1');
  });

  it('viewersOnlyCopy', () => {
    render(<CodeBlock code="x" info="" canEdit={false} onApply={() => {}} />);
    expect(screen.getAllByRole('button').map((b) => b.textContent)).toEqual(['Copy']);
  });

  it('listsTheContextSentAndTheProposedFiles', async () => {
    const onReview = vi.fn();
    render(
      <>
        <ContextList
          pieces={[
            { kind: 'file', path: 'src/a.py', lines: [1, 7] },
            { kind: 'retrieved', path: 'src/b.py', lines: [1, 30] },
          ]}
        />
        <ProposalList
          proposals={[{ id: 'pr1', path: 'tests/test_a.py', creates: true }]}
          canEdit
          onReview={onReview}
        />
      </>,
    );
    expect(screen.getByText('Context sent (2)')).toBeTruthy();
    expect(screen.getByText('src/b.py (lines 1–30) · retrieved')).toBeTruthy();
    await userEvent.click(screen.getByRole('button', { name: 'Review and apply' }));
    expect(onReview).toHaveBeenCalledWith({ id: 'pr1', path: 'tests/test_a.py', creates: true });
  });
});
