import { useState, type SubmitEvent } from 'react';
import { api, toApiError, type ApiError } from '../../api/client';
import { ErrorAlert } from '../../ui/ErrorAlert';
import { useSourceControl } from './useSourceControl';
import './git.css';

interface Change {
  path: string;
  badge: string;
  staged: boolean;
}

const BADGE = { added: 'A', modified: 'M', deleted: 'D' } as const;

/** Source control: changes, diff, stage/unstage, commit, push/pull, branches, history. */
export function SourceControlPanel({
  projectId,
  canEdit,
}: {
  projectId: string;
  canEdit: boolean;
}) {
  const git = useSourceControl(projectId);
  const [message, setMessage] = useState('');
  const [diff, setDiff] = useState<{ path: string; text: string } | null>(null);
  const [diffError, setDiffError] = useState<ApiError | null>(null);

  const status = git.status.state.status === 'ready' ? git.status.state.data : null;
  const changes: Change[] = status
    ? [
        ...status.staged.map((c) => ({ path: c.path, badge: BADGE[c.change], staged: true })),
        ...status.unstaged.map((c) => ({ path: c.path, badge: BADGE[c.change], staged: false })),
        ...status.untracked.map((path) => ({ path, badge: 'U', staged: false })),
      ]
    : [];
  const branches = git.branches.state.status === 'ready' ? git.branches.state.data : null;
  const commits = git.log.state.status === 'ready' ? git.log.state.data : [];

  const showDiff = async (path: string) => {
    setDiffError(null);
    try {
      const answer = await api.git.diff(projectId, path);
      setDiff({ path, text: answer.diff });
    } catch (e) {
      setDiffError(toApiError(e));
    }
  };

  const commit = (event: SubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!message.trim()) return;
    void git.commit(message.trim()).then(() => {
      setMessage('');
    });
  };

  return (
    <div className="git-panel">
      <div className="git-side">
        <div className="git-toolbar">
          {branches && (
            <select
              aria-label="Branch"
              value={branches.current ?? ''}
              disabled={!canEdit || git.busy}
              onChange={(e) => void git.checkout(e.target.value)}
            >
              {branches.local.map((b) => (
                <option key={b.name} value={b.name}>
                  {b.name}
                </option>
              ))}
            </select>
          )}
          {canEdit && (
            <>
              <button
                type="button"
                className="button"
                disabled={git.busy}
                onClick={() => void git.pull()}
              >
                Pull
              </button>
              <button
                type="button"
                className="button"
                disabled={git.busy}
                onClick={() => void git.push()}
              >
                Push
              </button>
            </>
          )}
          <button type="button" className="button" onClick={git.refresh}>
            Refresh
          </button>
        </div>
        {git.status.state.status === 'error' && <ErrorAlert error={git.status.state.error} />}
        <ErrorAlert error={git.error} />
        {git.result && (
          <p className="alert" role="status">
            {git.result}
          </p>
        )}
        {canEdit && (
          <form className="git-commit" onSubmit={commit}>
            <textarea
              aria-label="Commit message"
              rows={2}
              value={message}
              onChange={(e) => {
                setMessage(e.target.value);
              }}
            />
            <button type="submit" className="button button-primary" disabled={git.busy}>
              Commit
            </button>
          </form>
        )}
        <ul className="git-changes" aria-label="Changed files">
          {status && changes.length === 0 && <li className="muted">No changes.</li>}
          {changes.map((change) => (
            <li key={`${change.staged ? 's' : 'w'}:${change.path}`}>
              <span
                className={`git-badge git-badge-${change.badge}`}
                title={change.staged ? 'staged' : 'not staged'}
              >
                {change.badge}
              </span>
              <button
                type="button"
                className="git-path"
                aria-label={`Diff ${change.staged ? 'staged' : 'working'} ${change.path}`}
                onClick={() => void showDiff(change.path)}
              >
                {change.path}
              </button>
              {canEdit && (
                <button
                  type="button"
                  className="button git-stage"
                  disabled={git.busy}
                  onClick={() =>
                    void (change.staged ? git.unstage([change.path]) : git.stage([change.path]))
                  }
                >
                  {change.staged ? 'Unstage' : 'Stage'}
                </button>
              )}
            </li>
          ))}
        </ul>
        <h3 className="git-heading">History</h3>
        <ul className="git-log" aria-label="Commit history">
          {commits.map((c) => (
            <li key={c.id} title={c.message}>
              <code>{c.shortId}</code> {c.summary} <span className="muted">{c.author.name}</span>
            </li>
          ))}
        </ul>
      </div>
      <div className="git-diff" aria-label="Diff" role="region">
        <ErrorAlert error={diffError} />
        {diff ? (
          <pre>
            {diff.text.split('\n').map((line, i) => (
              <span
                key={i}
                className={
                  line.startsWith('+') && !line.startsWith('+++')
                    ? 'diff-add'
                    : line.startsWith('-') && !line.startsWith('---')
                      ? 'diff-del'
                      : line.startsWith('@@')
                        ? 'diff-hunk'
                        : undefined
                }
              >
                {line}
                {'\n'}
              </span>
            ))}
          </pre>
        ) : (
          <p className="muted">Select a changed file to see its diff.</p>
        )}
      </div>
    </div>
  );
}
