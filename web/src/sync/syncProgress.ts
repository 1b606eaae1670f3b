import type { RepoStatus } from './useRepo';

/**
 * Whether this browser's edits have reached the server. The server stores a change before it
 * sends any sync message whose heads include it (docs/protocol.md, "Durability guarantee"), so a
 * document is saved once every head of our copy appears among the heads the server last
 * announced for it. Until then it is pending: typed offline, or sent and not yet confirmed.
 */
export class SyncProgress {
  readonly #local = new Map<string, readonly string[]>();
  readonly #server = new Map<string, ReadonlySet<string>>();
  readonly #pending = new Set<string>();
  readonly #listeners = new Set<() => void>();

  /** Our copy of `documentId` now has `heads` (after a local edit, a load or a remote change). */
  local(documentId: string, heads: readonly string[]): void {
    this.#local.set(documentId, heads);
    this.#update(documentId);
  }

  /** The server announced `heads` for `documentId` in a sync message. */
  server(documentId: string, heads: readonly string[]): void {
    this.#server.set(documentId, new Set(heads));
    this.#update(documentId);
  }

  /** How many documents hold changes the server has not confirmed. */
  get pending(): number {
    return this.#pending.size;
  }

  /** Calls `listener` whenever the number of pending documents changes; returns the unsubscribe. */
  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  #update(documentId: string): void {
    const before = this.#pending.size;
    if (confirmed(this.#local.get(documentId) ?? [], this.#server.get(documentId))) {
      this.#pending.delete(documentId);
    } else {
      this.#pending.add(documentId);
    }
    if (this.#pending.size !== before) {
      for (const listener of this.#listeners) listener();
    }
  }
}

/**
 * True when the server is known to hold every change behind `local`. Checking membership rather
 * than equality lets the server be ahead of us (someone else typed); when it is ahead in a way
 * that hides our head among its ancestors, we say "pending" until its changes arrive and the
 * heads meet — conservative, never falsely "saved".
 */
export function confirmed(local: readonly string[], server: ReadonlySet<string> | undefined) {
  if (local.length === 0) return true;
  return server !== undefined && local.every((head) => server.has(head));
}

/** What the status bar says about saving. */
export type SaveState = 'connecting' | 'saved' | 'syncing' | 'offline' | 'error';

export interface SaveIndicator {
  state: SaveState;
  text: string;
  /** The tooltip: why there is no save button. */
  title: string;
}

const NO_SAVE_NEEDED =
  'There is no need to save: every edit is kept as you type (Ctrl/Cmd+S does nothing).';

/** The indicator for a connection state and a number of documents with unconfirmed changes. */
export function saveIndicator(connection: RepoStatus, pending: number): SaveIndicator {
  switch (connection) {
    case 'error':
      return {
        state: 'error',
        text: 'Sync unavailable',
        title: 'The sync engine could not start in this browser; reload the page to try again.',
      };
    case 'offline':
      return {
        state: 'offline',
        text: 'Offline — changes kept on this device',
        title: `Edits are stored in this browser and merge with everyone else’s when the connection returns. ${NO_SAVE_NEEDED}`,
      };
    case 'connecting':
      return {
        state: 'connecting',
        text: 'Connecting…',
        title: `Edits made now are kept on this device and sent once connected. ${NO_SAVE_NEEDED}`,
      };
    case 'synced':
      return pending > 0
        ? {
            state: 'syncing',
            text: 'Syncing…',
            title: `Sending ${pending === 1 ? 'one file’s changes' : `changes of ${pending} files`} to the server. ${NO_SAVE_NEEDED}`,
          }
        : {
            state: 'saved',
            text: 'Saved',
            title: `Every change is stored on the server and shared with everyone here. ${NO_SAVE_NEEDED}`,
          };
  }
}
