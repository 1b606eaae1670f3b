import { describe, expect, it, vi } from 'vitest';
import { apiError, fakeApi } from '../test/fakeApi';
import { api, ApiError, onUnauthorized, readCookie } from './client';

describe('api client', () => {
  it('sends the CSRF cookie value as X-CSRF-Token on state-changing requests', async () => {
    document.cookie = 'ensemble_csrf=abc%2F123; path=/';
    const seen = fakeApi({ 'POST /api/projects': { status: 201, body: { id: 'p1' } } });

    await api.projects.create({ name: 'Apollo' });

    expect(seen[0]?.headers.get('X-CSRF-Token')).toBe('abc/123');
    expect(seen[0]?.headers.get('Content-Type')).toBe('application/json');
    expect(seen[0]?.body).toEqual({ name: 'Apollo' });
  });

  it('reads the CSRF cookie afresh for every request', async () => {
    const seen = fakeApi({ 'DELETE /api/tokens/t1': { status: 204 } });
    document.cookie = 'ensemble_csrf=first; path=/';
    await api.tokens.revoke('t1');
    document.cookie = 'ensemble_csrf=second; path=/';
    await api.tokens.revoke('t1');

    expect(seen.map((r) => r.headers.get('X-CSRF-Token'))).toEqual(['first', 'second']);
  });

  it('does not send the CSRF header on reads', async () => {
    document.cookie = 'ensemble_csrf=abc; path=/';
    const seen = fakeApi({ 'GET /api/projects': { body: [] } });

    await api.projects.list();

    expect(seen[0]?.headers.has('X-CSRF-Token')).toBe(false);
  });

  it('turns the JSON error body into an ApiError with code, message and field', async () => {
    fakeApi({
      'POST /api/auth/signup': apiError(
        409,
        'username_taken',
        'That username is taken.',
        'username',
      ),
    });

    const error = await api.auth
      .signup({ username: 'alice', password: 'secret123' })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({
      status: 409,
      code: 'username_taken',
      message: 'That username is taken.',
      field: 'username',
    });
  });

  it('keeps Retry-After from a rate-limited login', async () => {
    fakeApi({
      'POST /api/auth/login': {
        ...apiError(429, 'rate_limited', 'Too many attempts.'),
        headers: { 'Retry-After': '30' },
      },
    });

    const error = await api.auth.login({ username: 'a', password: 'b' }).catch((e: unknown) => e);

    expect(error).toMatchObject({ code: 'rate_limited', retryAfterSeconds: 30 });
  });

  it('describes a non-JSON failure by its status', async () => {
    fakeApi({ 'GET /api/projects': { status: 502, body: undefined } });

    await expect(api.projects.list()).rejects.toMatchObject({
      status: 502,
      message: expect.stringContaining('HTTP 502') as unknown,
    });
  });

  it('reports an unreachable server as a network error', async () => {
    vi.stubGlobal('fetch', () => Promise.reject(new TypeError('Failed to fetch')));

    await expect(api.projects.list()).rejects.toMatchObject({ code: 'network_error' });
  });

  it('tells listeners when a session has ended, but not for a failed login', async () => {
    fakeApi({
      'GET /api/projects': apiError(401, 'unauthenticated', 'Log in first.'),
      'POST /api/auth/login': apiError(401, 'invalid_credentials', 'Wrong username or password.'),
    });
    let ended = 0;
    const stop = onUnauthorized(() => {
      ended++;
    });

    await api.auth.login({ username: 'a', password: 'b' }).catch(() => undefined);
    expect(ended).toBe(0);
    await api.projects.list().catch(() => undefined);
    expect(ended).toBe(1);
    stop();
  });

  it('encodes path segments', async () => {
    const seen = fakeApi({});

    await api.invites.preview('a/b c').catch(() => undefined);

    expect(seen[0]?.path).toBe('/api/invites/a%2Fb%20c');
  });
});

describe('readCookie', () => {
  it('finds a cookie among others', () => {
    expect(readCookie('ensemble_csrf', 'a=1; ensemble_csrf=xyz; b=2')).toBe('xyz');
    expect(readCookie('missing', 'a=1')).toBeUndefined();
  });
});
