import { Repo } from '@automerge/automerge-repo/slim';
import {
  WebSocketClientAdapter,
  type FromClientMessage,
} from '@automerge/automerge-repo-network-websocket';
import { createContext, useContext, useEffect, useState } from 'react';
import { automergeReady } from './automerge';
import { documentStorage } from './localCopies';
import { SyncProgress } from './syncProgress';
import { trackSaves } from './trackSaves';

/** How the project's live connection is doing. */
export type RepoStatus = 'connecting' | 'synced' | 'offline' | 'error';

export interface RepoState {
  status: RepoStatus;
  /** Present once Automerge has loaded; documents can be opened even while offline. */
  repo: Repo | null;
  /** Which documents hold changes the server has not confirmed yet; present with the repo. */
  progress?: SyncProgress;
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
 * The stock WebSocket client with two changes. Automerge-repo forwards every ephemeral message it
 * receives to its other peers; our only peer is the server, which already relayed that message
 * to everyone, so echoing other people's presence back to it is pure waste (and the server
 * treats a message carrying someone else's senderId as a protocol error). And it can let go of a
 * socket at once when the network is known to be gone, instead of waiting for a close handshake
 * that cannot complete.
 */
export class ProjectSyncAdapter extends WebSocketClientAdapter {
  override send(message: FromClientMessage): void {
    if (message.type === 'ephemeral' && message.senderId !== this.peerId) return;
    // Between a socket starting to close and its close event the stock adapter throws on every
    // send; the message could not arrive either way, and the sync state is rebuilt with the
    // next connection, so drop it instead of raising errors nobody can handle.
    const socket: unknown = this.socket;
    if (socket instanceof WebSocket && socket.readyState !== WebSocket.OPEN) return;
    super.send(message);
  }

  /**
   * Gives the current socket up now: the server counts as gone (peer-disconnected) and the
   * adapter starts reconnecting every retry interval. Browsers only fire a socket's close event
   * once the closing handshake finishes or times out (up to a minute) and while offline it
   * cannot finish, so the stock close handler is called here rather than by that event.
   */
  abandonSocket(): void {
    const socket: unknown = this.socket;
    if (!(socket instanceof WebSocket) || socket.readyState === WebSocket.CLOSED) return;
    socket.removeEventListener('open', this.onOpen);
    socket.removeEventListener('close', this.onClose);
    socket.removeEventListener('message', this.onMessage);
    socket.removeEventListener('error', this.onError);
    socket.close();
    this.onClose();
  }

  /** Tries a new connection now unless one is open or opening (the network came back). */
  reconnectNow(): void {
    const socket: unknown = this.socket;
    const busy =
      socket instanceof WebSocket &&
      (socket.readyState === WebSocket.OPEN || socket.readyState === WebSocket.CONNECTING);
    if (busy || !this.peerId) return;
    this.connect(this.peerId, this.peerMetadata);
  }
}

interface Keyed extends RepoState {
  projectId: string;
}

/**
 * Opens one automerge-repo `Repo` for the project, connected over a WebSocket to the sync
 * endpoint and stored in the person's own IndexedDB copy; closes it (and its socket) when the
 * project changes or the component unmounts.
 */
export function useRepo(projectId: string, userId: string): RepoState {
  const [state, setState] = useState<Keyed | null>(null);

  useEffect(() => {
    let closed = false;
    let repo: Repo | undefined;
    let stopTracking: (() => void) | undefined;
    let firstConnect: ReturnType<typeof setTimeout> | undefined;
    let adapter: ProjectSyncAdapter | undefined;
    const set = (next: RepoState) => {
      if (!closed) setState({ projectId, ...next });
    };
    // Browsers keep a socket open for minutes after the network goes; when the system says it
    // is offline, give it up so the status is honest and reconnection starts when it comes back,
    // and try at once when the system says the network is back rather than at the next retry.
    const onOffline = () => {
      adapter?.abandonSocket();
    };
    const onOnline = () => {
      adapter?.reconnectNow();
    };

    automergeReady().then(
      () => {
        if (closed) return;
        const created = new ProjectSyncAdapter(syncUrl(projectId, window.location), RETRY_MS);
        adapter = created;
        repo = new Repo({
          network: [created],
          // Absent only where there is no IndexedDB (unit tests); documents then live in memory.
          ...(typeof indexedDB === 'undefined' ? {} : { storage: documentStorage(userId) }),
        });
        const progress = new SyncProgress();
        stopTracking = trackSaves(repo, created, progress);
        const current = { repo, progress };
        created.on('peer-candidate', () => {
          clearTimeout(firstConnect);
          set({ status: 'synced', ...current });
        });
        created.on('peer-disconnected', () => {
          set({ status: 'offline', ...current });
        });
        window.addEventListener('offline', onOffline);
        window.addEventListener('online', onOnline);
        firstConnect = setTimeout(() => {
          set({ status: 'offline', ...current });
        }, FIRST_CONNECT_MS);
        set({ status: 'connecting', ...current });
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
      window.removeEventListener('offline', onOffline);
      window.removeEventListener('online', onOnline);
      stopTracking?.();
      if (repo) {
        try {
          void repo.shutdown().catch(() => undefined);
        } catch {
          // The socket never opened; there is nothing left to close.
        }
      }
    };
  }, [projectId, userId]);

  if (state?.projectId !== projectId) return { status: 'connecting', repo: null };
  return {
    status: state.status,
    repo: state.repo,
    ...(state.progress ? { progress: state.progress } : {}),
    ...(state.error ? { error: state.error } : {}),
  };
}

/** The open project's repo and connection state, for the components inside the IDE. */
export const RepoContext = createContext<RepoState>({ status: 'connecting', repo: null });

export function useRepoContext(): RepoState {
  return useContext(RepoContext);
}
