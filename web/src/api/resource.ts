import { useCallback, useEffect, useEffectEvent, useState } from 'react';
import { toApiError, type ApiError } from './client';

/** What a component can know about a resource fetched from the API. */
export type ResourceState<T> =
  { status: 'loading' } | { status: 'ready'; data: T } | { status: 'error'; error: ApiError };

export interface Resource<T> {
  state: ResourceState<T>;
  /** Fetches again; the current data stays on screen until the answer arrives. */
  reload: () => void;
  /** Applies a local change (after a successful mutation) without another round trip. */
  update: (change: (data: T) => T) => void;
}

interface Settled<T> {
  key: string;
  state: ResourceState<T>;
}

const LOADING = { status: 'loading' } as const;

/**
 * Loads `key`'s data with `load`, aborting the request when the key changes or the component
 * unmounts. A new key shows `loading`; a reload of the same key keeps the old data meanwhile.
 */
export function useResource<T>(
  key: string,
  load: (signal: AbortSignal) => Promise<T>,
): Resource<T> {
  const [generation, setGeneration] = useState(0);
  const [settled, setSettled] = useState<Settled<T> | null>(null);
  const run = useEffectEvent((signal: AbortSignal) => load(signal));

  useEffect(() => {
    const controller = new AbortController();
    run(controller.signal).then(
      (data) => {
        if (!controller.signal.aborted) setSettled({ key, state: { status: 'ready', data } });
      },
      (error: unknown) => {
        if (!controller.signal.aborted) {
          setSettled({ key, state: { status: 'error', error: toApiError(error) } });
        }
      },
    );
    return () => {
      controller.abort();
    };
  }, [key, generation]);

  const reload = useCallback(() => {
    setGeneration((g) => g + 1);
  }, []);

  const update = useCallback(
    (change: (data: T) => T) => {
      setSettled((current) =>
        current?.key === key && current.state.status === 'ready'
          ? { key, state: { status: 'ready', data: change(current.state.data) } }
          : current,
      );
    },
    [key],
  );

  const state: ResourceState<T> = settled?.key === key ? settled.state : LOADING;
  return { state, reload, update };
}
