import { plainError } from '../logic/plain-errors.ts';

/** A step's or run's error: a plain sentence first, the hint, the original words folded away. */
export function PlainError({ error, prefix }: { error: { message: string; code?: string; hint?: string; details?: Record<string, unknown> }; prefix?: string }) {
  const text = plainError(error);
  return (
    <>
      <p>
        {prefix}
        {text.sentence}
      </p>
      {error.hint ? <p className="error-hint">{error.hint}</p> : null}
      {text.technical ? (
        <details className="error-technical">
          <summary>Technical details</summary>
          <code>{text.technical}</code>
        </details>
      ) : null}
    </>
  );
}
