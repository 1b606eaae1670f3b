/**
 * Presence: who is here, where their cursor is. Sent as automerge-repo ephemeral messages on a
 * document's handle (never stored), repeated as a heartbeat, and forgotten when it stops.
 */

/** A cursor or selection in UTF-16 offsets of the file's text; anchor === head for a caret. */
export interface CursorRange {
  anchor: number;
  head: number;
}

/** What one browser tab says about its user, on the project's root document or a file's. */
export interface PresenceMessage {
  type: 'presence';
  userId: string;
  name: string;
  color: string;
  /** The file the user has in front of them, if any. */
  file?: string;
  cursor?: CursorRange;
}

/** Sent when a tab closes a file or the project, so it disappears at once rather than on expiry. */
export interface PresenceLeaveMessage {
  type: 'presence-leave';
  userId: string;
}

export type PresenceWireMessage = PresenceMessage | PresenceLeaveMessage;

/** Someone else's latest presence, from one tab (peer). */
export interface PeerPresence extends PresenceMessage {
  peerId: string;
  lastSeen: number;
}

export type PeerTable = ReadonlyMap<string, PeerPresence>;

export const HEARTBEAT_MS = 3_000;
export const PRESENCE_TTL_MS = 10_000;

const COLOR = /^#[0-9a-f]{6}$/i;
const MAX_TEXT = 200;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

const isOffset = (value: unknown): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= 0;

/** Reads an ephemeral message, rejecting anything malformed (it comes from other browsers). */
export function parsePresence(message: unknown): PresenceWireMessage | null {
  if (!isRecord(message) || typeof message.userId !== 'string' || !message.userId) return null;
  const userId = message.userId.slice(0, MAX_TEXT);
  if (message.type === 'presence-leave') return { type: 'presence-leave', userId };
  if (message.type !== 'presence') return null;
  if (typeof message.name !== 'string' || typeof message.color !== 'string') return null;
  const parsed: PresenceMessage = {
    type: 'presence',
    userId,
    name: message.name.slice(0, MAX_TEXT),
    color: COLOR.test(message.color) ? message.color : colorFor(userId),
  };
  if (typeof message.file === 'string') parsed.file = message.file.slice(0, 4096);
  const cursor = message.cursor;
  if (isRecord(cursor) && isOffset(cursor.anchor) && isOffset(cursor.head)) {
    parsed.cursor = { anchor: cursor.anchor, head: cursor.head };
  }
  return parsed;
}

/** The table after hearing `message` from `peerId` at `now`. */
export function receivePresence(
  peers: PeerTable,
  peerId: string,
  message: PresenceWireMessage,
  now: number,
): PeerTable {
  const next = new Map(peers);
  if (message.type === 'presence-leave') {
    next.delete(peerId);
    return next;
  }
  next.set(peerId, { ...message, peerId, lastSeen: now });
  return next;
}

/** The table without peers not heard from for `ttl`; the same object when nobody expired. */
export function expirePresence(peers: PeerTable, now: number, ttl = PRESENCE_TTL_MS): PeerTable {
  let expired = false;
  const next = new Map<string, PeerPresence>();
  for (const [peerId, peer] of peers) {
    if (now - peer.lastSeen > ttl) expired = true;
    else next.set(peerId, peer);
  }
  return expired ? next : peers;
}

/** One entry per person (several tabs of one user collapse into the latest), by name. */
export function peopleOf(peers: PeerTable): PeerPresence[] {
  const byUser = new Map<string, PeerPresence>();
  for (const peer of peers.values()) {
    const seen = byUser.get(peer.userId);
    if (!seen || seen.lastSeen < peer.lastSeen) byUser.set(peer.userId, peer);
  }
  return [...byUser.values()].sort(
    (a, b) => a.name.localeCompare(b.name) || a.userId.localeCompare(b.userId),
  );
}

const PALETTE = [
  '#e5484d',
  '#f76b15',
  '#ad7f00',
  '#30a46c',
  '#12a594',
  '#0090ff',
  '#6e56cf',
  '#d6409f',
  '#8e4ec6',
  '#3e63dd',
] as const;

/** A stable colour per user, so a person looks the same to everyone and in every session. */
export function colorFor(userId: string): string {
  let hash = 0;
  for (let i = 0; i < userId.length; i++) hash = (hash * 31 + userId.charCodeAt(i)) | 0;
  return PALETTE[Math.abs(hash) % PALETTE.length] ?? PALETTE[0];
}

/** Up to two initials for an avatar. */
export function initialsOf(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  const letters = words.length > 1 ? [words[0], words[words.length - 1]] : [words[0]];
  return letters
    .map((word) => (word ? String.fromCodePoint(word.codePointAt(0) ?? 63) : ''))
    .join('')
    .toUpperCase();
}
