import { useEffect } from 'react';
import { SessionProvider, useSession } from '../features/auth/useSession';
import { ErrorAlert } from '../ui/ErrorAlert';
import { Loading } from '../ui/Loading';
import { paths } from './paths';
import { Link, navigate, useLocation } from './router';
import { resolve } from './routes';

/** The whole app: the session, the frame around every page, and the page for the URL. */
export function App() {
  return (
    <SessionProvider>
      <Shell />
    </SessionProvider>
  );
}

function Shell() {
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <TopBar />
      <main id="main" tabIndex={-1} className="main">
        <Page />
      </main>
    </>
  );
}

function Page() {
  const session = useSession();
  const location = useLocation();

  if (session.state.status === 'loading') return <Loading what="Ensemble" />;
  if (session.state.status === 'error') {
    return (
      <div className="card">
        <h1 tabIndex={-1}>Ensemble is unreachable</h1>
        <ErrorAlert error={session.state.error} />
        <button type="button" className="button" onClick={session.retry}>
          Try again
        </button>
      </div>
    );
  }
  const resolution = resolve(location, session.state.status === 'signedIn');
  if (resolution.kind === 'redirect') return <Redirect to={resolution.to} />;
  return resolution.element;
}

function Redirect({ to }: { to: string }) {
  useEffect(() => {
    navigate(to, { replace: true });
  }, [to]);
  return null;
}

function TopBar() {
  const { state } = useSession();
  const { pathname } = useLocation();
  const current = (prefix: string) => (pathname.startsWith(prefix) ? 'page' : undefined);

  return (
    <header className="topbar">
      <div className="topbar-inner">
        <Link to="/" className="brand">
          <span className="brand-mark" aria-hidden="true">
            ◆
          </span>
          Ensemble
        </Link>
        {state.status === 'signedIn' && (
          <nav aria-label="Main" className="topnav">
            <Link to={paths.projects} aria-current={current(paths.projects)}>
              Projects
            </Link>
            <Link
              to={paths.account}
              aria-current={current(paths.account)}
              aria-label={`Account of ${state.user.displayName || state.user.username}`}
            >
              <span className="avatar" aria-hidden="true">
                {(state.user.displayName || state.user.username).slice(0, 1).toUpperCase()}
              </span>
              <span className="topnav-user">{state.user.displayName || state.user.username}</span>
            </Link>
          </nav>
        )}
      </div>
    </header>
  );
}
