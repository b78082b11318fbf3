/**
 * Under a recipients field: who the message goes to, in words, and which parts do not look like
 * an e-mail address, so a typo shows while typing rather than as a failed run.
 */
import { readRecipients } from './email-addresses.ts';

export function EmailAddressCheck({ value }: { value: string }) {
  const parts = readRecipients(value);
  if (parts.length === 0) return null;
  const fixed = parts.filter((p) => !p.fromItem && p.ok);
  const fromItem = parts.filter((p) => p.fromItem);
  const wrong = parts.filter((p) => !p.ok);
  const reads = [
    ...(fixed.length > 0 ? [`${fixed.length === 1 ? '1 address' : `${fixed.length} addresses`} (${fixed.map((p) => p.address).join(', ')})`] : []),
    ...(fromItem.length > 0 ? [`the address${fromItem.length === 1 ? '' : 'es'} ${fromItem.map((p) => p.text).join(', ')} gives for each item`] : []),
  ];
  return (
    <div className="inspector-recipients">
      {/* Neutral words: the same check sits under To, Cc, Bcc and Replies go to. */}
      {reads.length > 0 ? <p className="field-help">Read as {reads.join(' and ')}.</p> : null}
      {wrong.map((p, i) => (
        <p key={i} className="inspector-warning">
          “{p.text}” does not look like an e-mail address; one looks like name@example.com or Name &lt;name@example.com&gt;. Separate several with commas.
        </p>
      ))}
    </div>
  );
}
