import { useRef } from 'react';
import { useLiveContext } from '../../live/useLiveChannel';
import { SharedScreen, type ScreenHandle } from './SharedScreen';
import { describeSession } from './terminalView';
import { useSharedTerminal } from './useSharedTerminal';
import './terminal.css';

const FALLBACK_SIZE = { cols: 80, rows: 24 };

/**
 * The project's shared terminal: a shell in the project's sandbox that every editor can type into
 * and every member watches. Editors open and close it; the session takes the size of the editor
 * panel that last resized or typed.
 */
export function TerminalPanel({ canEdit }: { canEdit: boolean }) {
  const { channel } = useLiveContext();
  const screen = useRef<ScreenHandle>(null);
  const terminal = useSharedTerminal(channel, (effect) => screen.current?.apply(effect));
  const { session, problem } = terminal;
  const running = session?.state === 'running';
  const interactive = canEdit && running;

  // An editor's panel asks for the size that fills it when it changes size or types into a
  // session of another size, so the session follows the editor who is using it.
  const claimSize = (size: { cols: number; rows: number } | null) => {
    if (!interactive || !size) return;
    if (size.cols !== session.cols || size.rows !== session.rows)
      terminal.resize(size.cols, size.rows);
  };

  return (
    <div className="terminal-panel">
      <div className="terminal-bar" aria-live="polite">
        <span className={`terminal-state terminal-state-${session?.state ?? 'none'}`}>
          {describeSession(session)}
        </span>
        {running && (
          <span className="muted">
            {session.cols}×{session.rows}
          </span>
        )}
        {!canEdit && <span className="muted">read-only</span>}
        {canEdit && !running && (
          <button
            type="button"
            className="button button-primary"
            disabled={!channel}
            onClick={() => {
              const size = screen.current?.fittingSize() ?? FALLBACK_SIZE;
              terminal.open(size.cols, size.rows);
              screen.current?.focus();
            }}
          >
            Open terminal
          </button>
        )}
        {canEdit && running && (
          <button
            type="button"
            className="button button-danger-quiet"
            onClick={() => {
              terminal.close();
            }}
          >
            Close terminal
          </button>
        )}
      </div>
      {problem && (
        <p className="terminal-problem" role="alert">
          {problem.message}
        </p>
      )}
      <SharedScreen
        ref={screen}
        interactive={interactive}
        onData={(data) => {
          if (!interactive) return;
          claimSize(screen.current?.fittingSize() ?? null);
          terminal.input(data);
        }}
        onFit={(cols, rows) => {
          claimSize({ cols, rows });
        }}
      />
    </div>
  );
}
