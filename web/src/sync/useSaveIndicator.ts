import { useSyncExternalStore } from 'react';
import { saveIndicator, type SaveIndicator } from './syncProgress';
import { useRepoContext } from './useRepo';

const noProgress = () => () => undefined;
const nothingPending = () => 0;

/** The open project's save indicator: connection state plus documents not yet confirmed. */
export function useSaveIndicator(): SaveIndicator {
  const { status, progress } = useRepoContext();
  const pending = useSyncExternalStore(
    progress ? (listener) => progress.subscribe(listener) : noProgress,
    progress ? () => progress.pending : nothingPending,
  );
  return saveIndicator(status, pending);
}
