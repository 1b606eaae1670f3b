import { parseLiveMessage, type LiveCommand, type LiveMessage } from './messages';

/** How the live channel is doing. */
export type LiveStatus = 'connecting' | 'open' | 'offline' | 'closed';

export type LiveListener = (message: LiveMessage) => void;

/** The WebSocket constructor, injectable for tests. */
export type SocketFactory = (url: string) => WebSocket;

const PING_MS = 25_000;
const BACKOFF_MS = [500, 1_000, 2_000, 5_000, 10_000];

/** The live endpoint for a project on this page's origin (the session cookie authenticates). */
export function liveUrl(projectId: string, location: Pick<Location, 'protocol' | 'host'>): string {
  const scheme = location.protocol === 'https:' ? 'wss://' : 'ws://';
  return `${scheme}${location.host}/api/projects/${encodeURIComponent(projectId)}/live`;
}

/**
 * One project's live channel: reconnects with backoff, pings to keep proxies from idling it out,
 * and tells `onOpen` listeners each time it (re)connects so they can subscribe again.
 */
export class LiveChannel {
  private socket: WebSocket | null = null;
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private pingTimer: ReturnType<typeof setInterval> | undefined;
  private closed = false;
  private readonly listeners = new Set<LiveListener>();
  private readonly openListeners = new Set<() => void>();
  private readonly statusListeners = new Set<(status: LiveStatus) => void>();
  status: LiveStatus = 'connecting';

  constructor(
    private readonly url: string,
    private readonly createSocket: SocketFactory = (u) => new WebSocket(u),
  ) {}

  connect(): void {
    if (this.closed) return;
    this.setStatus(this.attempt === 0 ? 'connecting' : 'offline');
    const socket = this.createSocket(this.url);
    this.socket = socket;
    socket.onopen = () => {
      this.attempt = 0;
      this.setStatus('open');
      this.pingTimer = setInterval(() => {
        this.send({ type: 'ping' });
      }, PING_MS);
      this.openListeners.forEach((listener) => {
        listener();
      });
    };
    socket.onmessage = (event: MessageEvent) => {
      if (typeof event.data !== 'string') return;
      const message = parseLiveMessage(event.data);
      if (message) {
        this.listeners.forEach((listener) => {
          listener(message);
        });
      }
    };
    socket.onclose = () => {
      clearInterval(this.pingTimer);
      if (this.socket !== socket || this.closed) return;
      this.socket = null;
      this.setStatus('offline');
      const delay = BACKOFF_MS[Math.min(this.attempt, BACKOFF_MS.length - 1)] ?? 10_000;
      this.attempt += 1;
      this.retryTimer = setTimeout(() => {
        this.connect();
      }, delay);
    };
  }

  /** Sends when connected; otherwise drops it (subscriptions are replayed on reconnect). */
  send(command: LiveCommand): boolean {
    if (this.socket?.readyState !== 1) return false;
    this.socket.send(JSON.stringify(command));
    return true;
  }

  onMessage(listener: LiveListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Called on every (re)connection, and at once if already open. */
  onOpen(listener: () => void): () => void {
    this.openListeners.add(listener);
    if (this.status === 'open') listener();
    return () => this.openListeners.delete(listener);
  }

  onStatus(listener: (status: LiveStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.pingTimer);
    this.setStatus('closed');
    const socket = this.socket;
    this.socket = null;
    socket?.close();
    this.listeners.clear();
    this.openListeners.clear();
    this.statusListeners.clear();
  }

  private setStatus(status: LiveStatus): void {
    this.status = status;
    this.statusListeners.forEach((listener) => {
      listener(status);
    });
  }
}
