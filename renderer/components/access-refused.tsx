import type { RefusalReason } from '../logic/access-refusal.ts';
import { describeRefusal } from '../logic/access-refusal.ts';
import { UNAUTHORIZED_MESSAGE } from '../ws-client.ts';

/** The page the web bridge refused: what happened, what to do, and what the link looks like here. */
export function AccessRefused({ reason, host, onRetry }: { reason: RefusalReason | undefined; host: string; onRetry(): void }) {
  const { title, text } = describeRefusal(reason);
  // A link to one inbox item (from a reminder e-mail) carries no key: reviewer keys are kept only
  // as hashes, so a message cannot hold one. The tab that opened the reviewer's own link has it.
  const itemLink = typeof location !== 'undefined' && location.hash.startsWith('#/inbox/');
  return (
    <div className="unauthorized" role="alert" data-testid="unauthorized" data-reason={reason ?? 'unknown'}>
      <h1>{title}</h1>
      {text ? <p>{text}</p> : null}
      <p className="unauthorized-message">{UNAUTHORIZED_MESSAGE.split('`').map((part, i) => (i % 2 === 1 ? <code key={i}>{part}</code> : part))}</p>
      {itemLink ? (
        <p data-testid="item-link-help">
          This is a link to one review. If you review in a browser, open your own reviewer link first (the one you were given, it holds your key), then open this link again in that same tab.
        </p>
      ) : null}
      <p className="muted">
        The link looks like <code>http://{host}/?token=…</code>. The key keeps other programs on this computer from using Flowkeeper.
      </p>
      <button type="button" className="button" onClick={onRetry}>
        Try again
      </button>
    </div>
  );
}
