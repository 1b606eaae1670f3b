import type { Doc, DocHandle, DocHandleChangePayload, Repo } from '@automerge/automerge-repo/slim';
import { isValidAutomergeUrl, parseAutomergeUrl } from '@automerge/automerge-repo/slim';
import { useEffect, useState } from 'react';
import { useRepoContext } from './useRepo';

/** A live document: loading, ready (with its current value), or not to be had. */
export type DocumentState<T> =
  | { status: 'loading' }
  | { status: 'ready'; handle: DocHandle<T>; doc: Doc<T> }
  | { status: 'unavailable'; message: string };

/** How long to wait before asking the server again for a document it could not give us. */
const RETRY_MS = 3_000;

interface Keyed<T> {
  repo: Repo;
  url: string;
  state: DocumentState<T>;
}

/**
 * Finds the document at `url` in the open project's repo and re-renders on every change to it.
 * A document the server does not (yet) have is asked for again every few seconds; cleanup
 * removes the change listener.
 */
export function useDocument<T>(url: string | null | undefined): DocumentState<T> {
  const { repo } = useRepoContext();
  const [keyed, setKeyed] = useState<Keyed<T> | null>(null);
  const key = url ?? '';

  useEffect(() => {
    if (!repo || !isValidAutomergeUrl(key)) return;
    const controller = new AbortController();
    let handle: DocHandle<T> | undefined;
    let retry: ReturnType<typeof setTimeout> | undefined;
    const onChange = ({ handle: changed, doc }: DocHandleChangePayload<T>) => {
      setKeyed({ repo, url: key, state: { status: 'ready', handle: changed, doc } });
    };
    const find = () => {
      repo.find<T>(key, { signal: controller.signal }).then(
        (found) => {
          if (controller.signal.aborted) return;
          handle = found;
          found.on('change', onChange);
          setKeyed({ repo, url: key, state: { status: 'ready', handle: found, doc: found.doc() } });
        },
        (error: unknown) => {
          if (controller.signal.aborted) return;
          const message = error instanceof Error ? error.message : String(error);
          setKeyed({ repo, url: key, state: { status: 'unavailable', message } });
          // The repo keeps an unavailable handle and answers every later find from it without
          // asking again; it must leave the cache for the next find to send a new request (a
          // file a collaborator just created may reach the server after its name does).
          retry = setTimeout(() => {
            void repo.removeFromCache(parseAutomergeUrl(key).documentId).finally(() => {
              if (!controller.signal.aborted) find();
            });
          }, RETRY_MS);
        },
      );
    };
    find();
    return () => {
      controller.abort();
      clearTimeout(retry);
      handle?.off('change', onChange);
    };
  }, [repo, key]);

  if (key && !isValidAutomergeUrl(key)) {
    return { status: 'unavailable', message: 'Not a document address.' };
  }
  if (!repo || !key || keyed?.url !== key || keyed.repo !== repo) return { status: 'loading' };
  return keyed.state;
}
