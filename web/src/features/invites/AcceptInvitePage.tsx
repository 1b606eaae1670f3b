import { useState } from 'react';
import { api, toApiError, type ApiError, type InvitePreview } from '../../api/client';
import { paths } from '../../app/paths';
import { Link, navigate } from '../../app/router';
import { ErrorAlert } from '../../ui/ErrorAlert';
import { formatDateTime, ROLE_LABELS } from '../../ui/format';
import { Loading } from '../../ui/Loading';
import { PageHeader } from '../../ui/PageHeader';
import { useSession } from '../auth/useSession';
import { useInvitePreview } from './useInvitePreview';

/**
 * Where an invite link lands. Signed-out visitors are sent to log in or sign up and brought
 * back here; signed-in ones see the project and role, and join with one button.
 */
export function AcceptInvitePage({ token }: { token: string }) {
  const { state } = useSession();
  const here = paths.invite(token);

  if (state.status === 'signedIn') return <InviteOffer token={token} />;
  return (
    <section className="auth">
      <div className="card auth-card">
        <PageHeader title="You’ve been invited to a project" />
        <p>Log in or create an account to see the invitation and join the project.</p>
        <div className="actions actions-start">
          <Link className="button button-primary" to={paths.login(here)}>
            Log in
          </Link>
          <Link className="button" to={paths.signup(here)}>
            Sign up
          </Link>
        </div>
      </div>
    </section>
  );
}

function InviteOffer({ token }: { token: string }) {
  const { state } = useInvitePreview(token);

  if (state.status === 'loading') return <Loading what="invitation" />;
  if (state.status === 'error') {
    return (
      <section className="auth">
        <div className="card auth-card">
          <PageHeader title="This invite can’t be used" />
          <ErrorAlert error={state.error} />
          <p className="muted">
            Invite links expire and can be revoked. Ask the project’s owner for a new one.
          </p>
          <Link to={paths.projects}>Go to your projects</Link>
        </div>
      </section>
    );
  }
  return <JoinCard token={token} invite={state.data} />;
}

function JoinCard({ token, invite }: { token: string; invite: InvitePreview }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);

  const join = async () => {
    setBusy(true);
    setError(null);
    try {
      const accepted = await api.invites.accept(token);
      navigate(paths.project(accepted.projectId), { replace: true });
    } catch (e) {
      setError(toApiError(e));
      setBusy(false);
    }
  };

  return (
    <section className="auth">
      <div className="card auth-card">
        <PageHeader title={`Join ${invite.projectName}`} />
        <dl className="details">
          <div>
            <dt>Project</dt>
            <dd>{invite.projectName}</dd>
          </div>
          <div>
            <dt>Your role</dt>
            <dd>{ROLE_LABELS[invite.role]}</dd>
          </div>
          <div>
            <dt>Invite expires</dt>
            <dd>{formatDateTime(invite.expiresAt)}</dd>
          </div>
        </dl>
        <ErrorAlert error={error} />
        <div className="actions actions-start">
          <button
            type="button"
            className="button button-primary"
            onClick={() => void join()}
            disabled={busy}
          >
            {busy ? 'Joining…' : 'Join project'}
          </button>
          <Link className="button" to={paths.projects}>
            Not now
          </Link>
        </div>
      </div>
    </section>
  );
}
