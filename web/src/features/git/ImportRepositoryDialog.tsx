import { useEffect, useId, useRef, useState, type SubmitEvent } from 'react';
import type { ApiError } from '../../api/client';
import { paths } from '../../app/paths';
import { navigate } from '../../app/router';
import { ErrorAlert } from '../../ui/ErrorAlert';
import { TextField } from '../../ui/Field';
import { hostOf, phaseLabel, progressText } from './gitChanges';
import { HostTokenForm } from './HostTokenForm';
import { RepositoryPicker } from './RepositoryPicker';
import { useImportJob, type ImportState } from './useImportJob';
import './git.css';

/** What to do about an import's failure, beyond the server's message. */
function advice(error: ApiError, host: string | null): string | null {
  switch (error.code) {
    case 'git_auth_failed':
      return `Store an access token for ${host ?? 'the host'} below, then import again.`;
    case 'remote_not_found':
      return 'Check the URL; for a private repository, store an access token for its host.';
    case 'git_network_error':
      return 'Check the URL’s host name and port, or try again later.';
    default:
      return null;
  }
}

/**
 * Imports a git repository as a new project: a URL (typed, or picked from GitHub / GitLab),
 * optional branch and name; shows the clone's progress and opens the project when it is done.
 */
export function ImportRepositoryDialog({ onClose }: { onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const job = useImportJob();
  const [url, setUrl] = useState('');
  const [branch, setBranch] = useState('');
  const [name, setName] = useState('');
  const state = job.state;
  const working = state.status === 'starting' || state.status === 'running';
  const host = hostOf(url);
  const error = state.status === 'failed' ? state.error : null;

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    const opener = document.activeElement;
    if (typeof dialog.showModal === 'function') {
      if (!dialog.open) dialog.showModal();
    } else {
      dialog.setAttribute('open', '');
    }
    return () => {
      if (dialog.open && typeof dialog.close === 'function') dialog.close();
      if (opener instanceof HTMLElement && opener.isConnected) opener.focus();
    };
  }, []);

  const succeededProject = state.status === 'succeeded' ? state.projectId : null;
  useEffect(() => {
    if (succeededProject !== null) navigate(paths.project(succeededProject));
  }, [succeededProject]);

  const submit = (event: SubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    const b = branch.trim();
    const n = name.trim();
    void job.start({ url: url.trim(), ...(b ? { branch: b } : {}), ...(n ? { name: n } : {}) });
  };

  return (
    <dialog
      ref={ref}
      className="dialog dialog-wide"
      aria-labelledby={titleId}
      onCancel={(event) => {
        event.preventDefault();
        if (!working) onClose();
      }}
    >
      <h2 id={titleId}>Import repository</h2>
      <RepositoryPicker
        selectedUrl={url}
        onPick={(repository) => {
          setUrl(repository.cloneUrl);
          setBranch(repository.defaultBranch ?? '');
          if (state.status === 'failed' || state.status === 'cancelled') job.reset();
        }}
      />
      <form id={`${titleId}-form`} onSubmit={submit}>
        <fieldset className="plain-fieldset" disabled={working}>
          <TextField
            label="Repository URL"
            name="url"
            required
            // The server accepts http:// too when it is configured to.
            type="url"
            placeholder="https://github.com/team/app.git"
            spellCheck={false}
            autoComplete="off"
            autoFocus
            value={url}
            onChange={(event) => {
              setUrl(event.target.value);
            }}
            error={error}
          />
          <div className="field-pair">
            <TextField
              label="Branch (optional)"
              name="branch"
              placeholder="default branch"
              spellCheck={false}
              autoComplete="off"
              value={branch}
              onChange={(event) => {
                setBranch(event.target.value);
              }}
              error={error}
            />
            <TextField
              label="Project name (optional)"
              name="name"
              maxLength={100}
              placeholder="from the URL"
              value={name}
              onChange={(event) => {
                setName(event.target.value);
              }}
              error={error}
            />
          </div>
        </fieldset>
      </form>
      <ImportProgress state={state} />
      {error && (
        <div className="import-failure">
          <ErrorAlert error={error} />
          {advice(error, host) && <p className="hint">{advice(error, host)}</p>}
        </div>
      )}
      {state.status === 'cancelled' && (
        <p className="status" role="status">
          Import cancelled. Nothing was kept.
        </p>
      )}
      <HostTokenForm
        key={error?.code === 'git_auth_failed' ? 'auth-failed' : 'normal'}
        suggestedHost={host}
        open={error?.code === 'git_auth_failed'}
      />
      <div className="actions">
        <button type="button" className="button" onClick={onClose} disabled={working}>
          Close
        </button>
        {state.status === 'running' ? (
          <button
            type="button"
            className="button button-danger"
            disabled={state.cancelling}
            onClick={() => void job.cancel()}
          >
            {state.cancelling ? 'Cancelling…' : 'Cancel import'}
          </button>
        ) : (
          <button
            type="submit"
            form={`${titleId}-form`}
            className="button button-primary"
            disabled={working || state.status === 'succeeded'}
          >
            {state.status === 'starting' ? 'Starting…' : 'Import'}
          </button>
        )}
      </div>
    </dialog>
  );
}

/** The job's phase and a progress bar; indeterminate while the phase has no known size. */
function ImportProgress({ state }: { state: ImportState }) {
  if (state.status !== 'running' && state.status !== 'succeeded') return null;
  const progress = state.status === 'running' ? state.progress : null;
  const phase =
    state.status === 'succeeded' ? 'Opening the project…' : phaseLabel(progress?.phase ?? 'queued');
  const counts = progress ? progressText(progress) : '';
  const known = progress !== null && progress.total > 0;
  return (
    <div className="import-progress" role="status" aria-live="polite">
      <div className="import-progress-label">
        <span>{phase}</span>
        {counts && <span className="muted">{counts}</span>}
      </div>
      {state.status === 'succeeded' ? (
        <progress aria-label="Import progress" max={1} value={1} />
      ) : known ? (
        <progress
          aria-label="Import progress"
          max={progress.total}
          value={Math.min(progress.done, progress.total)}
        />
      ) : (
        <progress aria-label="Import progress" />
      )}
      {state.status === 'running' && <ErrorAlert error={state.cancelError} />}
    </div>
  );
}
