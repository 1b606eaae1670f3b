import { decodeSyncMessage, getHeads } from '@automerge/automerge/slim';
import type {
  DocHandle,
  DocHandleEncodedChangePayload,
  DocumentId,
  Message,
  NetworkAdapter,
  Repo,
} from '@automerge/automerge-repo/slim';
import type { SyncProgress } from './syncProgress';

/** How often to look for documents opened or created since the last look. */
const SCAN_MS = 1_000;

/**
 * Feeds `progress` with the heads of every document in `repo` (as they change) and the heads the
 * server announces in its sync messages over `adapter`. Returns the function that stops it.
 */
export function trackSaves(repo: Repo, adapter: NetworkAdapter, progress: SyncProgress) {
  const watched = new Map<DocumentId, DocHandle<unknown>>();
  const onHeads = ({ handle, doc }: DocHandleEncodedChangePayload<unknown>) => {
    progress.local(handle.documentId, getHeads(doc));
  };
  const watch = (handle: DocHandle<unknown>) => {
    if (watched.has(handle.documentId)) return;
    watched.set(handle.documentId, handle);
    handle.on('heads-changed', onHeads);
    if (handle.isReady()) progress.local(handle.documentId, getHeads(handle.doc()));
  };
  const scan = () => {
    for (const handle of Object.values(repo.handles)) watch(handle as DocHandle<unknown>);
  };
  const onMessage = (message: Message) => {
    const { type, documentId, data } = message;
    if (type !== 'sync' || documentId === undefined || !(data instanceof Uint8Array)) return;
    try {
      progress.server(documentId, decodeSyncMessage(data).heads);
    } catch {
      // Not a sync message Automerge can read; the repo reports that on its own.
    }
    const handle = repo.handles[documentId];
    if (handle) watch(handle as DocHandle<unknown>);
  };
  adapter.on('message', onMessage);
  scan();
  const timer = setInterval(scan, SCAN_MS);
  return () => {
    clearInterval(timer);
    adapter.off('message', onMessage);
    for (const handle of watched.values()) handle.off('heads-changed', onHeads);
    watched.clear();
  };
}
