import { useConnection } from '../stores/connection-store.ts';

const WORDS = { connecting: 'Connecting…', connected: 'Connected', reconnecting: 'Reconnecting…', unauthorized: 'Access key needed' } as const;

/** A small dot and a word at the bottom of the navigation. */
export function ConnectionIndicator() {
  const state = useConnection((s) => s.status.state);
  return (
    <div className={`connection connection-${state}`} role="status" aria-live="polite" data-testid="connection">
      <span className="connection-dot" aria-hidden="true" />
      <span className="connection-word">{WORDS[state]}</span>
    </div>
  );
}
