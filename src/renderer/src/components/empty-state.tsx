/** What a screen shows when it has nothing yet: what this is, and what to do next. */
import type { JSX, ReactNode } from 'react';

/** Render a titled empty state with guidance and an optional action. */
export function EmptyState({ title, children, action }: { title: string; children: ReactNode; action?: ReactNode }): JSX.Element {
  return (
    <div className="empty" role="note" aria-label={title}>
      <h3>{title}</h3>
      <div className="empty-body">{children}</div>
      {action ? <div className="empty-action">{action}</div> : null}
    </div>
  );
}
