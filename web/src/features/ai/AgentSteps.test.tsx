import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import type { AgentStep } from '../../api/client';
import { AgentSteps } from './AgentSteps';

const base = { messageId: 'm1', createdAt: '2025-01-01T00:00:00Z' } as const;
const steps: AgentStep[] = [
  { ...base, id: 's1', seq: 1, kind: 'thought', status: 'done', text: 'Let me look at the file.' },
  {
    ...base,
    id: 's2',
    seq: 2,
    kind: 'tool',
    status: 'done',
    tool: 'read_file',
    arguments: { path: 'src/app.py' },
    result: "1\tdef greet():\n2\t    return 'helo'",
  },
  {
    ...base,
    id: 's3',
    seq: 3,
    kind: 'tool',
    status: 'pending',
    tool: 'edit_file',
    needsApproval: true,
    arguments: { path: 'src/app.py', old_text: "'helo'", new_text: "'hello'" },
  },
];

describe('AgentSteps', () => {
  it('showsThoughtsAndCollapsibleToolCallsWithTheirResults', () => {
    render(<AgentSteps steps={steps} canDecide={false} onDecide={() => undefined} />);
    const list = screen.getByRole('list', { name: 'Agent steps' });
    const items = within(list).getAllByRole('listitem');
    expect(items).toHaveLength(3);
    expect(items[0]?.textContent).toContain('Let me look at the file.');
    expect(items[1]?.textContent).toContain('Read src/app.py · done');
    const read = items[1]?.querySelector('details');
    expect(read?.open).toBe(false);
    expect(within(items[1] as HTMLElement).getByLabelText('Result').textContent).toContain(
      "return 'helo'",
    );
    expect(items[2]?.querySelector('details')?.open).toBe(true);
  });

  it('letsAnEditorApproveOrRejectAPendingStepWithAReason', async () => {
    const onDecide = vi.fn();
    render(<AgentSteps steps={steps} canDecide onDecide={onDecide} />);
    const user = userEvent.setup();
    expect(screen.getByText('Edit src/app.py')).toBeTruthy();
    await user.click(screen.getByRole('button', { name: 'Approve' }));
    expect(onDecide).toHaveBeenLastCalledWith(steps[2], 'approve', undefined);
    await user.type(screen.getByLabelText('Reason (optional)'), 'not now');
    await user.click(screen.getByRole('button', { name: 'Reject' }));
    expect(onDecide).toHaveBeenLastCalledWith(steps[2], 'reject', 'not now');
  });

  it('tellsAViewerThatTheStepWaitsForSomeoneElse', () => {
    render(<AgentSteps steps={steps} canDecide={false} onDecide={() => undefined} />);
    expect(screen.queryByRole('button', { name: 'Approve' })).toBeNull();
    expect(screen.getByText('Waiting for an editor or the owner to approve.')).toBeTruthy();
  });
});
