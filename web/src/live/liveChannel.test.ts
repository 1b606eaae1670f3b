import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LiveChannel, liveUrl } from './liveChannel';
import { parseLiveMessage, type LiveMessage } from './messages';

class FakeSocket {
  readyState = 0;
  sent: string[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: (() => void) | null = null;
  send(text: string) {
    this.sent.push(text);
  }
  close() {
    this.readyState = 3;
    this.onclose?.();
  }
  open() {
    this.readyState = 1;
    this.onopen?.();
  }
  receive(value: unknown) {
    this.onmessage?.({ data: JSON.stringify(value) });
  }
  drop() {
    this.readyState = 3;
    this.onclose?.();
  }
}

describe('LiveChannel', () => {
  let sockets: FakeSocket[];
  let channel: LiveChannel;

  beforeEach(() => {
    vi.useFakeTimers();
    sockets = [];
    channel = new LiveChannel('ws://x/live', () => {
      const socket = new FakeSocket();
      sockets.push(socket);
      return socket as unknown as WebSocket;
    });
  });

  afterEach(() => {
    channel.close();
    vi.useRealTimers();
  });

  it('deliversParsedMessagesToListeners', () => {
    const seen: LiveMessage[] = [];
    channel.onMessage((m) => seen.push(m));
    channel.connect();
    sockets[0]?.open();
    sockets[0]?.receive({
      channel: 'ai',
      event: 'token',
      threadId: 't',
      messageId: 'm',
      text: 'x',
    });
    sockets[0]?.receive({ nonsense: true });
    expect(seen).toEqual([
      { channel: 'ai', event: 'token', threadId: 't', messageId: 'm', text: 'x' },
    ]);
  });

  it('reconnectsWithBackoffAndResubscribes', () => {
    const statuses: string[] = [];
    channel.onStatus((s) => statuses.push(s));
    let opens = 0;
    channel.onOpen(() => {
      opens += 1;
      channel.send({ type: 'subscribe-run', runId: 'r', afterSeq: opens });
    });
    channel.connect();
    sockets[0]?.open();
    sockets[0]?.drop();
    expect(statuses).toContain('offline');
    expect(sockets).toHaveLength(1);
    vi.advanceTimersByTime(500);
    expect(sockets).toHaveLength(2);
    sockets[1]?.open();
    expect(opens).toBe(2);
    expect(sockets[1]?.sent).toEqual([
      JSON.stringify({ type: 'subscribe-run', runId: 'r', afterSeq: 2 }),
    ]);
  });

  it('stopsReconnectingOnceClosed', () => {
    channel.connect();
    sockets[0]?.open();
    channel.close();
    vi.advanceTimersByTime(60_000);
    expect(sockets).toHaveLength(1);
    expect(channel.status).toBe('closed');
  });

  it('dropsCommandsWhileDisconnected', () => {
    channel.connect();
    expect(channel.send({ type: 'ping' })).toBe(false);
  });
});

describe('parseLiveMessage', () => {
  it('acceptsRunOutputAndRejectsMalformedFrames', () => {
    expect(
      parseLiveMessage(
        '{"channel":"run","event":"output","runId":"r","seq":2,"stream":"stdout","data":"hi"}',
      ),
    ).toMatchObject({ event: 'output', seq: 2 });
    expect(parseLiveMessage('{"channel":"run","event":"output","runId":"r"}')).toBeNull();
    expect(parseLiveMessage('not json')).toBeNull();
  });

  it('buildsTheUrlOnThisOrigin', () => {
    expect(liveUrl('p 1', { protocol: 'https:', host: 'h' })).toBe(
      'wss://h/api/projects/p%201/live',
    );
  });
});
