import { useEffect, useState } from 'react';
import type { AuthProvider, GitProvider, HostedRepository } from '../../api/client';
import { paths } from '../../app/paths';
import { ErrorAlert } from '../../ui/ErrorAlert';
import { formatDateTime } from '../../ui/format';
import { Loading } from '../../ui/Loading';
import { providerHref, useProviders } from '../auth/useProviders';
import { useRepositories } from './useRepositories';

const LISTED: readonly string[] = ['github', 'gitlab'] satisfies GitProvider[];

function isListed(provider: AuthProvider): provider is AuthProvider & { id: GitProvider } {
  return LISTED.includes(provider.id);
}

interface RepositoryPickerProps {
  /** The clone URL currently in the form, to mark the picked repository. */
  selectedUrl: string;
  onPick: (repository: HostedRepository) => void;
}

/**
 * "From GitHub / GitLab": the repositories the user reaches on the providers this server offers
 * for sign-in, one tab each; nothing at all when it offers none. Loads only once opened.
 */
export function RepositoryPicker({ selectedUrl, onPick }: RepositoryPickerProps) {
  const providers = useProviders();
  const [open, setOpen] = useState(false);
  const [chosen, setChosen] = useState<GitProvider | null>(null);
  const [unconfigured, setUnconfigured] = useState<ReadonlySet<GitProvider>>(new Set());

  const offered =
    providers.state.status === 'ready'
      ? providers.state.data.filter(isListed).filter((p) => !unconfigured.has(p.id))
      : [];
  if (offered.length === 0) return null;
  const active = offered.find((p) => p.id === chosen) ?? offered[0];
  if (!active) return null;

  return (
    <details
      className="repo-picker"
      onToggle={(event) => {
        setOpen(event.currentTarget.open);
      }}
    >
      <summary>From {offered.map((p) => p.name).join(' / ')}</summary>
      {open && (
        <>
          {offered.length > 1 && (
            <div className="repo-tabs" role="tablist" aria-label="Provider">
              {offered.map((p) => (
                <button
                  key={p.id}
                  type="button"
                  role="tab"
                  aria-selected={p.id === active.id}
                  className="tool-tab"
                  onClick={() => {
                    setChosen(p.id);
                  }}
                >
                  {p.name}
                </button>
              ))}
            </div>
          )}
          <ProviderRepositories
            key={active.id}
            provider={active}
            selectedUrl={selectedUrl}
            onPick={onPick}
            onUnconfigured={() => {
              setUnconfigured((current) =>
                current.has(active.id) ? current : new Set([...current, active.id]),
              );
            }}
          />
        </>
      )}
    </details>
  );
}

interface ProviderRepositoriesProps {
  provider: AuthProvider & { id: GitProvider };
  selectedUrl: string;
  onPick: (repository: HostedRepository) => void;
  onUnconfigured: () => void;
}

function ProviderRepositories({
  provider,
  selectedUrl,
  onPick,
  onUnconfigured,
}: ProviderRepositoriesProps) {
  const { list, loadMore, retry } = useRepositories(provider.id);
  const gone = list.status === 'unconfigured';

  useEffect(() => {
    if (gone) onUnconfigured();
  }, [gone, onUnconfigured]);

  const signIn = (text: string) => (
    <p>
      <a className="button" href={providerHref(provider, paths.projects)}>
        {text}
      </a>
    </p>
  );

  switch (list.status) {
    case 'loading':
      return <Loading what={`your ${provider.name} repositories`} />;
    case 'unconfigured':
      return null;
    case 'not_linked':
      return signIn(`Sign in with ${provider.name} to list your repositories`);
    case 'token_rejected':
      return (
        <>
          <p className="alert alert-error" role="alert">
            {provider.name} no longer accepts your sign-in. Sign in again to list your repositories.
          </p>
          {signIn(`Sign in with ${provider.name} again`)}
        </>
      );
    case 'error':
      return (
        <>
          <ErrorAlert error={list.error} />
          <button type="button" className="button" onClick={retry}>
            Try again
          </button>
        </>
      );
    case 'ready':
      return (
        <>
          {list.repositories.length === 0 ? (
            <p className="muted">No repositories on {provider.name}.</p>
          ) : (
            <ul className="repo-list" aria-label={`${provider.name} repositories`}>
              {list.repositories.map((repository) => (
                <li key={repository.cloneUrl}>
                  <button
                    type="button"
                    className="repo-item"
                    aria-pressed={repository.cloneUrl === selectedUrl}
                    onClick={() => {
                      onPick(repository);
                    }}
                  >
                    <span className="repo-name">
                      {repository.fullName}
                      {repository.private && <span className="badge">Private</span>}
                    </span>
                    {repository.description && (
                      <span className="repo-description">{repository.description}</span>
                    )}
                    <span className="repo-meta">
                      updated {formatDateTime(repository.updatedAt)}
                      {repository.defaultBranch && ` · ${repository.defaultBranch}`}
                    </span>
                  </button>
                </li>
              ))}
            </ul>
          )}
          <ErrorAlert error={list.moreError} />
          {list.nextPage !== null && (
            <button
              type="button"
              className="button"
              disabled={list.loadingMore}
              onClick={() => void loadMore()}
            >
              {list.loadingMore ? 'Loading…' : 'Load more'}
            </button>
          )}
        </>
      );
  }
}
