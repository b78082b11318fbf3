/**
 * A refused switch-on (the activation gate lists what is missing), said the same way wherever a
 * flow can be switched on: the flow page and the import wizard's last step.
 */
import { toErrorView } from '../logic/errors.ts';

export interface SwitchRefusal {
  message: string;
  missing: string[];
}

/** "Not switched on: 2 things are missing." with the missing items, or the error in words. */
export function switchRefusal(error: unknown, words = 'Not switched on'): SwitchRefusal {
  const details = (error as { details?: { missing?: unknown } }).details;
  const missing = Array.isArray(details?.missing) ? details.missing.filter((m): m is string => typeof m === 'string') : [];
  const message = missing.length > 0 ? `${words}: ${missing.length === 1 ? 'one thing is' : `${missing.length} things are`} missing.` : `${words}: ${toErrorView(error).message}`;
  return { message, missing };
}

export function SwitchRefusalPanel({ refused, next, className }: { refused: SwitchRefusal; next: string; className?: string }) {
  return (
    <div className={`panel panel-danger${className ? ` ${className}` : ''}`} role="alert">
      <p className="panel-title">{refused.message}</p>
      {refused.missing.length > 0 ? (
        <ul>
          {refused.missing.map((m) => (
            <li key={m}>{m}</li>
          ))}
        </ul>
      ) : null}
      <p className="muted">{next}</p>
    </div>
  );
}
