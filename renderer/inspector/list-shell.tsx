/**
 * The frame every list editor of the inspector shares: an empty state in words, the entries, and
 * an "Add …" button (hidden when read only); plus the × button that removes one entry.
 */
import type { ReactNode } from 'react';

export function ListShell({ children, onAdd, addLabel, readOnly, empty }: { children: ReactNode; onAdd(): void; addLabel: string; readOnly: boolean; empty: string | null }) {
  return (
    <div className="inspector-list">
      {empty ? <p className="inspector-empty">{empty}</p> : null}
      {children}
      {readOnly ? null : (
        <button type="button" className="button button-small inspector-add" onClick={onAdd}>
          + {addLabel}
        </button>
      )}
    </div>
  );
}

export function RemoveButton({ label, onClick, readOnly }: { label: string; onClick(): void; readOnly: boolean }) {
  if (readOnly) return null;
  return (
    <button type="button" className="icon-button" aria-label={label} title={label} onClick={onClick}>
      ×
    </button>
  );
}
