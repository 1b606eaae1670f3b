/** The app's URLs in one place, so links and redirects agree with the route table. */
export const paths = {
  projects: '/projects',
  project: (id: string) => `/projects/${encodeURIComponent(id)}`,
  overview: (id: string) => `/projects/${encodeURIComponent(id)}/overview`,
  members: (id: string) => `/projects/${encodeURIComponent(id)}/members`,
  invite: (token: string) => `/invite/${encodeURIComponent(token)}`,
  account: '/account',
  login: (returnTo?: string) => withReturnTo('/login', returnTo),
  signup: (returnTo?: string) => withReturnTo('/signup', returnTo),
} as const;

function withReturnTo(path: string, returnTo: string | undefined): string {
  return returnTo && returnTo !== '/projects'
    ? `${path}?returnTo=${encodeURIComponent(returnTo)}`
    : path;
}
