/**
 * Connect / Reconnect for OAuth2 sign-ins as a person: asks the API for the provider's sign-in
 * page, opens it in the browser (the desktop app hands window.open to the system browser), and
 * waits for the sign-in to come back to Flowkeeper. Shows connected / expired state; the tokens
 * themselves never reach this screen.
 */
import { useEffect, useRef, useState } from 'react';
import type { CredentialInfo } from '../../engine/model/contract.ts';
import { presetFor } from '../../engine/model/credential-types.ts';
import { getApi } from '../api.ts';
import { toErrorView } from '../logic/errors.ts';
import { useCredentials } from '../stores/credentials-store.ts';
import { notify } from '../stores/notice-store.ts';

export function needsConnect(c: CredentialInfo): boolean {
  return presetFor(c.type)?.connect === true;
}

/** A plain sentence for the sign-in state. */
export function connectionText(c: CredentialInfo): string {
  if (c.connection?.state === 'connected') return 'Signed in';
  if (c.connection?.state === 'expired') return 'Sign-in expired or withdrawn: reconnect';
  return 'Not signed in yet: connect';
}

export function ConnectionState({ credential }: { credential: CredentialInfo }) {
  const state = credential.connection?.state ?? 'none';
  return <div className={`cell-sub sign-in-${state}`}>{connectionText(credential)}</div>;
}

type Phase = { kind: 'idle' } | { kind: 'starting' } | { kind: 'waiting'; url: string } | { kind: 'failed'; message: string; hint?: string };

export function ConnectButton({ credential }: { credential: CredentialInfo }) {
  const [phase, setPhase] = useState<Phase>({ kind: 'idle' });
  const alive = useRef(true);
  useEffect(() => {
    alive.current = true;
    return () => {
      alive.current = false;
    };
  }, []);

  const connect = async () => {
    setPhase({ kind: 'starting' });
    try {
      const { url } = await getApi().credentials.connect({ id: credential.id });
      setPhase({ kind: 'waiting', url });
      window.open(url, '_blank', 'noopener');
      // Long-polls: each call waits up to 20 s for the browser to come back.
      while (alive.current) {
        const result = await getApi().credentials.connectResult({ id: credential.id, waitSeconds: 20 });
        if (result.state === 'waiting') continue;
        if (result.state === 'connected') {
          notify(`Signed in “${credential.id}”. Flowkeeper renews the sign-in by itself.`);
          setPhase({ kind: 'idle' });
          void useCredentials.getState().load();
        } else {
          setPhase({ kind: 'failed', message: result.message, ...(result.hint ? { hint: result.hint } : {}) });
        }
        return;
      }
    } catch (e) {
      const view = toErrorView(e);
      if (alive.current) setPhase({ kind: 'failed', message: view.message, ...(view.hint ? { hint: view.hint } : {}) });
    }
  };

  const label = credential.connection === undefined ? 'Connect' : 'Reconnect';
  return (
    <div className="connect-credential">
      <button type="button" className="button button-small button-primary" disabled={phase.kind === 'starting' || phase.kind === 'waiting'} onClick={() => void connect()} aria-label={`${label} ${credential.id}`}>
        {phase.kind === 'starting' ? 'Opening…' : phase.kind === 'waiting' ? 'Waiting for the browser…' : label}
      </button>
      {phase.kind === 'waiting' ? (
        <p className="field-help" role="status">
          Finish signing in on the page that opened in your browser.{' '}
          <a href={phase.url} target="_blank" rel="noopener noreferrer">
            Open the sign-in page again
          </a>
        </p>
      ) : null}
      {phase.kind === 'failed' ? (
        <p className="field-error" role="alert">
          {phase.message}
          {phase.hint ? ` ${phase.hint}` : ''}
        </p>
      ) : null}
    </div>
  );
}
