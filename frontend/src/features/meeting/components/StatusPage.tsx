import { useEffect, useRef, type ReactNode } from 'react';
import { AppHeader } from '../../../app/AppHeader';

/**
 * A full page with one message and a way out (meeting not found, full,
 * left, failed). Its heading takes the focus, so that screen readers read
 * what happened.
 */
export function StatusPage({ title, children, actions, 'data-testid': testId }: { title: string; children?: ReactNode; actions: ReactNode; 'data-testid'?: string }) {
  const headingRef = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    headingRef.current?.focus();
  }, []);
  return (
    <div className="v-page">
      <AppHeader />
      <main id="main" className="v-status fr-container" data-testid={testId}>
        <div className="v-status__card">
          <h1 ref={headingRef} tabIndex={-1} className="v-status__title">
            {title}
          </h1>
          {children}
          <div className="v-status__actions">{actions}</div>
        </div>
      </main>
    </div>
  );
}
