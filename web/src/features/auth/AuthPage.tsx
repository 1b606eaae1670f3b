import { useState, type SubmitEvent } from 'react';
import { api, toApiError, type ApiError } from '../../api/client';
import { paths } from '../../app/paths';
import { Link, navigate } from '../../app/router';
import { ErrorAlert } from '../../ui/ErrorAlert';
import { TextField } from '../../ui/Field';
import { PageHeader } from '../../ui/PageHeader';
import { providerHref, useProviders } from './useProviders';
import { useSession } from './useSession';

export type AuthMode = 'login' | 'signup';

interface AuthPageProps {
  mode: AuthMode;
  /** Where to go once signed in (already checked to be an in-app path). */
  returnTo: string;
}

/** Sign up or log in with a username and password, or through a configured OAuth provider. */
export function AuthPage({ mode, returnTo }: AuthPageProps) {
  const session = useSession();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const signup = mode === 'signup';

  const submit = async (event: SubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const name = displayName.trim();
      const user = signup
        ? await api.auth.signup({ username, password, ...(name ? { displayName: name } : {}) })
        : await api.auth.login({ username, password });
      session.signedIn(user);
      navigate(returnTo, { replace: true });
    } catch (e) {
      setError(toApiError(e));
      setBusy(false);
    }
  };

  return (
    <section className="auth">
      <div className="card auth-card">
        <PageHeader title={signup ? 'Create your account' : 'Log in to Ensemble'} />
        <form onSubmit={(event) => void submit(event)}>
          <ErrorAlert error={error} />
          <TextField
            label="Username"
            name="username"
            autoComplete="username"
            required
            autoCapitalize="none"
            spellCheck={false}
            value={username}
            onChange={(event) => {
              setUsername(event.target.value);
            }}
            error={error}
            {...(signup
              ? {
                  minLength: 3,
                  maxLength: 32,
                  pattern: '[a-zA-Z0-9_.\\-]{3,32}',
                  hint: '3–32 letters, digits, dots, dashes or underscores.',
                }
              : {})}
          />
          <TextField
            label="Password"
            name="password"
            type="password"
            autoComplete={signup ? 'new-password' : 'current-password'}
            required
            value={password}
            onChange={(event) => {
              setPassword(event.target.value);
            }}
            error={error}
            {...(signup ? { minLength: 8, maxLength: 128, hint: '8–128 characters.' } : {})}
          />
          {signup && (
            <TextField
              label="Display name (optional)"
              name="displayName"
              autoComplete="name"
              maxLength={100}
              value={displayName}
              onChange={(event) => {
                setDisplayName(event.target.value);
              }}
              error={error}
            />
          )}
          <button type="submit" className="button button-primary button-block" disabled={busy}>
            {busy ? 'Please wait…' : signup ? 'Sign up' : 'Log in'}
          </button>
        </form>
        <ProviderButtons returnTo={returnTo} />
        <p className="auth-switch">
          {signup ? (
            <>
              Already have an account? <Link to={paths.login(returnTo)}>Log in</Link>
            </>
          ) : (
            <>
              New to Ensemble? <Link to={paths.signup(returnTo)}>Create an account</Link>
            </>
          )}
        </p>
      </div>
    </section>
  );
}

function ProviderButtons({ returnTo }: { returnTo: string }) {
  const { state } = useProviders();
  if (state.status === 'loading') return null;
  if (state.status === 'error') return <ErrorAlert error={state.error} />;
  if (state.data.length === 0) return null;
  return (
    <div className="providers">
      <p className="divider">
        <span>or</span>
      </p>
      <ul className="provider-list">
        {state.data.map((provider) => (
          // A full page load: the OAuth dance happens on the server and its redirects.
          <li key={provider.id}>
            <a className="button button-block" href={providerHref(provider, returnTo)}>
              Log in with {provider.name}
            </a>
          </li>
        ))}
      </ul>
    </div>
  );
}
