import { useEffect, useRef } from 'react';
import type { ErrorView } from '../logic/errors.ts';
import { ProblemList } from './problem-list.tsx';

interface ErrorBoxProps {
  error: ErrorView;
  /** Names nodes in problem locations. */
  flow?: unknown;
  onRetry?: () => void;
}

/** What went wrong and what to do next, from the API error's message and hint. */
export function ErrorBox({ error, flow, onRetry }: ErrorBoxProps) {
  const ref = useRef<HTMLDivElement>(null);
  // In a long form (or a dialog that scrolls) the error must not appear out of sight.
  useEffect(() => {
    ref.current?.scrollIntoView?.({ block: 'nearest' });
  }, [error]);
  return (
    <div className="error-box" role="alert" ref={ref}>
      <p className="error-message">{error.message}</p>
      {error.hint ? <p className="error-hint">{error.hint}</p> : null}
      {error.problems && error.problems.length > 0 ? <ProblemList problems={error.problems} flow={flow} /> : null}
      {onRetry ? (
        <button type="button" className="button" onClick={onRetry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}
