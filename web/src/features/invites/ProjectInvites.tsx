import { useState, type SubmitEvent } from 'react';
import {
  INVITE_ROLES,
  toApiError,
  type ApiError,
  type CreatedInvite,
  type Invite,
  type InviteRole,
} from '../../api/client';
import { ConfirmDialog } from '../../ui/ConfirmDialog';
import { CopyField } from '../../ui/CopyField';
import { ErrorAlert } from '../../ui/ErrorAlert';
import { RoleSelect, TextField } from '../../ui/Field';
import { formatDateTime, ROLE_LABELS } from '../../ui/format';
import { Loading } from '../../ui/Loading';
import { RoleBadge } from '../../ui/RoleBadge';
import { useProjectInvites } from './useProjectInvites';

const DEFAULT_EXPIRY_HOURS = 72;
const MAX_EXPIRY_HOURS = 720;

/** The owner's invite links for a project: make one to share, see the pending ones, revoke. */
export function ProjectInvites({ projectId }: { projectId: string }) {
  const invites = useProjectInvites(projectId);
  const [revoking, setRevoking] = useState<Invite | null>(null);

  return (
    <section className="card" aria-labelledby="invite-links">
      <h2 id="invite-links">Invite links</h2>
      <p className="muted">
        Anyone with an Ensemble account who opens the link can join with the role you choose, until
        it expires or you revoke it.
      </p>
      <CreateInviteForm create={invites.create} />
      <h3>Pending invites</h3>
      {invites.state.status === 'loading' && <Loading what="invites" />}
      {invites.state.status === 'error' && (
        <>
          <ErrorAlert error={invites.state.error} />
          <button type="button" className="button" onClick={invites.reload}>
            Try again
          </button>
        </>
      )}
      {invites.state.status === 'ready' &&
        (invites.state.data.length === 0 ? (
          <p className="muted">No pending invites.</p>
        ) : (
          <ul className="rows" aria-label="Pending invites">
            {invites.state.data.map((invite) => (
              <li className="row invite-row" key={invite.id}>
                <div className="row-main">
                  <span className="row-title">
                    <RoleBadge role={invite.role} /> invite
                  </span>
                  <span className="row-meta">
                    created {formatDateTime(invite.createdAt)} · expires{' '}
                    {formatDateTime(invite.expiresAt)}
                  </span>
                  <CopyField
                    label={`Link for the ${ROLE_LABELS[invite.role].toLowerCase()} invite created ${formatDateTime(invite.createdAt)}`}
                    value={invite.url}
                  />
                </div>
                <div className="row-actions">
                  <button
                    type="button"
                    className="button button-danger-quiet"
                    aria-label={`Revoke ${ROLE_LABELS[invite.role].toLowerCase()} invite created ${formatDateTime(invite.createdAt)}`}
                    onClick={() => {
                      setRevoking(invite);
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
          title="Revoke this invite link?"
          confirmLabel="Revoke invite"
          onConfirm={() => invites.revoke(revoking.id)}
          onClose={() => {
            setRevoking(null);
          }}
        >
          <p>
            The {ROLE_LABELS[revoking.role].toLowerCase()} link stops working at once. People who
            already joined keep their access.
          </p>
        </ConfirmDialog>
      )}
    </section>
  );
}

interface CreateInviteFormProps {
  create: (role: InviteRole, expiresInHours: number) => Promise<CreatedInvite>;
}

function CreateInviteForm({ create }: CreateInviteFormProps) {
  const [role, setRole] = useState<InviteRole>('editor');
  const [hours, setHours] = useState(String(DEFAULT_EXPIRY_HOURS));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [created, setCreated] = useState<CreatedInvite | null>(null);

  const submit = async (event: SubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      setCreated(await create(role, Number(hours)));
    } catch (e) {
      setError(toApiError(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <form className="inline-form" onSubmit={(event) => void submit(event)}>
        <RoleSelect
          label="Invite role"
          name="role"
          value={role}
          roles={INVITE_ROLES}
          onChange={setRole}
          error={error}
        />
        <TextField
          label="Expires after (hours)"
          name="expiresInHours"
          type="number"
          inputMode="numeric"
          min={1}
          max={MAX_EXPIRY_HOURS}
          step={1}
          required
          value={hours}
          onChange={(event) => {
            setHours(event.target.value);
          }}
          error={error}
        />
        <button type="submit" className="button button-primary" disabled={busy}>
          {busy ? 'Creating…' : 'Create invite link'}
        </button>
      </form>
      <ErrorAlert error={error} />
      {created && (
        <div className="callout">
          <CopyField label="New invite link" value={created.url} />
          <p className="hint">
            Joins as {ROLE_LABELS[created.role].toLowerCase()}; expires{' '}
            {formatDateTime(created.expiresAt)}.
          </p>
        </div>
      )}
    </>
  );
}
