import { lazy, Suspense, useState, type KeyboardEvent, type SubmitEvent } from 'react';
import type { ApiError, GitBranches, GitStatus } from '../../api/client';
import { ErrorAlert } from '../../ui/ErrorAlert';
import { formatDateTime } from '../../ui/format';
import { Loading } from '../../ui/Loading';
import { BADGE_NAMES, hostOf } from './gitChanges';
import { HostTokenForm } from './HostTokenForm';
import type { SourceControl } from './useSourceControl';
import './git.css';

// Monaco is large: the diff editor loads with the first diff.
const GitDiffEditor = lazy(() => import('./GitDiffEditor'));

interface SourceControlPanelProps {
  git: SourceControl;
  canEdit: boolean;
  /** Owners connect the project to a repository. */
  isOwner: boolean;
}

/** What to do about a failed operation, beyond the server's message. */
function advice(error: ApiError): string | null {
  switch (error.code) {
    case 'non_fast_forward':
      return 'Pull first, then push again.';
    case 'uncommitted_changes_conflict':
      return 'Commit (or undo) the edits in those files first.';
    case 'nothing_to_commit':
      return 'Edit a file, or stage a change, before committing.';
    case 'unresolved_conflicts':
      return 'Remove the conflict markers, stage the files, then commit.';
    default:
      return null;
  }
}

/** Source control: changes, diff, stage/unstage, commit, push/pull, branches, history. */
export function SourceControlPanel({ git, canEdit, isOwner }: SourceControlPanelProps) {
  const state = git.status.state;
  if (state.status === 'loading') {
    return (
      <div className="git-panel-message">
        <Loading what="source control" />
      </div>
    );
  }
  if (git.noRepository) {
    return (
      <div className="git-panel-message">
        <h3 className="git-heading">No repository</h3>
        <p>This project is not connected to a git repository yet.</p>
        {isOwner ? <ConnectForm git={git} /> : <p className="muted">Its owner can connect one.</p>}
        <ErrorAlert error={git.error} />
      </div>
    );
  }
  if (state.status === 'error') {
    return (
      <div className="git-panel-message">
        <ErrorAlert error={state.error} />
        <button type="button" className="button" onClick={git.refresh}>
          Try again
        </button>
      </div>
    );
  }
  const status = state.data;
  const branches = git.branches.state.status === 'ready' ? git.branches.state.data : null;
  const commits = git.log.state.status === 'ready' ? git.log.state.data : [];

  return (
    <div className="git-panel">
      <div className="git-side">
        <div className="git-toolbar">
          <BranchSwitcher git={git} status={status} branches={branches} canEdit={canEdit} />
          {canEdit && (
            <>
              <button
                type="button"
                className="button"
                disabled={git.busy || !status.remote}
                onClick={() => void git.pull()}
              >
                Pull{status.behind ? ` ↓${status.behind}` : ''}
              </button>
              <button
                type="button"
                className="button"
                disabled={git.busy || !status.remote}
                onClick={() => void git.push()}
              >
                Push{status.ahead ? ` ↑${status.ahead}` : ''}
              </button>
            </>
          )}
          <button type="button" className="button" onClick={git.refresh}>
            Refresh
          </button>
        </div>
        <p className="git-remote muted">
          {status.remote ? <>origin: {status.remote}</> : 'No remote yet.'}
          {status.upstream && ` · tracking ${status.upstream}`}
        </p>
        {isOwner && (!status.remote || git.error?.code === 'no_remote') && (
          <ConnectForm git={git} />
        )}
        <ErrorAlert error={git.error} />
        {git.error && advice(git.error) && <p className="hint">{advice(git.error)}</p>}
        {git.error?.code === 'git_auth_failed' && (
          <HostTokenForm suggestedHost={status.remote ? hostOf(status.remote) : null} open />
        )}
        {git.result && (
          <p className="alert" role="status">
            {git.result}
          </p>
        )}
        {canEdit && <CommitForm git={git} status={status} />}
        <h3 className="git-heading">Changes</h3>
        <ul className="git-changes" aria-label="Changed files">
          {git.changes.length === 0 && <li className="muted">No changes.</li>}
          {git.changes.map((change) => {
            const where = change.staged ? 'staged' : 'working';
            const shown =
              git.selected?.path === change.path && git.selected.staged === change.staged;
            return (
              <li
                key={`${where}:${change.path}`}
                className={shown ? 'git-change-shown' : undefined}
              >
                <span
                  className={`git-badge git-badge-${change.badge}`}
                  title={`${BADGE_NAMES[change.badge]}${change.staged ? ', staged' : ''}`}
                >
                  {change.badge}
                </span>
                <button
                  type="button"
                  className="git-path"
                  aria-label={`Diff ${where} ${change.path}`}
                  aria-pressed={shown}
                  onClick={() => {
                    git.select({ path: change.path, staged: change.staged });
                  }}
                >
                  {change.path}
                </button>
                {canEdit && change.badge !== 'C' && (
                  <button
                    type="button"
                    className="button git-stage"
                    aria-label={`${change.staged ? 'Unstage' : 'Stage'} ${change.path}`}
                    disabled={git.busy}
                    onClick={() =>
                      void (change.staged ? git.unstage([change.path]) : git.stage([change.path]))
                    }
                  >
                    {change.staged ? 'Unstage' : 'Stage'}
                  </button>
                )}
                {canEdit && change.badge === 'C' && (
                  <button
                    type="button"
                    className="button git-stage"
                    aria-label={`Mark ${change.path} resolved`}
                    disabled={git.busy}
                    onClick={() => void git.stage([change.path])}
                  >
                    Resolved
                  </button>
                )}
              </li>
            );
          })}
        </ul>
        <h3 className="git-heading">History</h3>
        <ul className="git-log" aria-label="Commit history">
          {commits.length === 0 && <li className="muted">No commits yet.</li>}
          {commits.map((c) => (
            <li key={c.id} title={c.message}>
              <code>{c.shortId}</code> {c.summary}{' '}
              <span className="muted">
                {c.author.name} · {formatDateTime(c.time)}
              </span>
            </li>
          ))}
        </ul>
      </div>
      <DiffView git={git} />
    </div>
  );
}

function DiffView({ git }: { git: SourceControl }) {
  const selected = git.selected;
  const state = git.diff.state;
  const diff = state.status === 'ready' ? state.data : null;
  return (
    <div className="git-diff" aria-label="Diff" role="region">
      {selected === null ? (
        <p className="muted">Select a changed file to see its diff.</p>
      ) : (
        <>
          <p className="git-diff-title">
            <strong>{selected.path}</strong>{' '}
            <span className="muted">
              {selected.staged ? 'last commit ↔ staged' : 'last commit ↔ now'}
            </span>
          </p>
          {state.status === 'error' && <ErrorAlert error={state.error} />}
          {state.status === 'loading' && <Loading what="the diff" />}
          {diff && (
            <Suspense fallback={<Loading what="the diff editor" />}>
              <GitDiffEditor
                path={selected.path}
                original={diff.original ?? ''}
                modified={diff.modified ?? ''}
              />
            </Suspense>
          )}
        </>
      )}
    </div>
  );
}

function CommitForm({ git, status }: { git: SourceControl; status: GitStatus }) {
  const [message, setMessage] = useState('');
  const stagedCount = status.staged.length;
  const all = stagedCount === 0 && git.changes.some((c) => c.badge !== 'C');

  const commit = async () => {
    if (!message.trim()) return;
    if (await git.commit(message.trim())) setMessage('');
  };

  return (
    <form
      className="git-commit"
      onSubmit={(event: SubmitEvent<HTMLFormElement>) => {
        event.preventDefault();
        void commit();
      }}
    >
      <textarea
        aria-label="Commit message"
        rows={2}
        placeholder={`Message (${status.branch ? `commit on ${status.branch}` : 'detached HEAD'}; Ctrl+Enter)`}
        value={message}
        onChange={(e) => {
          setMessage(e.target.value);
        }}
        onKeyDown={(e: KeyboardEvent<HTMLTextAreaElement>) => {
          if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
            e.preventDefault();
            void commit();
          }
        }}
      />
      <button
        type="submit"
        className="button button-primary"
        disabled={git.busy || !message.trim()}
        title={all ? 'Nothing is staged: stage every change and commit it' : undefined}
      >
        {all ? 'Commit all' : 'Commit'}
      </button>
    </form>
  );
}

const NEW_BRANCH = '\u0000new';

interface BranchSwitcherProps {
  git: SourceControl;
  status: GitStatus;
  branches: GitBranches | null;
  canEdit: boolean;
}

/** The current branch; picking another checks it out (origin's branches too), or creates one. */
function BranchSwitcher({ git, status, branches, canEdit }: BranchSwitcherProps) {
  const [creating, setCreating] = useState(false);
  const [name, setName] = useState('');
  if (!branches) return null;
  const local = branches.local.map((b) => b.name);
  // origin/feature without a local feature: checking it out creates a tracking branch.
  const remoteOnly = branches.remote
    .filter((r) => r.startsWith('origin/') && r !== 'origin/HEAD')
    .map((r) => r.slice('origin/'.length))
    .filter((r) => !local.includes(r));

  if (creating) {
    return (
      <form
        className="git-new-branch"
        onSubmit={(event) => {
          event.preventDefault();
          const trimmed = name.trim();
          if (!trimmed) return;
          void git.createBranch(trimmed).then((ok) => {
            if (ok) {
              setCreating(false);
              setName('');
            }
          });
        }}
      >
        <input
          aria-label="New branch name"
          value={name}
          autoFocus
          spellCheck={false}
          onChange={(e) => {
            setName(e.target.value);
          }}
          onKeyDown={(e) => {
            if (e.key === 'Escape') setCreating(false);
          }}
        />
        <button type="submit" className="button" disabled={git.busy}>
          Create
        </button>
      </form>
    );
  }

  return (
    <select
      aria-label="Branch"
      value={status.branch ?? ''}
      disabled={!canEdit || git.busy}
      onChange={(e) => {
        if (e.target.value === NEW_BRANCH) setCreating(true);
        else void git.checkout(e.target.value);
      }}
    >
      {status.branch === null && (
        <option value="" disabled>
          (detached HEAD)
        </option>
      )}
      {local.map((b) => (
        <option key={b} value={b}>
          {b}
        </option>
      ))}
      {remoteOnly.map((b) => (
        <option key={`origin/${b}`} value={b}>
          {b} (from origin)
        </option>
      ))}
      {canEdit && <option value={NEW_BRANCH}>New branch…</option>}
    </select>
  );
}

/** Sets the project's origin (and creates its repository when it has none). */
function ConnectForm({ git }: { git: SourceControl }) {
  const [url, setUrl] = useState('');
  return (
    <form
      className="git-connect"
      onSubmit={(event) => {
        event.preventDefault();
        if (url.trim()) void git.connect(url.trim());
      }}
    >
      <label htmlFor="git-connect-url">Repository URL</label>
      <div className="git-toolbar">
        <input
          id="git-connect-url"
          type="url"
          placeholder="https://github.com/team/app.git"
          spellCheck={false}
          value={url}
          onChange={(e) => {
            setUrl(e.target.value);
          }}
        />
        <button type="submit" className="button button-primary" disabled={git.busy}>
          Connect repository
        </button>
      </div>
    </form>
  );
}
