import { useState, type SubmitEvent } from 'react';
import {
  api,
  toApiError,
  type AccessToken,
  type ApiError,
  type CreatedAccessToken,
} from '../../api/client';
import { paths } from '../../app/paths';
import { navigate } from '../../app/router';
import { ConfirmDialog } from '../../ui/ConfirmDialog';
import { CopyField } from '../../ui/CopyField';
import { ErrorAlert } from '../../ui/ErrorAlert';
import { TextField } from '../../ui/Field';
import { formatDateTime } from '../../ui/format';
import { Loading } from '../../ui/Loading';
import { PageHeader } from '../../ui/PageHeader';
import { useCurrentUser, useSession } from '../auth/useSession';
import { useAccessTokens } from './useAccessTokens';

/** The signed-in user's profile, personal access tokens, and the way out. */
export function AccountPage() {
  return (
    <>
      <PageHeader title="Account" />
      <ProfileForm />
      <AccessTokens />
      <LogOut />
    </>
  );
}

function ProfileForm() {
  const user = useCurrentUser();
  const { userChanged } = useSession();
  const [displayName, setDisplayName] = useState(user.displayName);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [saved, setSaved] = useState(false);

  const submit = async (event: SubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setSaved(false);
    try {
      const updated = await api.me.update({ displayName: displayName.trim() });
      userChanged(updated);
      setDisplayName(updated.displayName);
      setSaved(true);
    } catch (e) {
      setError(toApiError(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card" aria-labelledby="profile">
      <h2 id="profile">Profile</h2>
      <dl className="details">
        <div>
          <dt>Username</dt>
          <dd>@{user.username}</dd>
        </div>
        {user.email && (
          <div>
            <dt>Email</dt>
            <dd>{user.email}</dd>
          </div>
        )}
        <div>
          <dt>Member since</dt>
          <dd>{formatDateTime(user.createdAt)}</dd>
        </div>
      </dl>
      <form className="inline-form" onSubmit={(event) => void submit(event)}>
        <TextField
          label="Display name"
          name="displayName"
          autoComplete="name"
          required
          maxLength={100}
          value={displayName}
          onChange={(event) => {
            setDisplayName(event.target.value);
            setSaved(false);
          }}
          error={error}
        />
        <button type="submit" className="button button-primary" disabled={busy}>
          {busy ? 'Saving…' : 'Save'}
        </button>
      </form>
      <ErrorAlert error={error} />
      <p role="status" className="status">
        {saved && 'Display name saved.'}
      </p>
    </section>
  );
}

function AccessTokens() {
  const tokens = useAccessTokens();
  const [revoking, setRevoking] = useState<AccessToken | null>(null);

  return (
    <section className="card" aria-labelledby="tokens">
      <h2 id="tokens">Personal access tokens</h2>
      <p className="muted">
        Tokens let scripts and tools call the API as you. Treat them like passwords.
      </p>
      <CreateTokenForm create={tokens.create} />
      {tokens.state.status === 'loading' && <Loading what="tokens" />}
      {tokens.state.status === 'error' && (
        <>
          <ErrorAlert error={tokens.state.error} />
          <button type="button" className="button" onClick={tokens.reload}>
            Try again
          </button>
        </>
      )}
      {tokens.state.status === 'ready' &&
        (tokens.state.data.length === 0 ? (
          <p className="muted">You have no tokens.</p>
        ) : (
          <ul className="rows" aria-label="Tokens">
            {tokens.state.data.map((token) => (
              <li className="row" key={token.id}>
                <div className="row-main">
                  <span className="row-title">{token.name}</span>
                  <span className="row-meta">
                    created {formatDateTime(token.createdAt)} ·{' '}
                    {token.expiresAt
                      ? `expires ${formatDateTime(token.expiresAt)}`
                      : 'never expires'}{' '}
                    ·{' '}
                    {token.lastUsedAt
                      ? `last used ${formatDateTime(token.lastUsedAt)}`
                      : 'never used'}
                  </span>
                </div>
                <div className="row-actions">
                  <button
                    type="button"
                    className="button button-danger-quiet"
                    aria-label={`Revoke token ${token.name}`}
                    onClick={() => {
                      setRevoking(token);
                    }}
                  >
                    Revoke
                  </button>
                </div>
              </li>
            ))}
          </ul>
        ))}
      {revoking && (
        <ConfirmDialog
          title={`Revoke “${revoking.name}”?`}
          confirmLabel="Revoke token"
          onConfirm={() => tokens.revoke(revoking.id)}
          onClose={() => {
            setRevoking(null);
          }}
        >
          <p>Anything using this token stops working at once.</p>
        </ConfirmDialog>
      )}
    </section>
  );
}

interface CreateTokenFormProps {
  create: (name: string, expiresInDays: number | undefined) => Promise<CreatedAccessToken>;
}

function CreateTokenForm({ create }: CreateTokenFormProps) {
  const [name, setName] = useState('');
  const [days, setDays] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [created, setCreated] = useState<CreatedAccessToken | null>(null);

  const submit = async (event: SubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      setCreated(await create(name.trim(), days.trim() === '' ? undefined : Number(days)));
      setName('');
      setDays('');
    } catch (e) {
      setError(toApiError(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <form className="inline-form" onSubmit={(event) => void submit(event)}>
        <TextField
          label="Token name"
          name="name"
          required
          maxLength={100}
          value={name}
          onChange={(event) => {
            setName(event.target.value);
          }}
          error={error}
        />
        <TextField
          label="Expires in (days, optional)"
          name="expiresInDays"
          type="number"
          inputMode="numeric"
          min={1}
          max={3650}
          step={1}
          value={days}
          onChange={(event) => {
            setDays(event.target.value);
          }}
          error={error}
        />
        <button type="submit" className="button button-primary" disabled={busy}>
          {busy ? 'Creating…' : 'Create token'}
        </button>
      </form>
      <ErrorAlert error={error} />
      {created && (
        <div className="callout">
          <CopyField label={`New token “${created.name}”`} value={created.token} />
          <p className="hint">
            Copy it now: this is the only time it is shown.{' '}
            <button
              type="button"
              className="link-button"
              onClick={() => {
                setCreated(null);
              }}
            >
              I have copied it
            </button>
          </p>
        </div>
      )}
    </>
  );
}

function LogOut() {
  const { logOut } = useSession();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);

  const run = async () => {
    setBusy(true);
    setError(null);
    try {
      await logOut();
      navigate(paths.login(), { replace: true });
    } catch (e) {
      setError(toApiError(e));
      setBusy(false);
    }
  };

  return (
    <section className="card" aria-labelledby="session">
      <h2 id="session">Session</h2>
      <p className="muted">
        Logging out also deletes this browser&apos;s copy of your projects&apos; files. Everything
        saved to the server stays; edits made offline that have not reached it yet are lost.
      </p>
      <ErrorAlert error={error} />
      <button type="button" className="button" onClick={() => void run()} disabled={busy}>
        Log out
      </button>
    </section>
  );
}
