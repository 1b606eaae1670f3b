import { useState, type SubmitEvent } from 'react';
import { toApiError, type ApiError, type Project } from '../../api/client';
import { paths } from '../../app/paths';
import { Link, navigate } from '../../app/router';
import { ConfirmDialog } from '../../ui/ConfirmDialog';
import { ErrorAlert } from '../../ui/ErrorAlert';
import { TextField } from '../../ui/Field';
import { formatDateTime, plural } from '../../ui/format';
import { Loading } from '../../ui/Loading';
import { PageHeader } from '../../ui/PageHeader';
import { RoleBadge } from '../../ui/RoleBadge';
import { ImportRepositoryDialog } from '../git/ImportRepositoryDialog';
import { useProjects } from './useProjects';

/** The signed-in user's projects: create one, open one, and (as owner) rename or delete. */
export function ProjectListPage() {
  const projects = useProjects();
  const [deleting, setDeleting] = useState<Project | null>(null);
  const [importing, setImporting] = useState(false);

  return (
    <>
      <PageHeader title="Projects">
        <button
          type="button"
          className="button"
          onClick={() => {
            setImporting(true);
          }}
        >
          Import repository
        </button>
      </PageHeader>
      <CreateProjectForm create={projects.create} />
      <section aria-labelledby="your-projects" className="card">
        <h2 id="your-projects">Your projects</h2>
        {projects.state.status === 'loading' && <Loading what="projects" />}
        {projects.state.status === 'error' && (
          <>
            <ErrorAlert error={projects.state.error} />
            <button type="button" className="button" onClick={projects.reload}>
              Try again
            </button>
          </>
        )}
        {projects.state.status === 'ready' &&
          (projects.state.data.length === 0 ? (
            <p className="muted">
              You are not in any project yet. Create one above, import a git repository, or open an
              invite link from a teammate.
            </p>
          ) : (
            <ul className="rows">
              {projects.state.data.map((project) => (
                <ProjectRow
                  key={project.id}
                  project={project}
                  rename={projects.rename}
                  onDelete={() => {
                    setDeleting(project);
                  }}
                />
              ))}
            </ul>
          ))}
      </section>
      {importing && (
        <ImportRepositoryDialog
          onClose={() => {
            setImporting(false);
          }}
        />
      )}
      {deleting && (
        <ConfirmDialog
          title={`Delete “${deleting.name}”?`}
          confirmLabel="Delete project"
          onConfirm={() => projects.remove(deleting.id)}
          onClose={() => {
            setDeleting(null);
          }}
        >
          <p>
            The project, its members and its invite links are removed for everyone. This cannot be
            undone.
          </p>
        </ConfirmDialog>
      )}
    </>
  );
}

function CreateProjectForm({ create }: { create: (name: string) => Promise<Project> }) {
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);

  const submit = async (event: SubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const project = await create(name.trim());
      navigate(paths.project(project.id));
    } catch (e) {
      setError(toApiError(e));
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="new-project" className="card">
      <h2 id="new-project">New project</h2>
      <form className="inline-form" onSubmit={(event) => void submit(event)}>
        <TextField
          label="Project name"
          name="name"
          required
          maxLength={100}
          value={name}
          onChange={(event) => {
            setName(event.target.value);
          }}
          error={error}
        />
        <button type="submit" className="button button-primary" disabled={busy}>
          {busy ? 'Creating…' : 'Create project'}
        </button>
      </form>
      <ErrorAlert error={error} />
    </section>
  );
}

interface ProjectRowProps {
  project: Project;
  rename: (id: string, name: string) => Promise<Project>;
  onDelete: () => void;
}

function ProjectRow({ project, rename, onDelete }: ProjectRowProps) {
  const [editing, setEditing] = useState(false);
  const owner = project.role === 'owner';

  return (
    <li className="row">
      {editing ? (
        <RenameForm
          project={project}
          rename={rename}
          onDone={() => {
            setEditing(false);
          }}
        />
      ) : (
        <>
          <div className="row-main">
            <Link className="row-title" to={paths.project(project.id)}>
              {project.name}
            </Link>
            <span className="row-meta">
              <RoleBadge role={project.role} /> · {plural(project.memberCount, 'member')} · updated{' '}
              {formatDateTime(project.updatedAt)}
            </span>
          </div>
          {owner && (
            <div className="row-actions">
              <button
                type="button"
                className="button"
                aria-label={`Rename ${project.name}`}
                onClick={() => {
                  setEditing(true);
                }}
              >
                Rename
              </button>
              <button
                type="button"
                className="button button-danger-quiet"
                aria-label={`Delete ${project.name}`}
                onClick={onDelete}
              >
                Delete
              </button>
            </div>
          )}
        </>
      )}
    </li>
  );
}

interface RenameFormProps {
  project: Project;
  rename: (id: string, name: string) => Promise<Project>;
  onDone: () => void;
}

/** Renames in place; also used on the project page. */
export function RenameForm({ project, rename, onDone }: RenameFormProps) {
  const [name, setName] = useState(project.name);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);

  const submit = async (event: SubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await rename(project.id, name.trim());
      onDone();
    } catch (e) {
      setError(toApiError(e));
      setBusy(false);
    }
  };

  return (
    <form
      className="rename-form"
      onSubmit={(event) => void submit(event)}
      onKeyDown={(event) => {
        if (event.key === 'Escape') onDone();
      }}
    >
      <div className="inline-form">
        <TextField
          label={`New name for “${project.name}”`}
          name="name"
          required
          maxLength={100}
          autoFocus
          value={name}
          onChange={(event) => {
            setName(event.target.value);
          }}
          error={error}
        />
        <button type="submit" className="button button-primary" disabled={busy}>
          Save
        </button>
        <button type="button" className="button" onClick={onDone} disabled={busy}>
          Cancel
        </button>
      </div>
      <ErrorAlert error={error} />
    </form>
  );
}
