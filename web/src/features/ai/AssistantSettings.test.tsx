import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { AiProviders, ProjectAiProvider } from '../../api/client';
import { App } from '../../app/App';
import { alice, apiError, bob, fakeApi, member, project, visit } from '../../test/fakeApi';
import { AssistantSettings, parseModels } from './AssistantSettings';

const instance: AiProviders['instance'] = {
  source: 'instance',
  kind: 'openai',
  chatModel: 'gpt-4o-mini',
  completionModel: 'gpt-4o-mini',
  models: ['gpt-4o-mini'],
  restricted: false,
};

const own: ProjectAiProvider = {
  kind: 'openai-compatible',
  baseUrl: 'http://10.0.0.5:11434/v1',
  hasApiKey: true,
  chatModel: 'qwen2.5-coder:7b',
  completionModel: null,
  models: ['llama3.1:8b'],
  updatedBy: 'u-alice',
  updatedAt: '2025-03-01T10:00:00Z',
};

describe('assistant settings', () => {
  it('sets a local server without a key in place of the server’s provider', async () => {
    const seen = fakeApi({
      'GET /api/projects/p1/ai/provider': { body: { project: null, instance } },
      'PUT /api/projects/p1/ai/provider': (request) => ({
        body: { project: { ...own, hasApiKey: false, ...(request.body as object) }, instance },
      }),
    });
    render(<AssistantSettings projectId="p1" />);
    const user = userEvent.setup();

    expect(
      await screen.findByText(/uses the server’s provider: OpenAI, gpt-4o-mini/),
    ).toBeDefined();
    await user.type(screen.getByLabelText('Base URL'), 'http://10.0.0.5:11434/v1');
    await user.type(screen.getByLabelText('Chat model'), 'qwen2.5-coder:7b');
    await user.type(
      screen.getByLabelText('Other models members may pick'),
      'llama3.1:8b, , qwen2.5-coder:7b',
    );
    await user.click(screen.getByRole('button', { name: 'Save provider' }));

    const put = seen.find((r) => r.method === 'PUT');
    expect(put?.body).toEqual({
      kind: 'openai-compatible',
      baseUrl: 'http://10.0.0.5:11434/v1',
      chatModel: 'qwen2.5-coder:7b',
      models: ['llama3.1:8b', 'qwen2.5-coder:7b'],
    });
    expect(await screen.findByText(/uses its own provider: OpenAI-compatible/)).toBeDefined();
  });

  it('never shows the stored key and only sends one that was typed', async () => {
    const seen = fakeApi({
      'GET /api/projects/p1/ai/provider': { body: { project: own, instance } },
      'PUT /api/projects/p1/ai/provider': { body: { project: own, instance } },
    });
    render(<AssistantSettings projectId="p1" />);
    const user = userEvent.setup();

    const key = await screen.findByLabelText<HTMLInputElement>('API key');
    expect(key.type).toBe('password');
    expect(key.value).toBe('');
    expect(key.placeholder).toMatch(/A key is stored/);
    expect(screen.getByLabelText<HTMLInputElement>('Base URL').value).toBe(own.baseUrl);

    await user.click(screen.getByRole('button', { name: 'Save provider' }));
    await waitFor(() => {
      expect(seen.filter((r) => r.method === 'PUT')).toHaveLength(1);
    });
    expect(seen.filter((r) => r.method === 'PUT')[0]?.body).not.toHaveProperty('apiKey');

    await user.type(screen.getByLabelText('API key'), 'sk-new-key');
    await user.click(screen.getByRole('button', { name: 'Save provider' }));
    await waitFor(() => {
      expect(seen.filter((r) => r.method === 'PUT')).toHaveLength(2);
    });
    expect(seen.filter((r) => r.method === 'PUT')[1]?.body).toMatchObject({ apiKey: 'sk-new-key' });
    await waitFor(() => {
      expect(screen.getByLabelText<HTMLInputElement>('API key').value).toBe('');
    });
  });

  it('removes the stored key when asked to', async () => {
    const seen = fakeApi({
      'GET /api/projects/p1/ai/provider': { body: { project: own, instance } },
      'PUT /api/projects/p1/ai/provider': {
        body: { project: { ...own, hasApiKey: false }, instance },
      },
    });
    render(<AssistantSettings projectId="p1" />);
    const user = userEvent.setup();

    await user.click(await screen.findByLabelText('Remove the stored key'));
    await user.click(screen.getByRole('button', { name: 'Save provider' }));
    await waitFor(() => {
      expect(seen.find((r) => r.method === 'PUT')?.body).toMatchObject({ apiKey: null });
    });
  });

  it('marks the field the server refused', async () => {
    fakeApi({
      'GET /api/projects/p1/ai/provider': { body: { project: null, instance: null } },
      'PUT /api/projects/p1/ai/provider': apiError(
        400,
        'validation_failed',
        'baseUrl: openai is only reached over https',
        'baseUrl',
      ),
    });
    render(<AssistantSettings projectId="p1" />);
    const user = userEvent.setup();

    expect(await screen.findByText(/the assistant is off here/)).toBeDefined();
    await user.selectOptions(screen.getByLabelText('Provider'), 'openai');
    await user.type(screen.getByLabelText('Base URL'), 'http://api.example.com/v1');
    await user.type(screen.getByLabelText('API key'), 'sk-x');
    await user.type(screen.getByLabelText('Chat model'), 'gpt-4o');
    await user.click(screen.getByRole('button', { name: 'Save provider' }));

    expect((await screen.findByRole('alert')).textContent).toMatch(/only reached over https/);
    expect(screen.getByLabelText('Base URL').getAttribute('aria-invalid')).toBe('true');
  });

  it('goes back to the server’s provider', async () => {
    const seen = fakeApi({
      'GET /api/projects/p1/ai/provider': { body: { project: own, instance } },
      'DELETE /api/projects/p1/ai/provider': { status: 204 },
    });
    render(<AssistantSettings projectId="p1" />);
    const user = userEvent.setup();

    await user.click(await screen.findByRole('button', { name: 'Use the server’s provider' }));
    expect(await screen.findByText(/uses the server’s provider/)).toBeDefined();
    expect(seen.some((r) => r.method === 'DELETE')).toBe(true);
    expect(screen.queryByRole('button', { name: 'Use the server’s provider' })).toBeNull();
  });

  it('appears on the members page for owners only', async () => {
    const members = { body: [member(alice, 'owner'), member(bob, 'editor')] };
    fakeApi({
      'GET /api/me': { body: { user: alice } },
      'GET /api/projects/p1': { body: project() },
      'GET /api/projects/p1/members': members,
      'GET /api/projects/p1/invites': { body: [] },
      'GET /api/projects/p1/ai/provider': { body: { project: own, instance } },
    });
    visit('/projects/p1/members');
    const { unmount } = render(<App />);
    expect(await screen.findByRole('heading', { name: 'Assistant settings' })).toBeDefined();
    unmount();

    const seen = fakeApi({
      'GET /api/me': { body: { user: bob } },
      'GET /api/projects/p1': { body: project({ role: 'editor' }) },
      'GET /api/projects/p1/members': members,
    });
    render(<App />);
    await screen.findByRole('list', { name: 'Members' });
    expect(screen.queryByRole('heading', { name: 'Assistant settings' })).toBeNull();
    expect(seen.some((r) => r.path.endsWith('/ai/provider'))).toBe(false);
  });

  it('reads a model list typed with commas or lines', () => {
    expect(parseModels(' a, b\nc,,a ')).toEqual(['a', 'b', 'c']);
  });
});
