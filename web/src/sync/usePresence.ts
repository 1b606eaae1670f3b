import type { DocHandle, DocHandleEphemeralMessagePayload } from '@automerge/automerge-repo/slim';
import { useEffect, useRef, useState } from 'react';
import {
  expirePresence,
  HEARTBEAT_MS,
  parsePresence,
  receivePresence,
  type PeerTable,
  type PresenceMessage,
} from './presence';

/** What this tab publishes about its user. */
export type LocalPresence = Omit<PresenceMessage, 'type'>;

const EMPTY: PeerTable = new Map();
const EXPIRY_CHECK_MS = 1_000;

interface Keyed {
  handle: DocHandle<unknown>;
  peers: PeerTable;
}

/**
 * Publishes `local` on `handle` (at once when it changes, and as a heartbeat) and returns the
 * other tabs' presence on the same document, forgetting those that fall silent. Cleanup tells
 * the others this tab has left and removes every listener and timer.
 */
export function usePresence<T>(
  handle: DocHandle<T> | null,
  local: LocalPresence | null,
): PeerTable {
  const [keyed, setKeyed] = useState<Keyed | null>(null);
  const latest = useRef<LocalPresence | null>(local);
  const localKey = local ? JSON.stringify(local) : '';

  useEffect(() => {
    latest.current = local;
  });

  useEffect(() => {
    if (!handle) return;
    const target = handle as DocHandle<unknown>;
    const known = new Set<string>();
    const publish = () => {
      const me = latest.current;
      if (me) target.broadcast({ type: 'presence', ...me } satisfies PresenceMessage);
    };
    const onMessage = ({ senderId, message }: DocHandleEphemeralMessagePayload<unknown>) => {
      const parsed = parsePresence(message);
      if (!parsed) return;
      // A newcomer should not wait for our next heartbeat to see us.
      if (parsed.type === 'presence' && !known.has(senderId)) publish();
      if (parsed.type === 'presence') known.add(senderId);
      else known.delete(senderId);
      setKeyed((current) => ({
        handle: target,
        peers: receivePresence(
          current?.handle === target ? current.peers : EMPTY,
          senderId,
          parsed,
          Date.now(),
        ),
      }));
    };
    target.on('ephemeral-message', onMessage);
    const heartbeat = setInterval(publish, HEARTBEAT_MS);
    const expiry = setInterval(() => {
      setKeyed((current) => {
        if (current?.handle !== target) return current;
        const peers = expirePresence(current.peers, Date.now());
        for (const peerId of known) if (!peers.has(peerId)) known.delete(peerId);
        return peers === current.peers ? current : { handle: target, peers };
      });
    }, EXPIRY_CHECK_MS);
    const leave = () => {
      const me = latest.current;
      if (me) target.broadcast({ type: 'presence-leave', userId: me.userId });
    };
    window.addEventListener('pagehide', leave);
    return () => {
      target.off('ephemeral-message', onMessage);
      clearInterval(heartbeat);
      clearInterval(expiry);
      window.removeEventListener('pagehide', leave);
      leave();
    };
  }, [handle]);

  useEffect(() => {
    const me = latest.current;
    if (handle && me) {
      (handle as DocHandle<unknown>).broadcast({
        type: 'presence',
        ...me,
      } satisfies PresenceMessage);
    }
  }, [handle, localKey]);

  return keyed && keyed.handle === (handle as DocHandle<unknown> | null) ? keyed.peers : EMPTY;
}
