import type { ReactNode } from 'react';
import { AccountPage } from '../features/account/AccountPage';
import { AuthPage } from '../features/auth/AuthPage';
import { AcceptInvitePage } from '../features/invites/AcceptInvitePage';
import { MembersPage } from '../features/projects/MembersPage';
import { ProjectListPage } from '../features/projects/ProjectListPage';
import { ProjectPage } from '../features/projects/ProjectPage';
import { PageHeader } from '../ui/PageHeader';
import { paths } from './paths';
import { Link, matchPath, safeReturnTo, type Location } from './router';

/** Who may see a route: everyone, only signed-out visitors, or only signed-in users. */
type Access = 'any' | 'guest' | 'member';

interface Route {
  pattern: string;
  access: Access;
  render: (params: Record<string, string>, location: Location) => ReactNode;
}

const returnToOf = (location: Location) =>
  safeReturnTo(new URLSearchParams(location.search).get('returnTo'));

const param = (params: Record<string, string>, name: string) => params[name] ?? '';

export const routes: readonly Route[] = [
  {
    pattern: '/login',
    access: 'guest',
    render: (_, location) => <AuthPage mode="login" returnTo={returnToOf(location)} />,
  },
  {
    pattern: '/signup',
    access: 'guest',
    render: (_, location) => <AuthPage mode="signup" returnTo={returnToOf(location)} />,
  },
  { pattern: '/projects', access: 'member', render: () => <ProjectListPage /> },
  {
    pattern: '/projects/:id',
    access: 'member',
    render: (params) => {
      const id = param(params, 'id');
      return <ProjectPage key={id} projectId={id} view="code" />;
    },
  },
  {
    pattern: '/projects/:id/overview',
    access: 'member',
    render: (params) => {
      const id = param(params, 'id');
      return <ProjectPage key={id} projectId={id} view="overview" />;
    },
  },
  {
    pattern: '/projects/:id/members',
    access: 'member',
    render: (params) => {
      const id = param(params, 'id');
      return <MembersPage key={id} projectId={id} />;
    },
  },
  {
    pattern: '/invite/:token',
    access: 'any',
    render: (params) => {
      const token = param(params, 'token');
      return <AcceptInvitePage key={token} token={token} />;
    },
  },
  { pattern: '/account', access: 'member', render: () => <AccountPage /> },
];

export type Resolution = { kind: 'page'; element: ReactNode } | { kind: 'redirect'; to: string };

/** Decides what to show for a location given whether someone is signed in. */
export function resolve(location: Location, signedIn: boolean): Resolution {
  if (location.pathname === '/') {
    return { kind: 'redirect', to: signedIn ? paths.projects : paths.login() };
  }
  for (const route of routes) {
    const params = matchPath(route.pattern, location.pathname);
    if (!params) continue;
    if (route.access === 'member' && !signedIn) {
      return { kind: 'redirect', to: paths.login(location.pathname + location.search) };
    }
    if (route.access === 'guest' && signedIn) {
      return { kind: 'redirect', to: returnToOf(location) };
    }
    return { kind: 'page', element: route.render(params, location) };
  }
  return { kind: 'page', element: <NotFound /> };
}

function NotFound() {
  return (
    <>
      <PageHeader title="Page not found" />
      <p>There is nothing at this address.</p>
      <p>
        <Link to="/">Go to the start page</Link>
      </p>
    </>
  );
}
