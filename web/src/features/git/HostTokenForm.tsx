import { useState, type SubmitEvent } from 'react';
import { api, toApiError, type ApiError } from '../../api/client';
import { useResource } from '../../api/resource';
import { ErrorAlert } from '../../ui/ErrorAlert';
import { TextField } from '../../ui/Field';

interface HostTokenFormProps {
  /** The host the user is about to use, suggested until they type another. */
  suggestedHost: string | null;
  /** Open from the start (e.g. after the host refused access). */
  open?: boolean;
  /** Called once a token is stored. */
  onSaved?: (host: string) => void;
}

/**
 * "Access token for this host": stores a token (and optional user name) the server uses for
 * clones, pulls and pushes on that host, so private repositories work.
 */
export function HostTokenForm({ suggestedHost, open = false, onSaved }: HostTokenFormProps) {
  const stored = useResource('git-credentials', (signal) => api.git.credentials(signal));
  const [typedHost, setTypedHost] = useState<string | null>(null);
  const [username, setUsername] = useState('');
  const [token, setToken] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const host = typedHost ?? suggestedHost ?? '';
  const known =
    stored.state.status === 'ready'
      ? stored.state.data.find((c) => c.host === host.trim().toLowerCase())
      : undefined;

  const submit = async (event: SubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setSaved(null);
    try {
      const name = username.trim();
      const answer = await api.git.saveCredential({
        host: host.trim(),
        token,
        ...(name ? { username: name } : {}),
      });
      setToken('');
      setSaved(answer.host);
      stored.reload();
      onSaved?.(answer.host);
    } catch (e) {
      setError(toApiError(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <details className="host-token" open={open || undefined}>
      <summary>Access token for this host</summary>
      <p className="hint">
        For a private repository, store a personal access token for its host. It is kept encrypted
        on the server and used for your imports, pulls and pushes there.
        {known && ` A token is stored for ${known.host}; saving replaces it.`}
      </p>
      <form onSubmit={(event) => void submit(event)}>
        <TextField
          label="Host"
          name="host"
          required
          placeholder="github.com"
          spellCheck={false}
          autoComplete="off"
          value={host}
          onChange={(event) => {
            setTypedHost(event.target.value);
          }}
          error={error}
          hint="With :port when it is not the default."
        />
        <TextField
          label="User name (optional)"
          name="username"
          spellCheck={false}
          autoComplete="off"
          value={username}
          onChange={(event) => {
            setUsername(event.target.value);
          }}
          error={error}
        />
        <TextField
          label="Access token"
          name="token"
          type="password"
          required
          autoComplete="off"
          value={token}
          onChange={(event) => {
            setToken(event.target.value);
          }}
          error={error}
        />
        <div className="actions actions-start">
          <button type="submit" className="button" disabled={busy}>
            {busy ? 'Saving…' : 'Save token'}
          </button>
        </div>
      </form>
      <ErrorAlert error={error} />
      {saved && (
        <p className="status" role="status">
          Token saved for {saved}.
        </p>
      )}
    </details>
  );
}
