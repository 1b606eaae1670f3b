import { useState, type SubmitEvent } from 'react';
import {
  ROLES,
  toApiError,
  type ApiError,
  type Member,
  type Project,
  type Role,
} from '../../api/client';
import { paths } from '../../app/paths';
import { Link, navigate } from '../../app/router';
import { ConfirmDialog } from '../../ui/ConfirmDialog';
import { ErrorAlert } from '../../ui/ErrorAlert';
import { isRole, RoleSelect, TextField } from '../../ui/Field';
import { formatDateTime, ROLE_LABELS } from '../../ui/format';
import { Loading } from '../../ui/Loading';
import { PageHeader } from '../../ui/PageHeader';
import { RoleBadge } from '../../ui/RoleBadge';
import { AssistantSettings } from '../ai/AssistantSettings';
import { useCurrentUser } from '../auth/useSession';
import { ProjectInvites } from '../invites/ProjectInvites';
import { ProjectNav } from './ProjectNav';
import { useMembers } from './useMembers';
import { useProject } from './useProject';

/** Who is in a project; owners also add, re-role and remove members and manage invite links. */
export function MembersPage({ projectId }: { projectId: string }) {
  const project = useProject(projectId);

  if (project.state.status === 'loading') return <Loading what="project" />;
  if (project.state.status === 'error') {
    return (
      <>
        <PageHeader title="Members" eyebrow={<Link to={paths.projects}>Projects</Link>} />
        <ErrorAlert error={project.state.error} />
        <button type="button" className="button" onClick={project.reload}>
          Try again
        </button>
      </>
    );
  }
  return <ProjectMembers project={project.state.data} onProjectChanged={project.reload} />;
}

interface ProjectMembersProps {
  project: Project;
  /** Member changes alter the project's member count and possibly the viewer's role. */
  onProjectChanged: () => void;
}

function ProjectMembers({ project, onProjectChanged }: ProjectMembersProps) {
  const me = useCurrentUser();
  const members = useMembers(project.id);
  const [removing, setRemoving] = useState<Member | null>(null);
  const owner = project.role === 'owner';

  const changeRole = async (member: Member, role: Role) => {
    await members.changeRole(member.userId, role);
    if (member.userId === me.id) onProjectChanged();
  };

  return (
    <>
      <PageHeader
        title="Members"
        eyebrow={
          <>
            <Link to={paths.projects}>Projects</Link> /{' '}
            <Link to={paths.project(project.id)}>{project.name}</Link>
          </>
        }
      >
        <RoleBadge role={project.role} />
      </PageHeader>
      <ProjectNav projectId={project.id} />
      <section className="card" aria-labelledby="member-list">
        <h2 id="member-list">Members of {project.name}</h2>
        {members.state.status === 'loading' && <Loading what="members" />}
        {members.state.status === 'error' && (
          <>
            <ErrorAlert error={members.state.error} />
            <button type="button" className="button" onClick={members.reload}>
              Try again
            </button>
          </>
        )}
        {members.state.status === 'ready' && (
          <ul className="rows" aria-label="Members">
            {members.state.data.map((member) => (
              <MemberRow
                key={member.userId}
                member={member}
                isMe={member.userId === me.id}
                canManage={owner}
                changeRole={(role) => changeRole(member, role)}
                onRemove={() => {
                  setRemoving(member);
                }}
              />
            ))}
          </ul>
        )}
      </section>
      {owner && (
        <AddMemberForm
          add={async (username, role) => {
            await members.add(username, role);
            onProjectChanged();
          }}
        />
      )}
      {owner && <ProjectInvites projectId={project.id} />}
      {owner && <AssistantSettings projectId={project.id} />}
      {removing && (
        <ConfirmDialog
          title={
            removing.userId === me.id
              ? `Leave “${project.name}”?`
              : `Remove ${removing.displayName || removing.username}?`
          }
          confirmLabel={removing.userId === me.id ? 'Leave project' : 'Remove member'}
          onConfirm={async () => {
            await members.remove(removing.userId);
            if (removing.userId === me.id) navigate(paths.projects, { replace: true });
            else onProjectChanged();
          }}
          onClose={() => {
            setRemoving(null);
          }}
        >
          <p>
            {removing.userId === me.id
              ? 'You will lose access to this project until someone invites you again.'
              : `@${removing.username} will lose access to this project.`}
          </p>
        </ConfirmDialog>
      )}
    </>
  );
}

interface MemberRowProps {
  member: Member;
  isMe: boolean;
  canManage: boolean;
  changeRole: (role: Role) => Promise<void>;
  onRemove: () => void;
}

function MemberRow({ member, isMe, canManage, changeRole, onRemove }: MemberRowProps) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const name = member.displayName || member.username;
  const selectId = `role-${member.userId}`;

  const onRoleChange = async (value: string) => {
    if (!isRole(value) || value === member.role) return;
    setBusy(true);
    setError(null);
    try {
      await changeRole(value);
    } catch (e) {
      setError(toApiError(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <li className="row member-row">
      <div className="row-main">
        <span className="row-title">
          {name}
          {isMe && <span className="muted"> (you)</span>}
        </span>
        <span className="row-meta">
          @{member.username} · added {formatDateTime(member.addedAt)}
        </span>
      </div>
      <div className="row-actions">
        {canManage ? (
          <>
            <label className="visually-hidden" htmlFor={selectId}>
              Role of {name}
            </label>
            <select
              id={selectId}
              value={member.role}
              disabled={busy}
              onChange={(event) => void onRoleChange(event.target.value)}
            >
              {ROLES.map((role) => (
                <option key={role} value={role}>
                  {ROLE_LABELS[role]}
                </option>
              ))}
            </select>
          </>
        ) : (
          <RoleBadge role={member.role} />
        )}
        {(canManage || isMe) && (
          <button
            type="button"
            className="button button-danger-quiet"
            aria-label={isMe ? 'Leave project' : `Remove ${name}`}
            onClick={onRemove}
          >
            {isMe ? 'Leave' : 'Remove'}
          </button>
        )}
      </div>
      {error && (
        <div className="row-error">
          <ErrorAlert error={error} />
        </div>
      )}
    </li>
  );
}

function AddMemberForm({ add }: { add: (username: string, role: Role) => Promise<void> }) {
  const [username, setUsername] = useState('');
  const [role, setRole] = useState<Role>('editor');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [added, setAdded] = useState<string | null>(null);

  const submit = async (event: SubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setAdded(null);
    try {
      const name = username.trim();
      await add(name, role);
      setAdded(`@${name} was added as ${ROLE_LABELS[role].toLowerCase()}.`);
      setUsername('');
    } catch (e) {
      setError(toApiError(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card" aria-labelledby="add-member">
      <h2 id="add-member">Add a member</h2>
      <p className="muted">Add someone who already has an Ensemble account by their username.</p>
      <form className="inline-form" onSubmit={(event) => void submit(event)}>
        <TextField
          label="Username"
          name="username"
          required
          autoCapitalize="none"
          spellCheck={false}
          value={username}
          onChange={(event) => {
            setUsername(event.target.value);
          }}
          error={error}
        />
        <RoleSelect
          label="Role"
          name="role"
          value={role}
          roles={ROLES}
          onChange={setRole}
          error={error}
        />
        <button type="submit" className="button button-primary" disabled={busy}>
          {busy ? 'Adding…' : 'Add member'}
        </button>
      </form>
      <ErrorAlert error={error} />
      <p role="status" className="status">
        {added}
      </p>
    </section>
  );
}
