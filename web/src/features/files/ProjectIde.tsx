import { lazy, Suspense, useMemo, useState } from 'react';
import type { Project, User } from '../../api/client';
import { Link } from '../../app/router';
import type { TextFileDoc } from '../../editor/binding';
import type { EditorReveal } from '../../editor/CodeEditor';
import { colorFor, peopleOf, type PeerPresence } from '../../sync/presence';
import { useDocument } from '../../sync/useDocument';
import { usePresence, type LocalPresence } from '../../sync/usePresence';
import { RepoContext, useRepo, useRepoContext } from '../../sync/useRepo';
import { LiveContext, useLiveChannel } from '../../live/useLiveChannel';
import { useSourceControl } from '../git/useSourceControl';
import { Loading } from '../../ui/Loading';
import { PageHeader } from '../../ui/PageHeader';
import { RoleBadge } from '../../ui/RoleBadge';
import { ProjectNav } from '../projects/ProjectNav';
import { buildFileTree, type FileEntry, type ProjectRootDoc } from './fileTree';
import { FilesSidebar } from './FilesSidebar';
import { PresenceList } from './PresenceList';
import { SaveStatus } from './SaveStatus';
import { ToolPanels } from './ToolPanels';
import { createTextFile, deletePath, movePath } from './projectFiles';
import type { LineMatch } from './fileSearch';
import './ide.css';

const CodeEditor = lazy(() => import('../../editor/CodeEditor'));

export interface ProjectIdeProps {
  project: Project & { rootDocUrl: string };
  user: User;
}

/** The project as a collaborative IDE: live file tree, tabs, editor and who is here. */
export default function ProjectIde({ project, user }: ProjectIdeProps) {
  const repo = useRepo(project.id, user.id);
  const live = useLiveChannel(project.id);
  return (
    <RepoContext.Provider value={repo}>
      <LiveContext.Provider value={live}>
        <Workspace project={project} user={user} />
      </LiveContext.Provider>
    </RepoContext.Provider>
  );
}

function Workspace({ project, user }: ProjectIdeProps) {
  const { repo, status, error } = useRepoContext();
  const root = useDocument<ProjectRootDoc>(project.rootDocUrl);
  const [tabs, setTabs] = useState<string[]>([]);
  const [active, setActive] = useState<string | null>(null);
  const [reveal, setReveal] = useState<EditorReveal | null>(null);
  const [following, setFollowing] = useState<string | null>(null);
  const canEdit = project.role !== 'viewer';
  const git = useSourceControl(project.id);

  const me = useMemo(
    () => ({
      userId: user.id,
      name: user.displayName || user.username,
      color: colorFor(user.id),
    }),
    [user.id, user.displayName, user.username],
  );

  // An empty or foreign root document has no `files` map yet, whatever its type says.
  const rootDoc: Partial<ProjectRootDoc> | null = root.status === 'ready' ? root.doc : null;
  const files = useMemo<Readonly<Record<string, FileEntry>>>(() => rootDoc?.files ?? {}, [rootDoc]);
  const paths = useMemo(() => Object.keys(files).sort(), [files]);
  const tree = useMemo(() => buildFileTree(paths), [paths]);
  const rootHandle = root.status === 'ready' ? root.handle : null;
  // Our presence names the file shown, which follow mode derives from the other's presence; the
  // previous render's choice is what we publish, so the two do not chase each other.
  const [shown, setShown] = useState<string | null>(null);
  const presence: LocalPresence = shown === null ? me : { ...me, file: shown };
  const peers = usePresence(rootHandle, presence);
  const others = peopleOf(peers).filter((person) => person.userId !== user.id);
  // Follow mode: the followed person's file is shown (in a tab of its own) while they are here.
  const followed = following === null ? undefined : others.find((p) => p.userId === following);
  const followedFile =
    followed?.file !== undefined && followed.file in files ? followed.file : undefined;

  // Tabs of files someone else deleted or renamed simply disappear.
  const openTabs = [
    ...tabs.filter((path) => path in files),
    ...(followedFile !== undefined && !tabs.includes(followedFile) ? [followedFile] : []),
  ];
  const activePath =
    followedFile ?? (active !== null && active in files ? active : (openTabs[0] ?? null));
  if (activePath !== shown) setShown(activePath);
  const peopleByFile = new Map<string, PeerPresence[]>();
  for (const person of others) {
    if (person.file === undefined) continue;
    peopleByFile.set(person.file, [...(peopleByFile.get(person.file) ?? []), person]);
  }

  const open = (path: string) => {
    setTabs((current) => (current.includes(path) ? current : [...current, path]));
    setActive(path);
    // Choosing a file yourself ends follow mode.
    setFollowing(null);
  };
  const openAt = (path: string, match: LineMatch) => {
    open(path);
    setReveal({ path, start: match.start, end: match.end, key: Date.now() });
  };
  const stopFollowing = () => {
    if (followedFile !== undefined) open(followedFile);
    else setFollowing(null);
  };
  const onMoved = (moves: [string, string][]) => {
    const renamed = new Map(moves);
    setTabs((current) => current.map((tab) => renamed.get(tab) ?? tab));
    setActive((current) => (current === null ? null : (renamed.get(current) ?? current)));
  };
  const close = (path: string) => {
    const index = openTabs.indexOf(path);
    const remaining = openTabs.filter((tab) => tab !== path);
    setTabs(remaining);
    if (path === followedFile) setFollowing(null);
    if (activePath === path) setActive(remaining[Math.min(index, remaining.length - 1)] ?? null);
  };

  const header = (
    <>
      <PageHeader title={project.name} eyebrow={<Link to="/projects">Projects</Link>}>
        <PresenceList
          me={me}
          others={others}
          following={followed?.userId ?? null}
          onSelect={(person) => {
            if (person.userId === followed?.userId) stopFollowing();
            else setFollowing(person.userId);
          }}
        />
        <span className="role-line">
          <span className="muted">Your role</span> <RoleBadge role={project.role} />
        </span>
      </PageHeader>
      <ProjectNav projectId={project.id} />
    </>
  );

  if (status === 'error' || !repo) {
    return (
      <>
        {header}
        {status === 'error' ? (
          <p className="alert alert-error" role="alert">
            {error ?? 'The sync engine could not start.'}
          </p>
        ) : (
          <Loading what="files" />
        )}
      </>
    );
  }

  const activeEntry = activePath === null ? undefined : files[activePath];
  const textTabs = openTabs.flatMap((path) => {
    const entry = files[path];
    return entry?.kind === 'text' ? [entry.docUrl] : [];
  });

  return (
    <>
      {header}
      <div className="ide">
        <aside className="ide-files" aria-label="Project files">
          {root.status === 'ready' ? (
            <FilesSidebar
              projectId={project.id}
              files={files}
              onMoved={onMoved}
              onOpenMatch={openAt}
              tree={{
                nodes: tree,
                paths,
                activePath,
                canEdit,
                peopleByFile,
                gitBadges: git.badges,
                onOpen: open,
                onCreate: (path) => {
                  createTextFile(repo, root.handle, path);
                  open(path);
                },
                onMove: (from, to) => {
                  onMoved(movePath(root.handle, from, to));
                },
                onDelete: (path) => {
                  deletePath(root.handle, path);
                },
              }}
            />
          ) : root.status === 'loading' ? (
            <Loading what="files" />
          ) : (
            <p className="alert alert-error" role="alert">
              The project’s file tree is not available yet ({root.message}). Retrying…
            </p>
          )}
        </aside>
        <section className="ide-main" aria-label="Editor">
          {openTabs.length > 0 && (
            <div className="editor-tabs" role="toolbar" aria-label="Open files">
              {openTabs.map((path) => (
                <div
                  key={path}
                  className={`editor-tab${path === activePath ? ' editor-tab-active' : ''}`}
                >
                  <button
                    type="button"
                    className="editor-tab-name"
                    aria-pressed={path === activePath}
                    title={path}
                    onClick={() => {
                      open(path);
                    }}
                  >
                    {path.split('/').pop()}
                  </button>
                  <button
                    type="button"
                    className="icon-button"
                    aria-label={`Close ${path}`}
                    onClick={() => {
                      close(path);
                    }}
                  >
                    ×
                  </button>
                </div>
              ))}
            </div>
          )}
          <div className="editor-area">
            {activeEntry === undefined && (
              <p className="muted editor-placeholder">
                {paths.length === 0
                  ? canEdit
                    ? 'Create a file to start editing together.'
                    : 'This project has no files yet.'
                  : 'Open a file from the list.'}
              </p>
            )}
            {activeEntry?.kind === 'binary' && activePath !== null && (
              <BinaryFile projectId={project.id} path={activePath} entry={activeEntry} />
            )}
            {textTabs.length > 0 && (
              <ActiveTextFile
                path={activeEntry?.kind === 'text' ? activePath : null}
                entry={activeEntry?.kind === 'text' ? activeEntry : undefined}
                openDocUrls={textTabs}
                readOnly={!canEdit}
                me={me}
                projectId={project.id}
                reveal={reveal}
                followUserId={followed?.userId ?? null}
                onTakeOver={() => {
                  if (followed) stopFollowing();
                }}
              />
            )}
          </div>
        </section>
      </div>
      <ToolPanels
        projectId={project.id}
        canEdit={canEdit}
        isOwner={project.role === 'owner'}
        git={git}
      />
      <footer className="status-bar">
        <SaveStatus />
        <span className="status-bar-spacer" />
        {followed && (
          <span className="following">
            Following {followed.name}
            {followed.file === undefined ? ' (no file open)' : ''}{' '}
            <button type="button" className="button button-small" onClick={stopFollowing}>
              Stop following
            </button>
          </span>
        )}
        {!canEdit && <span>Read-only (viewer)</span>}
        <span>{others.length === 0 ? 'Only you here' : `${others.length + 1} people here`}</span>
      </footer>
    </>
  );
}

interface ActiveTextFileProps {
  path: string | null;
  entry: FileEntry | undefined;
  openDocUrls: readonly string[];
  readOnly: boolean;
  me: Omit<LocalPresence, 'file' | 'cursor'>;
  projectId: string;
  reveal: EditorReveal | null;
  followUserId: string | null;
  onTakeOver: () => void;
}

/** Keeps one editor alive across tabs; shows the active text file once its document is here. */
function ActiveTextFile({ path, entry, openDocUrls, projectId, ...editor }: ActiveTextFileProps) {
  const doc = useDocument<TextFileDoc>(entry?.docUrl);
  const file =
    doc.status === 'ready' && path !== null && entry
      ? { path, docUrl: entry.docUrl, handle: doc.handle }
      : null;
  return (
    <div className="text-file" hidden={path === null}>
      {path !== null && doc.status === 'loading' && <Loading what={path} />}
      {path !== null && doc.status === 'unavailable' && (
        <p className="alert alert-error" role="alert">
          {path} is not available yet ({doc.message}). Retrying…
        </p>
      )}
      <Suspense fallback={<Loading what="the editor" />}>
        <CodeEditor file={file} openDocUrls={openDocUrls} completionsFor={projectId} {...editor} />
      </Suspense>
    </div>
  );
}

function BinaryFile({
  projectId,
  path,
  entry,
}: {
  projectId: string;
  path: string;
  entry: FileEntry;
}) {
  const href = `/api/projects/${encodeURIComponent(projectId)}/files/${path
    .split('/')
    .map(encodeURIComponent)
    .join('/')}`;
  return (
    <div className="card binary-file">
      <h2>{path}</h2>
      <p>Binary file, {entry.size.toLocaleString()} bytes. It cannot be edited here.</p>
      <p>
        <a className="button" href={href} download={path.split('/').pop()}>
          Download
        </a>
      </p>
    </div>
  );
}
