import { useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent } from 'react';

/** A tiny history router: the app has a handful of routes and needs nothing more. */

const NAVIGATE_EVENT = 'ensemble:navigate';

export interface Location {
  pathname: string;
  search: string;
}

function subscribe(onChange: () => void): () => void {
  window.addEventListener('popstate', onChange);
  window.addEventListener(NAVIGATE_EVENT, onChange);
  return () => {
    window.removeEventListener('popstate', onChange);
    window.removeEventListener(NAVIGATE_EVENT, onChange);
  };
}

function currentHref(): string {
  return window.location.pathname + window.location.search;
}

/** The current path and query, re-rendering on every navigation. */
export function useLocation(): Location {
  const href = useSyncExternalStore(subscribe, currentHref);
  const url = new URL(href, 'http://app.invalid');
  return { pathname: url.pathname, search: url.search };
}

// Set by in-app navigation (not the first page load) so the next page heading to mount takes
// focus, which tells screen-reader users that the page changed.
let headingFocusRequested = false;
window.addEventListener('popstate', () => {
  headingFocusRequested = true;
});

/** True once after each in-app navigation; the page heading that asks first gets the focus. */
export function takeHeadingFocusRequest(): boolean {
  const requested = headingFocusRequested;
  headingFocusRequested = false;
  return requested;
}

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (to === currentHref()) return;
  if (options.replace) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  headingFocusRequested = true;
  window.dispatchEvent(new Event(NAVIGATE_EVENT));
}

/**
 * Matches `/projects/:id/members`-style patterns; returns the decoded params or null.
 * Trailing slashes are ignored.
 */
export function matchPath(pattern: string, pathname: string): Record<string, string> | null {
  const split = (path: string) => path.split('/').filter((part) => part !== '');
  const want = split(pattern);
  const have = split(pathname);
  if (want.length !== have.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const expected = want[i] ?? '';
    const actual = have[i] ?? '';
    if (expected.startsWith(':')) {
      try {
        params[expected.slice(1)] = decodeURIComponent(actual);
      } catch {
        return null;
      }
    } else if (expected !== actual) {
      return null;
    }
  }
  return params;
}

/**
 * Only same-app paths are acceptable as a place to return to after logging in;
 * anything else (another origin, `//host`) falls back to the project list.
 */
export function safeReturnTo(value: string | null | undefined, fallback = '/projects'): string {
  if (!value?.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) {
    return fallback;
  }
  return value;
}

type LinkProps = AnchorHTMLAttributes<HTMLAnchorElement> & { to: string };

/** An anchor that navigates in-app on a plain click and behaves normally otherwise. */
export function Link({ to, onClick, ...rest }: LinkProps) {
  const handleClick = (event: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(event);
    if (
      event.defaultPrevented ||
      event.button !== 0 ||
      event.metaKey ||
      event.ctrlKey ||
      event.shiftKey ||
      event.altKey
    ) {
      return;
    }
    event.preventDefault();
    navigate(to);
  };
  return <a href={to} onClick={handleClick} {...rest} />;
}
