/**
 * The inbox's keys: J / K (or the arrow keys on the list) next and previous, A approve,
 * R reject. Ignored while typing in a field, with a modifier held, or while a dialog is open,
 * so a letter typed into a comment never decides anything.
 */
import { useEffect, useRef } from 'react';

export interface InboxKeyActions {
  next(): void;
  previous(): void;
  approve(): void;
  reject(): void;
}

/** Whether a key press is meant for a text field or another control rather than the inbox. */
export function isTyping(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el || typeof el.closest !== 'function') return false;
  if (el.isContentEditable) return true;
  return el.closest('input:not([type="checkbox"]):not([type="radio"]), textarea, select, dialog[open], .cm-editor') !== null;
}

export function inboxKeyAction(event: Pick<KeyboardEvent, 'key' | 'ctrlKey' | 'metaKey' | 'altKey' | 'target'>): keyof InboxKeyActions | undefined {
  if (event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target)) return undefined;
  switch (event.key) {
    case 'j':
    case 'J':
      return 'next';
    case 'k':
    case 'K':
      return 'previous';
    case 'a':
    case 'A':
      return 'approve';
    case 'r':
    case 'R':
      return 'reject';
    default:
      return undefined;
  }
}

export function useInboxKeys(active: boolean, actions: InboxKeyActions): void {
  const latest = useRef(actions);
  latest.current = actions;
  useEffect(() => {
    if (!active) return;
    const onKey = (event: KeyboardEvent) => {
      const action = inboxKeyAction(event);
      if (!action) return;
      event.preventDefault();
      latest.current[action]();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [active]);
}
