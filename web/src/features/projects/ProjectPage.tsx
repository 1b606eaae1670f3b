import { lazy, Suspense, useState } from 'react';
import { api, type Project } from '../../api/client';
import { paths } from '../../app/paths';
import { Link, navigate } from '../../app/router';
import { ConfirmDialog } from '../../ui/ConfirmDialog';
import { ErrorAlert } from '../../ui/ErrorAlert';
import { formatDateTime, plural, ROLE_LABELS } from '../../ui/format';
import { Loading } from '../../ui/Loading';
import { PageHeader } from '../../ui/PageHeader';
import { RoleBadge } from '../../ui/RoleBadge';
import { ProjectNav } from './ProjectNav';
import { useSession } from '../auth/useSession';
import { RenameForm } from './ProjectListPage';
import { useProject } from './useProject';

// Monaco and Automerge are large; only the code view loads them.
const ProjectIde = lazy(() => import('../files/ProjectIde'));

const ROLE_ABILITIES = {
  owner: 'You can rename or delete the project and manage its members and invite links.',
  editor: 'You can change the project’s contents; an owner manages its members.',
  viewer: 'You can read the project; an owner can give you more access.',
} as const;

interface ProjectPageProps {
  projectId: string;
  /** The collaborative editor, or the project's details and settings. */
  view: 'code' | 'overview';
}

/** A project's home: its files in the collaborative editor, or its overview. */
export function ProjectPage({ projectId, view }: ProjectPageProps) {
  const { state, reload, update } = useProject(projectId);
  const session = useSession();

  if (state.status === 'loading') return <Loading what="project" />;
  if (state.status === 'error') {
    return (
      <>
        <PageHeader title="Project unavailable" eyebrow={<Link to="/projects">Projects</Link>} />
        <ErrorAlert error={state.error} />
        <button type="button" className="button" onClick={reload}>
          Try again
        </button>
      </>
    );
  }
  const project = state.data;
  if (view === 'code' && session.state.status === 'signedIn') {
    const { rootDocUrl } = project;
    if (!rootDocUrl) return <NoFileTree project={project} />;
    return (
      <Suspense fallback={<Loading what="the editor" />}>
        <ProjectIde project={{ ...project, rootDocUrl }} user={session.state.user} />
      </Suspense>
    );
  }
  return (
    <ProjectOverview
      project={project}
      onRenamed={(project) => {
        update(() => project);
      }}
    />
  );
}

/** What the code view shows when the server gave no root document for the project. */
function NoFileTree({ project }: { project: Project }) {
  return (
    <>
      <PageHeader title={project.name} eyebrow={<Link to="/projects">Projects</Link>}>
        <span className="role-line">
          <span className="muted">Your role</span> <RoleBadge role={project.role} />
        </span>
      </PageHeader>
      <ProjectNav projectId={project.id} />
      <div className="card">
        <h2>Files are not available</h2>
        <p className="alert alert-error" role="alert">
          The server did not say where this project’s files live (no root document), so the editor
          cannot open. The server may be older than this app; try again after it is updated.
        </p>
        <p>
          <Link to={paths.overview(project.id)}>See the project’s overview</Link>
        </p>
      </div>
    </>
  );
}

interface ProjectOverviewProps {
  project: Project;
  onRenamed: (project: Project) => void;
}

function ProjectOverview({ project, onRenamed }: ProjectOverviewProps) {
  const [renaming, setRenaming] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const owner = project.role === 'owner';
  const membersPath = paths.members(project.id);

  return (
    <>
      <PageHeader title={project.name} eyebrow={<Link to="/projects">Projects</Link>}>
        <RoleBadge role={project.role} />
      </PageHeader>
      <ProjectNav projectId={project.id} />
      <section className="card" aria-labelledby="project-details">
        <h2 id="project-details">Details</h2>
        <dl className="details">
          <div>
            <dt>Name</dt>
            <dd>{project.name}</dd>
          </div>
          <div>
            <dt>Created</dt>
            <dd>{formatDateTime(project.createdAt)}</dd>
          </div>
          <div>
            <dt>Last updated</dt>
            <dd>{formatDateTime(project.updatedAt)}</dd>
          </div>
          <div>
            <dt>Your role</dt>
            <dd>{ROLE_LABELS[project.role]}</dd>
          </div>
          <div>
            <dt>Members</dt>
            <dd>
              <Link to={membersPath}>{plural(project.memberCount, 'member')}</Link>
            </dd>
          </div>
        </dl>
        <p className="muted">{ROLE_ABILITIES[project.role]}</p>
        <p>
          <Link className="button" to={membersPath}>
            {owner ? 'Manage members and invites' : 'See members'}
          </Link>
        </p>
      </section>
      {owner && (
        <section className="card" aria-labelledby="project-settings">
          <h2 id="project-settings">Settings</h2>
          {renaming ? (
            <RenameForm
              project={project}
              rename={async (id, name) => {
                const renamed = await api.projects.rename(id, name);
                onRenamed(renamed);
                return renamed;
              }}
              onDone={() => {
                setRenaming(false);
              }}
            />
          ) : (
            <div className="actions actions-start">
              <button
                type="button"
                className="button"
                onClick={() => {
                  setRenaming(true);
                }}
              >
                Rename project
              </button>
              <button
                type="button"
                className="button button-danger-quiet"
                onClick={() => {
                  setDeleting(true);
                }}
              >
                Delete project
              </button>
            </div>
          )}
        </section>
      )}
      {deleting && (
        <ConfirmDialog
          title={`Delete “${project.name}”?`}
          confirmLabel="Delete project"
          onConfirm={async () => {
            await api.projects.remove(project.id);
            navigate('/projects', { replace: true });
          }}
          onClose={() => {
            setDeleting(false);
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
