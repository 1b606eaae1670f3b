import { vi } from 'vitest';
import type { Member, Project, User } from '../api/client';

/** A request the app made, as the fake server saw it. */
export interface SeenRequest {
  method: string;
  path: string;
  /** The query string's parameters (routes are matched on the path alone). */
  query: URLSearchParams;
  headers: Headers;
  body: unknown;
}

export interface Reply {
  status?: number;
  body?: unknown;
  /** A plain-text body (a file's content), sent as is instead of `body`. */
  text?: string;
  headers?: Record<string, string>;
}

export type Handler = Reply | ((request: SeenRequest) => Reply);

/** `{ error: { code, message } }`, the API's one error shape. */
export function apiError(status: number, code: string, message: string, field?: string): Reply {
  return { status, body: { error: { code, message, ...(field ? { field } : {}) } } };
}

/**
 * Replaces fetch with a table of `"METHOD /path"` handlers; anything else answers 404.
 * Returns every request made, in order, so tests can assert on what was sent.
 */
export function fakeApi(routes: Record<string, Handler>): SeenRequest[] {
  const seen: SeenRequest[] = [];
  const fetchStub = vi.fn((input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = new URL(
      typeof input === 'string' ? input : input instanceof URL ? input.href : input.url,
      'http://localhost',
    );
    const method = (init?.method ?? 'GET').toUpperCase();
    const raw = init?.body;
    const request: SeenRequest = {
      method,
      path: url.pathname,
      query: url.searchParams,
      headers: new Headers(init?.headers),
      body:
        typeof raw !== 'string'
          ? undefined
          : new Headers(init?.headers).get('Content-Type')?.startsWith('text/plain')
            ? raw
            : JSON.parse(raw),
    };
    seen.push(request);
    const handler = routes[`${method} ${url.pathname}`];
    const reply: Reply =
      handler === undefined
        ? apiError(404, 'not_found', `No fake for ${method} ${url.pathname}`)
        : typeof handler === 'function'
          ? handler(request)
          : handler;
    const status = reply.status ?? 200;
    const body =
      reply.text ??
      (status === 204 || reply.body === undefined ? null : JSON.stringify(reply.body));
    const type = reply.text === undefined ? 'application/json' : 'text/plain; charset=utf-8';
    return Promise.resolve(
      new Response(body, { status, headers: { 'Content-Type': type, ...reply.headers } }),
    );
  });
  vi.stubGlobal('fetch', fetchStub);
  return seen;
}

export const alice: User = {
  id: 'u-alice',
  username: 'alice',
  displayName: 'Alice Liddell',
  email: null,
  createdAt: '2025-01-02T10:00:00Z',
};

export const bob: User = {
  id: 'u-bob',
  username: 'bob',
  displayName: 'Bob',
  email: null,
  createdAt: '2025-01-03T10:00:00Z',
};

export function project(overrides: Partial<Project> = {}): Project {
  return {
    id: 'p1',
    name: 'Apollo',
    role: 'owner',
    ownerId: alice.id,
    memberCount: 1,
    createdAt: '2025-02-01T09:00:00Z',
    updatedAt: '2025-02-02T09:00:00Z',
    ...overrides,
  };
}

export function member(user: User, role: Member['role']): Member {
  return {
    userId: user.id,
    username: user.username,
    displayName: user.displayName,
    role,
    addedAt: '2025-02-01T09:00:00Z',
  };
}

/** Puts the browser at `path` before the app renders. */
export function visit(path: string): void {
  window.history.replaceState(null, '', path);
}
