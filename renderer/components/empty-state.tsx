import type { ReactNode } from 'react';

/** What an empty screen means and what to do next. */
export function EmptyState({ title, children, action }: { title: string; children: ReactNode; action?: ReactNode }) {
  return (
    <div className="empty-state">
      <h2>{title}</h2>
      <div className="empty-text">{children}</div>
      {action ? <div className="empty-action">{action}</div> : null}
    </div>
  );
}
