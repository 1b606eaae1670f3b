import { useId, useState, type SubmitEvent } from 'react';
import {
  AI_PROVIDER_KINDS,
  api,
  toApiError,
  type AiProviderKind,
  type AiProviderRequest,
  type AiProviders,
  type ApiError,
} from '../../api/client';
import { useResource } from '../../api/resource';
import { ErrorAlert } from '../../ui/ErrorAlert';
import { TextField } from '../../ui/Field';
import { Loading } from '../../ui/Loading';
import './ai.css';

export const KIND_LABELS: Record<AiProviderKind, string> = {
  openai: 'OpenAI',
  anthropic: 'Anthropic',
  gemini: 'Google Gemini',
  'openai-compatible': 'OpenAI-compatible server (Ollama, vLLM, llama.cpp)',
};

function isKind(value: string): value is AiProviderKind {
  return (AI_PROVIDER_KINDS as readonly string[]).includes(value);
}

/** Model names typed as a comma- or line-separated list, without blanks or repeats. */
export function parseModels(text: string): string[] {
  return [
    ...new Set(
      text
        .split(/[,\n]/)
        .map((m) => m.trim())
        .filter((m) => m !== ''),
    ),
  ];
}

/** Which provider answers in the project, in words. */
function currentProvider(providers: AiProviders): string {
  if (providers.project) {
    return `This project uses its own provider: ${KIND_LABELS[providers.project.kind]}, ${providers.project.chatModel}.`;
  }
  if (providers.instance) {
    return `This project uses the server’s provider: ${KIND_LABELS[providers.instance.kind]}, ${providers.instance.chatModel}.`;
  }
  return 'The server has no provider, so the assistant is off here until you set one.';
}

/**
 * The owner's assistant settings: give the project its own model provider (hosted or a local
 * OpenAI-compatible server) or go back to the server's. The API key is write-only.
 */
export function AssistantSettings({ projectId }: { projectId: string }) {
  const providers = useResource(`ai-provider:${projectId}`, (signal) =>
    api.ai.provider(projectId, signal),
  );
  return (
    <section className="card" aria-labelledby="assistant-settings">
      <h2 id="assistant-settings">Assistant settings</h2>
      {providers.state.status === 'loading' && <Loading what="assistant settings" />}
      {providers.state.status === 'error' && (
        <>
          <ErrorAlert error={providers.state.error} />
          <button type="button" className="button" onClick={providers.reload}>
            Try again
          </button>
        </>
      )}
      {providers.state.status === 'ready' && (
        <>
          <p className="muted">{currentProvider(providers.state.data)}</p>
          <ProviderForm
            // a save or removal starts the form afresh from what the server now holds
            key={providers.state.data.project?.updatedAt ?? 'none'}
            projectId={projectId}
            providers={providers.state.data}
            onSaved={(saved) => {
              providers.update(() => saved);
            }}
          />
        </>
      )}
    </section>
  );
}

interface ProviderFormProps {
  projectId: string;
  providers: AiProviders;
  onSaved: (providers: AiProviders) => void;
}

function ProviderForm({ projectId, providers, onSaved }: ProviderFormProps) {
  const own = providers.project;
  const kindId = useId();
  const [kind, setKind] = useState<AiProviderKind>(own?.kind ?? 'openai-compatible');
  const [baseUrl, setBaseUrl] = useState(own?.baseUrl ?? '');
  const [apiKey, setApiKey] = useState('');
  const [removeKey, setRemoveKey] = useState(false);
  const [chatModel, setChatModel] = useState(own?.chatModel ?? '');
  const [completionModel, setCompletionModel] = useState(own?.completionModel ?? '');
  const [models, setModels] = useState(own?.models.join(', ') ?? '');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const local = kind === 'openai-compatible';

  const run = async (action: () => Promise<AiProviders>, message: string) => {
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      onSaved(await action());
      setDone(message);
    } catch (e) {
      setError(toApiError(e));
    } finally {
      setBusy(false);
    }
  };

  const submit = (event: SubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    const key = apiKey.trim();
    const body: AiProviderRequest = {
      kind,
      chatModel: chatModel.trim(),
      ...(baseUrl.trim() ? { baseUrl: baseUrl.trim() } : {}),
      // no key typed keeps the stored one; the server drops it if kind or URL changed
      ...(key ? { apiKey: key } : removeKey ? { apiKey: null } : {}),
      ...(completionModel.trim() ? { completionModel: completionModel.trim() } : {}),
      models: parseModels(models),
    };
    void run(async () => {
      const saved = await api.ai.setProvider(projectId, body);
      // the key field is write-only: once sent, it is gone from the page
      setApiKey('');
      setRemoveKey(false);
      return saved;
    }, 'Saved. The next question uses it.');
  };

  const remove = () => {
    void run(async () => {
      await api.ai.removeProvider(projectId);
      return { ...providers, project: null };
    }, 'Removed. The project uses the server’s provider again.');
  };

  return (
    <form aria-label="Project model provider" onSubmit={submit}>
      <div className="field">
        <label htmlFor={kindId}>Provider</label>
        <select
          id={kindId}
          name="kind"
          value={kind}
          aria-invalid={error?.field === 'kind' || undefined}
          onChange={(event) => {
            if (isKind(event.target.value)) setKind(event.target.value);
          }}
        >
          {AI_PROVIDER_KINDS.map((k) => (
            <option key={k} value={k}>
              {KIND_LABELS[k]}
            </option>
          ))}
        </select>
      </div>
      <TextField
        label="Base URL"
        name="baseUrl"
        type="url"
        required={local}
        placeholder={local ? 'http://10.0.0.5:11434/v1' : 'the provider’s public API'}
        hint={
          local
            ? 'The server’s API root including /v1. Plain http is fine on your own network.'
            : 'Leave empty for the provider’s public API; only https is accepted.'
        }
        value={baseUrl}
        onChange={(event) => {
          setBaseUrl(event.target.value);
        }}
        error={error}
      />
      <TextField
        label="API key"
        name="apiKey"
        type="password"
        autoComplete="off"
        required={!local && !own?.hasApiKey}
        placeholder={own?.hasApiKey ? 'A key is stored; type a new one to replace it' : ''}
        hint={
          own?.hasApiKey
            ? 'Stored encrypted and never shown. It is only kept while provider and URL stay the same.'
            : local
              ? 'Only if your server asks for one. Stored encrypted and never shown.'
              : 'Stored encrypted and never shown again.'
        }
        value={apiKey}
        onChange={(event) => {
          setApiKey(event.target.value);
        }}
        error={error}
      />
      {own?.hasApiKey && (
        <label className="ai-settings-check">
          <input
            type="checkbox"
            checked={removeKey}
            disabled={apiKey.trim() !== ''}
            onChange={(event) => {
              setRemoveKey(event.target.checked);
            }}
          />
          Remove the stored key
        </label>
      )}
      <TextField
        label="Chat model"
        name="chatModel"
        required
        placeholder={local ? 'qwen2.5-coder:7b' : ''}
        value={chatModel}
        onChange={(event) => {
          setChatModel(event.target.value);
        }}
        error={error}
      />
      <TextField
        label="Completion model"
        name="completionModel"
        hint="For inline completion; the chat model if empty."
        value={completionModel}
        onChange={(event) => {
          setCompletionModel(event.target.value);
        }}
        error={error}
      />
      <TextField
        label="Other models members may pick"
        name="models"
        hint="Comma-separated. Members choose among these and the two above."
        value={models}
        onChange={(event) => {
          setModels(event.target.value);
        }}
        error={error}
      />
      <ErrorAlert error={error} />
      {done && (
        <p className="hint" role="status">
          {done}
        </p>
      )}
      <div className="actions actions-start">
        <button type="submit" className="button button-primary" disabled={busy}>
          {busy ? 'Saving…' : 'Save provider'}
        </button>
        {own && (
          <button type="button" className="button" disabled={busy} onClick={remove}>
            Use the server’s provider
          </button>
        )}
      </div>
    </form>
  );
}
