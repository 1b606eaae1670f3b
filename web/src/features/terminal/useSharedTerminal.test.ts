import { act, renderHook } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LiveChannel } from '../../live/liveChannel';
import type { ScreenEffect } from './terminalView';
import { useSharedTerminal } from './useSharedTerminal';

class FakeSocket {
  readyState = 0;
  sent: unknown[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: (() => void) | null = null;
  send(text: string) {
    this.sent.push(JSON.parse(text));
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
}

const state = {
  channel: 'terminal',
  event: 'state',
  sessionId: 's1',
  state: 'running',
  cols: 90,
  rows: 20,
  startedBy: 'ada',
  startedById: 'u1',
  startedAt: '2026-01-01T00:00:00Z',
};

describe('useSharedTerminal', () => {
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
    channel.connect();
  });

  afterEach(() => {
    channel.close();
    vi.useRealTimers();
  });

  it('subscribesShowsOutputAndResumesAfterReconnecting', () => {
    const effects: ScreenEffect[] = [];
    const { result } = renderHook(() =>
      useSharedTerminal(channel, (effect) => {
        effects.push(effect);
      }),
    );
    const first = sockets[0];
    if (!first) throw new Error('no socket');
    act(() => {
      first.open();
    });
    expect(first.sent).toContainEqual({ type: 'terminal-subscribe' });
    act(() => {
      first.receive(state);
      first.receive({
        channel: 'terminal',
        event: 'output',
        sessionId: 's1',
        firstSeq: 1,
        seq: 2,
        data: 'hi',
      });
    });
    expect(result.current.session?.startedBy).toBe('ada');
    expect(effects).toEqual([
      { kind: 'reset' },
      { kind: 'resize', cols: 90, rows: 20 },
      { kind: 'write', data: 'hi' },
    ]);

    act(() => {
      first.close();
    });
    act(() => {
      vi.advanceTimersByTime(1000);
    });
    const second = sockets[1];
    if (!second) throw new Error('no reconnection');
    act(() => {
      second.open();
    });
    expect(second.sent).toContainEqual({
      type: 'terminal-subscribe',
      sessionId: 's1',
      afterSeq: 2,
    });
  });

  it('sendsTypingAndShowsRefusals', () => {
    const { result } = renderHook(() => useSharedTerminal(channel, () => {}));
    const socket = sockets[0];
    if (!socket) throw new Error('no socket');
    act(() => {
      socket.open();
    });
    act(() => {
      result.current.open(100, 30);
      result.current.input('echo hi\r');
      result.current.resize(120, 40);
      result.current.close();
    });
    expect(socket.sent.slice(-4)).toEqual([
      { type: 'terminal-open', cols: 100, rows: 30 },
      { type: 'terminal-input', data: 'echo hi\r' },
      { type: 'terminal-resize', cols: 120, rows: 40 },
      { type: 'terminal-close' },
    ]);
    act(() => {
      socket.receive({
        channel: 'terminal',
        event: 'error',
        code: 'forbidden',
        message: 'read-only access',
      });
    });
    expect(result.current.problem).toEqual({ code: 'forbidden', message: 'read-only access' });
  });
});
