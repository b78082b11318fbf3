/**
 * The inbox's keys: J / K next and previous, A approve,
 * R reject. Ignored while typing in a field, with a modifier held, or while a dialog is open,
 * so a letter typed into a comment never decides anything.
 */
export interface InboxKeyActions {
  next(): void;
  previous(): void;
  approve(): void;
  reject(): void;
}

/** Whether a key press is meant for a text field or another control rather than the inbox. */
export function isTyping(target: unknown): boolean {
  const el = target as { isContentEditable?: boolean; closest?: (selector: string) => unknown } | null;
  if (!el || typeof el.closest !== 'function') return false;
  if (el.isContentEditable === true) return true;
  return el.closest('input:not([type="checkbox"]):not([type="radio"]), textarea, select, dialog[open], .cm-editor') !== null;
}

/** The key press as far as the inbox cares (structurally typed, so it runs in unit tests). */
export interface KeyPress {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  target: unknown;
}

export function inboxKeyAction(event: KeyPress): keyof InboxKeyActions | undefined {
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

