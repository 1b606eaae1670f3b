import { Link, useLocation } from '../../app/router';
import { paths } from '../../app/paths';

/** Tabs between a project's pages; the current one is marked for assistive technology. */
export function ProjectNav({ projectId }: { projectId: string }) {
  const { pathname } = useLocation();
  const tabs = [
    { to: paths.project(projectId), label: 'Code' },
    { to: paths.overview(projectId), label: 'Overview' },
    { to: paths.members(projectId), label: 'Members' },
  ];
  return (
    <nav className="tabs" aria-label="Project">
      {tabs.map((tab) => (
        <Link key={tab.to} to={tab.to} aria-current={pathname === tab.to ? 'page' : undefined}>
          {tab.label}
        </Link>
      ))}
    </nav>
  );
}
