import { useMemo, useState } from 'react';
import { copyText } from '../logic/copy-text.ts';
import { formatBytes, isStoredAside, prettyJson } from '../logic/format.ts';

/** Pretty JSON, cut for very large values, with a copy button. */
export function JsonView({ value, label }: { value: unknown; label: string }) {
  const { text, truncated } = useMemo(() => prettyJson(value), [value]);
  const [copied, setCopied] = useState(false);
  const [copyError, setCopyError] = useState<string | undefined>(undefined);
  if (isStoredAside(value)) {
    return <p className="muted">This value is large ({formatBytes(value.bytes)}) and stored beside the trace; it is not shown here.</p>;
  }
  const copy = async () => {
    // navigator.clipboard is missing outside a secure context, whatever the DOM types say.
    const result = await copyText(text, navigator.clipboard as Clipboard | undefined);
    setCopied(result.ok);
    setCopyError(result.ok ? undefined : result.message);
    if (result.ok) setTimeout(() => setCopied(false), 1500);
  };
  return (
    <div className="json-view">
      <button type="button" className="button button-small json-copy" onClick={() => void copy()}>
        {copied ? 'Copied' : 'Copy'}
      </button>
      {copyError ? (
        <p className="field-error" role="alert">
          {copyError}
        </p>
      ) : null}
      <pre tabIndex={0} aria-label={label}>
        {text}
      </pre>
      {truncated ? <p className="muted">Cut short: the value is too large to show in full. Copy it to see everything.</p> : null}
    </div>
  );
}
