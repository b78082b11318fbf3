/** Listens for the inbox's keys on the window (the mapping is in inbox-keys.ts). */
import { useEffect, useRef } from 'react';
import { inboxKeyAction, type InboxKeyActions } from './inbox-keys.ts';

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
