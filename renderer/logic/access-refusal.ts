/**
 * Why the web bridge refused this page's access key, in plain words. The bridge answers a
 * refused key with `details.reason`: `missing` (the page was opened without its key), `replaced`
 * (the owner started `flowkeeper serve --new-key`), `revoked` (a reviewer's link that was
 * withdrawn with `flowkeeper reviewers remove`) or `unknown` (not this server's key: another
 * data folder, a deleted key file, a mistyped link). Pure; tested in test/renderer/.
 */

export type RefusalReason = 'missing' | 'replaced' | 'revoked' | 'unknown';

export function asRefusalReason(body: unknown): RefusalReason | undefined {
  const reason = (body as { error?: { details?: { reason?: unknown } } } | null)?.error?.details?.reason;
  return reason === 'missing' || reason === 'replaced' || reason === 'revoked' || reason === 'unknown' ? reason : undefined;
}

export function describeRefusal(reason: RefusalReason | undefined): { title: string; text: string } {
  switch (reason) {
    case 'replaced':
      return {
        title: 'This access key was replaced',
        text: 'Flowkeeper was started with a new access key (flowkeeper serve --new-key), so links with the old key stopped working. Ask the person who runs it for the new link.',
      };
    case 'revoked':
      return {
        title: 'This reviewer link was withdrawn',
        text: 'The person who runs Flowkeeper removed this link, so it no longer opens the inbox. Ask them for a new one if you still review items.',
      };
    case 'missing':
      return { title: 'This page needs its access key', text: 'It was opened without the key that the printed link contains.' };
    case 'unknown':
      return {
        title: 'This access key does not open this Flowkeeper',
        text: 'The key in this tab belongs to another Flowkeeper: it may have been started with another data folder, its key file may have been deleted, or the link was copied incompletely. Restarting alone does not change the key.',
      };
    default:
      return { title: 'This page needs its access key', text: '' };
  }
}
