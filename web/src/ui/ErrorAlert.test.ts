import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/client';
import { describeError } from './ErrorAlert';

describe('describeError', () => {
  it('shows the server’s message as a sentence', () => {
    expect(describeError(new ApiError(409, 'last_owner', 'a project must keep an owner'))).toBe(
      'A project must keep an owner.',
    );
    expect(describeError(new ApiError(404, 'not_found', 'Project not found.'))).toBe(
      'Project not found.',
    );
  });

  it('leaves a property name as the server wrote it', () => {
    const error = new ApiError(400, 'validation_failed', 'expiresInHours: 0 is less than 1');
    expect(describeError(error)).toBe('expiresInHours: 0 is less than 1.');
  });

  it('does not repeat a wait the server already mentions', () => {
    const error = new ApiError(
      429,
      'rate_limited',
      'Too many attempts; retry in 300 s',
      undefined,
      300,
    );
    expect(describeError(error)).toBe('Too many attempts; retry in 300 s.');
  });

  it('adds when a rate limit lifts', () => {
    const error = new ApiError(429, 'rate_limited', 'too many failed logins', undefined, 1);
    expect(describeError(error)).toBe('Too many failed logins. Try again in 1 second.');
  });
});
