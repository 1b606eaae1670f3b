import { Repo } from '@automerge/automerge-repo/slim';
import {
  WebSocketClientAdapter,
  type FromClientMessage,
} from '@automerge/automerge-repo-network-websocket';
import { createContext, useContext, useEffect, useState } from 'react';
import { automergeReady } from './automerge';

/** How the project's live connection is doing. */
export type RepoStatus = 'connecting' | 'synced' | 'offline' | 'error';

export interface RepoState {
  status: RepoStatus;
  /** Present once Automerge has loaded; documents can be opened even while offline. */
  repo: Repo | null;
  error?: string;
}

/** How long to wait between reconnection attempts, and before calling a first attempt failed. */
const RETRY_MS = 2_000;
const FIRST_CONNECT_MS = 6_000;

/** The sync endpoint for a project on this page's origin (the session cookie authenticates). */
export function syncUrl(projectId: string, location: Pick<Location, 'protocol' | 'host'>): string {
  const scheme = location.protocol === 'https:' ? 'wss://' : 'ws://';
  return `${scheme}${location.host}/sync?project=${encodeURIComponent(projectId)}`;
}

/**
 * The stock WebSocket client, minus one habit: automerge-repo forwards every ephemeral message it
 * receives to its other peers. Our only peer is the server, which already relayed that message
 * to everyone, so echoing other people's presence back to it is pure waste (and the server
 * treats a message carrying someone else's senderId as a protocol error).
 */
class ProjectSyncAdapter extends WebSocketClientAdapter {
  override send(message: FromClientMessage): void {
    if (message.type === 'ephemeral' && message.senderId !== this.peerId) return;
    super.send(message);
  }
}

interface Keyed extends RepoState {
  projectId: string;
}

/**
 * Opens one automerge-repo `Repo` for the project, connected over a WebSocket to the sync
 * endpoint; closes it (and its socket) when the project changes or the component unmounts.
 */
export function useRepo(projectId: string): RepoState {
  const [state, setState] = useState<Keyed | null>(null);

  useEffect(() => {
    let closed = false;
    let repo: Repo | undefined;
    let firstConnect: ReturnType<typeof setTimeout> | undefined;
    const set = (next: RepoState) => {
      if (!closed) setState({ projectId, ...next });
    };

    automergeReady().then(
      () => {
        if (closed) return;
        const adapter = new ProjectSyncAdapter(syncUrl(projectId, window.location), RETRY_MS);
        const created = new Repo({ network: [adapter] });
        repo = created;
        adapter.on('peer-candidate', () => {
          clearTimeout(firstConnect);
          set({ status: 'synced', repo: created });
        });
        adapter.on('peer-disconnected', () => {
          set({ status: 'offline', repo: created });
        });
        firstConnect = setTimeout(() => {
          set({ status: 'offline', repo: created });
        }, FIRST_CONNECT_MS);
        set({ status: 'connecting', repo: created });
      },
      (error: unknown) => {
        set({
          status: 'error',
          repo: null,
          error: `Could not load the sync engine: ${error instanceof Error ? error.message : String(error)}`,
        });
      },
    );

    return () => {
      closed = true;
      clearTimeout(firstConnect);
      if (repo) {
        try {
          void repo.shutdown().catch(() => undefined);
        } catch {
          // The socket never opened; there is nothing left to close.
        }
      }
    };
  }, [projectId]);

  if (state?.projectId !== projectId) return { status: 'connecting', repo: null };
  return { status: state.status, repo: state.repo, ...(state.error ? { error: state.error } : {}) };
}

/** The open project's repo and connection state, for the components inside the IDE. */
export const RepoContext = createContext<RepoState>({ status: 'connecting', repo: null });

export function useRepoContext(): RepoState {
  return useContext(RepoContext);
}
