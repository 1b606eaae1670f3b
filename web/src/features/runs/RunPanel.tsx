import { useRef, useState, type SubmitEvent } from 'react';
import type { Run } from '../../api/client';
import { useLiveContext } from '../../live/useLiveChannel';
import { ErrorAlert } from '../../ui/ErrorAlert';
import { formatDuration, terminalText } from './runOutput';
import { RunTerminal, type TerminalHandle } from './RunTerminal';
import { useRunOutput } from './useRunOutput';
import { FINAL_STATUSES, useRuns } from './useRuns';
import './runs.css';

const STATUS_TEXT: Record<Run['status'], string> = {
  queued: 'Queued',
  running: 'Running',
  succeeded: 'Succeeded',
  failed: 'Failed',
  cancelled: 'Cancelled',
  timed_out: 'Timed out',
  killed: 'Killed',
};

/** Run a command or configuration on the project's files and watch its output live. */
export function RunPanel({ projectId, canEdit }: { projectId: string; canEdit: boolean }) {
  const { channel } = useLiveContext();
  const { history, configurations, error, start, cancel } = useRuns(projectId, channel);
  const [command, setCommand] = useState('');
  const [configuration, setConfiguration] = useState('');
  const [chosen, setChosen] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const terminal = useRef<TerminalHandle>(null);

  const runs = history.state.status === 'ready' ? history.state.data : [];
  const selected = runs.find((run) => run.id === chosen) ?? runs[0] ?? null;

  useRunOutput(
    channel,
    selected?.id ?? null,
    (piece) => terminal.current?.write(terminalText(piece)),
    () => terminal.current?.clear(),
  );

  const configs = configurations.state.status === 'ready' ? configurations.state.data : [];

  const submit = async (event: SubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    const request = configuration
      ? { configuration }
      : command.trim()
        ? { command: command.trim() }
        : null;
    if (!request) return;
    setBusy(true);
    const run = await start(request);
    setBusy(false);
    if (run) setChosen(run.id);
  };

  return (
    <div className="run-panel">
      {canEdit && (
        <form className="run-form" onSubmit={(e) => void submit(e)}>
          <label className="visually-hidden" htmlFor="run-configuration">
            Run configuration
          </label>
          <select
            id="run-configuration"
            value={configuration}
            onChange={(e) => {
              setConfiguration(e.target.value);
            }}
          >
            <option value="">Command…</option>
            {configs.map((c) => (
              <option key={c.name} value={c.name}>
                {c.name}
                {c.detected ? ' (detected)' : ''}
              </option>
            ))}
          </select>
          <input
            type="text"
            aria-label="Command"
            placeholder="e.g. python3 main.py"
            value={
              configuration
                ? (configs.find((c) => c.name === configuration)?.command ?? '')
                : command
            }
            disabled={configuration !== ''}
            onChange={(e) => {
              setCommand(e.target.value);
            }}
          />
          <button type="submit" className="button button-primary" disabled={busy}>
            Run
          </button>
        </form>
      )}
      {error && <ErrorAlert error={error} />}
      <div className="run-body">
        <div className="run-output">
          {selected && (
            <div className="run-summary" aria-live="polite">
              <code title={selected.command}>{selected.command}</code>
              <span className={`run-status run-status-${selected.status}`}>
                {STATUS_TEXT[selected.status]}
                {selected.queuePosition !== undefined && selected.status === 'queued'
                  ? ` (#${selected.queuePosition})`
                  : ''}
              </span>
              {selected.exitCode !== null && <span>exit {selected.exitCode}</span>}
              {selected.durationMs !== null && <span>{formatDuration(selected.durationMs)}</span>}
              {selected.truncated && <span>output truncated</span>}
              {canEdit && !FINAL_STATUSES.has(selected.status) && (
                <button
                  type="button"
                  className="button button-danger-quiet"
                  onClick={() => void cancel(selected.id)}
                >
                  Cancel run
                </button>
              )}
            </div>
          )}
          <RunTerminal ref={terminal} label="Run output" />
        </div>
        <section className="run-history" aria-label="Run history">
          {history.state.status === 'error' && <ErrorAlert error={history.state.error} />}
          {runs.length === 0 && history.state.status === 'ready' && (
            <p className="muted">No runs yet.</p>
          )}
          <ul>
            {runs.map((run) => (
              <li key={run.id}>
                <button
                  type="button"
                  className={`run-history-item${run.id === selected?.id ? ' run-history-item-active' : ''}`}
                  aria-pressed={run.id === selected?.id}
                  onClick={() => {
                    setChosen(run.id);
                  }}
                >
                  <span className={`run-dot run-status-${run.status}`} aria-hidden="true" />
                  <span className="run-history-command">{run.command}</span>
                  <span className="muted">{STATUS_TEXT[run.status]}</span>
                </button>
              </li>
            ))}
          </ul>
        </section>
      </div>
    </div>
  );
}
