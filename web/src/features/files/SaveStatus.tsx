import { useEffect, useState } from 'react';
import { useSaveIndicator } from '../../sync/useSaveIndicator';

const HINT_MS = 4_000;

/**
 * The status bar's "Saved / Syncing… / Offline" indicator. Ctrl/Cmd+S is caught (instead of the
 * browser offering to save the page) and answered with a short note that saving is automatic.
 */
export function SaveStatus() {
  const indicator = useSaveIndicator();
  const [hint, setHint] = useState(false);

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const onKey = (event: KeyboardEvent) => {
      if (event.key.toLowerCase() !== 's' || !(event.ctrlKey || event.metaKey) || event.altKey) {
        return;
      }
      event.preventDefault();
      setHint(true);
      clearTimeout(timer);
      timer = setTimeout(() => {
        setHint(false);
      }, HINT_MS);
    };
    window.addEventListener('keydown', onKey);
    return () => {
      window.removeEventListener('keydown', onKey);
      clearTimeout(timer);
    };
  }, []);

  return (
    <span className="save-status" title={indicator.title} data-state={indicator.state}>
      <span className={`status-dot status-${indicator.state}`} aria-hidden="true" />
      <span aria-live="polite">{indicator.text}</span>
      {hint && (
        <span className="save-hint" role="status">
          No need to save — every edit is kept as you type.
        </span>
      )}
    </span>
  );
}
