import { useEffect, useRef, type ReactNode } from 'react';
import { takeHeadingFocusRequest } from '../app/router';

interface PageHeaderProps {
  title: string;
  /** Shown above the title, e.g. the breadcrumb back to a list. */
  eyebrow?: ReactNode;
  children?: ReactNode;
}

/** The page's single <h1>, which takes focus when it appears after in-app navigation. */
export function PageHeader({ title, eyebrow, children }: PageHeaderProps) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${title} · Ensemble`;
  }, [title]);
  useEffect(() => {
    if (takeHeadingFocusRequest()) heading.current?.focus();
  }, []);
  return (
    <header className="page-header">
      {eyebrow && <div className="eyebrow">{eyebrow}</div>}
      <div className="page-header-row">
        <h1 ref={heading} tabIndex={-1}>
          {title}
        </h1>
        {children && <div className="page-header-extra">{children}</div>}
      </div>
    </header>
  );
}
