import { useMemo, useState } from 'react';
import { formatBytes, isStoredAside, prettyJson } from '../logic/format.ts';

/** Pretty JSON, cut for very large values, with a copy button. */
export function JsonView({ value, label }: { value: unknown; label: string }) {
  const { text, truncated } = useMemo(() => prettyJson(value), [value]);
  const [copied, setCopied] = useState(false);
  if (isStoredAside(value)) {
    return <p className="muted">This value is large ({formatBytes(value.bytes)}) and stored beside the trace; it is not shown here.</p>;
  }
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied(true);
      setTimeout(() => setCopied(false), 1500);
    } catch {
      setCopied(false);
    }
  };
  return (
    <div className="json-view">
      <button type="button" className="button button-small json-copy" onClick={() => void copy()}>
        {copied ? 'Copied' : 'Copy'}
      </button>
      <pre tabIndex={0} aria-label={label}>
        {text}
      </pre>
      {truncated ? <p className="muted">Cut short: the value is too large to show in full. Copy it to see everything.</p> : null}
    </div>
  );
}
