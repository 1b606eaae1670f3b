import { useEffect, useState } from 'react';
import {
  api,
  toApiError,
  type ApiError,
  type GitProvider,
  type HostedRepository,
} from '../../api/client';

/** The user's repositories on one provider, page by page. */
export type RepositoryList =
  | { status: 'loading' }
  | {
      status: 'ready';
      repositories: HostedRepository[];
      nextPage: number | null;
      loadingMore: boolean;
      moreError: ApiError | null;
    }
  /** The user has not signed in with this provider. */
  | { status: 'not_linked' }
  /** The provider no longer accepts the user's sign-in. */
  | { status: 'token_rejected'; error: ApiError }
  /** The server does not offer this provider's list (404). */
  | { status: 'unconfigured' }
  | { status: 'error'; error: ApiError };

interface Keyed {
  key: string;
  list: RepositoryList;
}

function failure(error: ApiError): RepositoryList {
  if (error.code === 'provider_not_linked') return { status: 'not_linked' };
  if (error.code === 'provider_token_rejected') return { status: 'token_rejected', error };
  if (error.status === 404) return { status: 'unconfigured' };
  return { status: 'error', error };
}

/**
 * Lists the user's repositories on `provider` through the server
 * (`GET /api/git/repositories?provider=&page=`); `loadMore` appends the next page.
 */
export function useRepositories(provider: GitProvider) {
  const [attempt, setAttempt] = useState(0);
  const key = `${provider}#${attempt}`;
  const [settled, setSettled] = useState<Keyed | null>(null);

  useEffect(() => {
    const controller = new AbortController();
    api.git.repositories(provider, 1, controller.signal).then(
      (page) => {
        if (controller.signal.aborted) return;
        setSettled({
          key,
          list: {
            status: 'ready',
            repositories: page.repositories,
            nextPage: page.nextPage,
            loadingMore: false,
            moreError: null,
          },
        });
      },
      (e: unknown) => {
        if (!controller.signal.aborted) setSettled({ key, list: failure(toApiError(e)) });
      },
    );
    return () => {
      controller.abort();
    };
  }, [provider, key]);

  const list: RepositoryList = settled?.key === key ? settled.list : { status: 'loading' };

  const change = (
    update: (list: Extract<RepositoryList, { status: 'ready' }>) => RepositoryList,
  ) => {
    setSettled((current) =>
      current?.key === key && current.list.status === 'ready'
        ? { key, list: update(current.list) }
        : current,
    );
  };

  const loadMore = async () => {
    if (list.status !== 'ready' || list.nextPage === null || list.loadingMore) return;
    const page = list.nextPage;
    change((l) => ({ ...l, loadingMore: true, moreError: null }));
    try {
      const more = await api.git.repositories(provider, page);
      change((l) => ({
        ...l,
        repositories: [
          ...l.repositories,
          // A repository created meanwhile can shift pages; never list one twice.
          ...more.repositories.filter(
            (r) => !l.repositories.some((seen) => seen.cloneUrl === r.cloneUrl),
          ),
        ],
        nextPage: more.nextPage,
        loadingMore: false,
      }));
    } catch (e) {
      change((l) => ({ ...l, loadingMore: false, moreError: toApiError(e) }));
    }
  };

  return {
    list,
    loadMore,
    retry: () => {
      setAttempt((a) => a + 1);
    },
  };
}
