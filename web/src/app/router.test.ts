import { describe, expect, it } from 'vitest';
import { matchPath, safeReturnTo } from './router';

describe('matchPath', () => {
  it('extracts decoded params', () => {
    expect(matchPath('/projects/:id/members', '/projects/a%20b/members')).toEqual({ id: 'a b' });
  });

  it('ignores a trailing slash', () => {
    expect(matchPath('/projects', '/projects/')).toEqual({});
  });

  it('rejects other shapes', () => {
    expect(matchPath('/projects/:id', '/projects')).toBeNull();
    expect(matchPath('/projects/:id', '/invite/x')).toBeNull();
  });
});

describe('safeReturnTo', () => {
  it('accepts in-app paths', () => {
    expect(safeReturnTo('/invite/abc?x=1')).toBe('/invite/abc?x=1');
  });

  it('refuses other origins and falls back to the project list', () => {
    expect(safeReturnTo('https://evil.example/')).toBe('/projects');
    expect(safeReturnTo('//evil.example/')).toBe('/projects');
    expect(safeReturnTo('/\\evil.example/')).toBe('/projects');
    expect(safeReturnTo(null)).toBe('/projects');
  });
});
