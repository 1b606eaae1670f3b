import { IndexedDBStorageAdapter } from '@automerge/automerge-repo-storage-indexeddb';

/**
 * This browser's copy of the documents a person opened lives in an IndexedDB database of their
 * own: edits made offline wait there (across reloads and closed tabs) until the socket returns,
 * and they must reach the server under the identity that made them, never under the next person
 * to sign in on the same browser.
 */
export function documentDatabase(userId: string): string {
  return `ensemble-documents-${userId}`;
}

/** The database every person shared before copies were kept per person; removed on log out. */
const SHARED_DATABASE = 'ensemble-documents';

/** How long logging out waits for the browser to delete a copy before going on regardless. */
const DELETE_WAIT_MS = 3_000;

/**
 * Storage for the person's repo. The connection closes itself when a deletion asks for the
 * database (another tab logging out), so the deletion need not wait for the page to go away.
 */
export function documentStorage(userId: string): IndexedDBStorageAdapter {
  const storage = new IndexedDBStorageAdapter(documentDatabase(userId));
  // The adapter keeps its connection in a field TypeScript calls private and offers no close;
  // without the field the deletion still happens, once the page lets the connection go.
  const opening = (storage as unknown as { dbPromise?: Promise<IDBDatabase> }).dbPromise;
  opening?.then(
    (db) => {
      db.onversionchange = () => {
        db.close();
      };
    },
    () => undefined, // the repo reports a database that cannot open when it first uses it
  );
  return storage;
}

/**
 * Deletes the person's copy of their documents from this browser (logging out): what was saved
 * to the server is unaffected; edits made offline that never reached it are gone.
 */
export async function forgetLocalCopies(userId: string): Promise<void> {
  if (typeof indexedDB === 'undefined') return;
  await Promise.all([deleteDatabase(documentDatabase(userId)), deleteDatabase(SHARED_DATABASE)]);
}

function deleteDatabase(name: string): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, DELETE_WAIT_MS);
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    const request = indexedDB.deleteDatabase(name);
    request.onsuccess = done;
    // A failed deletion leaves the copy; logging out itself has succeeded on the server.
    request.onerror = done;
    // onblocked: a connection in another page has not closed yet; the deletion goes ahead once it
    // does (ours close on request), and the timer stops logging out from waiting for it.
  });
}
