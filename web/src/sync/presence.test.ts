import { describe, expect, it } from 'vitest';
import {
  colorFor,
  expirePresence,
  initialsOf,
  parsePresence,
  peopleOf,
  PRESENCE_TTL_MS,
  receivePresence,
  type PeerTable,
  type PresenceMessage,
} from './presence';

const alice: PresenceMessage = {
  type: 'presence',
  userId: 'u-alice',
  name: 'Alice',
  color: '#e5484d',
  file: 'main.py',
  cursor: { anchor: 3, head: 7 },
};
const bob: PresenceMessage = { type: 'presence', userId: 'u-bob', name: 'Bob', color: '#0090ff' };
const empty: PeerTable = new Map();

describe('presence', () => {
  it('remembers what each peer last said and when', () => {
    let peers = receivePresence(empty, 'peer-a', alice, 1_000);
    peers = receivePresence(peers, 'peer-a', { ...alice, cursor: { anchor: 9, head: 9 } }, 2_000);

    expect(peers.get('peer-a')).toMatchObject({
      name: 'Alice',
      cursor: { head: 9 },
      lastSeen: 2_000,
    });
  });

  it('forgets a peer not heard from for the time to live, and keeps the others', () => {
    let peers = receivePresence(empty, 'peer-a', alice, 0);
    peers = receivePresence(peers, 'peer-b', bob, 6_000);

    expect(expirePresence(peers, PRESENCE_TTL_MS)).toBe(peers);
    const later = expirePresence(peers, PRESENCE_TTL_MS + 1);
    expect([...later.keys()]).toEqual(['peer-b']);
    expect(expirePresence(later, 6_000 + PRESENCE_TTL_MS + 1).size).toBe(0);
  });

  it('drops a peer at once when it says it is leaving', () => {
    const peers = receivePresence(empty, 'peer-a', alice, 0);
    const left = receivePresence(peers, 'peer-a', { type: 'presence-leave', userId: 'u-alice' }, 1);

    expect(left.size).toBe(0);
  });

  it('shows one entry per person however many tabs they have open', () => {
    let peers = receivePresence(empty, 'tab-1', { ...alice, file: 'a.py' }, 1);
    peers = receivePresence(peers, 'tab-2', { ...alice, file: 'b.py' }, 2);
    peers = receivePresence(peers, 'peer-b', bob, 3);

    expect(peopleOf(peers).map((p) => [p.name, p.file])).toEqual([
      ['Alice', 'b.py'],
      ['Bob', undefined],
    ]);
  });

  it('rejects malformed messages from other browsers and repairs a bad colour', () => {
    expect(parsePresence(null)).toBeNull();
    expect(parsePresence({ type: 'presence', name: 'x', color: '#fff' })).toBeNull();
    expect(parsePresence({ type: 'chat', userId: 'u', name: 'x', color: '#ffffff' })).toBeNull();
    const parsed = parsePresence({
      type: 'presence',
      userId: 'u-eve',
      name: 'Eve',
      color: 'red; background: url(x)',
      cursor: { anchor: -1, head: 2 },
    });
    expect(parsed).toEqual({
      type: 'presence',
      userId: 'u-eve',
      name: 'Eve',
      color: colorFor('u-eve'),
    });
  });

  it('gives each user a stable colour and readable initials', () => {
    expect(colorFor('u-alice')).toBe(colorFor('u-alice'));
    expect(colorFor('u-alice')).toMatch(/^#[0-9a-f]{6}$/);
    expect(initialsOf('Ada King Lovelace')).toBe('AL');
    expect(initialsOf('émile')).toBe('É');
    expect(initialsOf('😀 Smile')).toBe('😀S');
  });
});
