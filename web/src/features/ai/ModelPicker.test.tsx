import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { AiModels } from '../../api/client';
import { fakeApi } from '../../test/fakeApi';
import { AssistantPanel } from './AssistantPanel';

const offer: AiModels = {
  configured: true,
  source: 'project',
  kind: 'openai-compatible',
  chatModel: 'qwen2.5-coder:7b',
  completionModel: 'qwen2.5-coder:1.5b',
  models: ['qwen2.5-coder:7b', 'qwen2.5-coder:1.5b', 'llama3.1:70b'],
  restricted: true,
};

function routes(models: AiModels) {
  return {
    'GET /api/projects/p1/ai/threads': { body: [] },
    'GET /api/projects/p1/ai/models': { body: models },
    'POST /api/projects/p1/ai/chat': { body: {} },
  };
}

describe('model picker', () => {
  it('offers the project’s models and sends the chosen one with the question', async () => {
    const seen = fakeApi(routes(offer));
    render(<AssistantPanel projectId="p1" canEdit />);
    const user = userEvent.setup();

    const picker = await screen.findByLabelText<HTMLSelectElement>('Model');
    expect([...picker.options].map((o) => o.textContent)).toEqual([
      'qwen2.5-coder:7b (default)',
      'qwen2.5-coder:1.5b',
      'llama3.1:70b',
    ]);
    await user.selectOptions(picker, 'llama3.1:70b');
    await user.type(screen.getByLabelText('Question for the assistant'), 'Explain this');
    await user.click(screen.getByRole('button', { name: 'Ask' }));

    await waitFor(() => {
      expect(seen.find((r) => r.method === 'POST')?.body).toMatchObject({
        message: 'Explain this',
        model: 'llama3.1:70b',
      });
    });
  });

  it('leaves the model to the server while the default is chosen', async () => {
    const seen = fakeApi(routes(offer));
    render(<AssistantPanel projectId="p1" canEdit />);
    const user = userEvent.setup();

    await screen.findByLabelText('Model');
    await user.type(screen.getByLabelText('Question for the assistant'), 'Hi');
    await user.click(screen.getByRole('button', { name: 'Ask' }));

    await waitFor(() => {
      expect(seen.some((r) => r.method === 'POST')).toBe(true);
    });
    expect(seen.find((r) => r.method === 'POST')?.body).not.toHaveProperty('model');
  });

  it('is not shown when there is only one model', async () => {
    const seen = fakeApi(routes({ ...offer, models: ['qwen2.5-coder:7b'] }));
    render(<AssistantPanel projectId="p1" canEdit />);

    await waitFor(() => {
      expect(seen.some((r) => r.path === '/api/projects/p1/ai/models')).toBe(true);
    });
    expect(screen.queryByLabelText('Model')).toBeNull();
  });
});
