/**
 * Pagination for the HTTP request step: how the next page of a list is found.
 *
 * - `link-header`: the `Link: <…>; rel="next"` header (RFC 8288; GitHub, GitLab, Shopify…).
 * - `next-url`: a field of the answer holding the next page's address (`next`, `links.next`…).
 * - `cursor`: a field of the answer holding a cursor, sent back as a query parameter.
 * - `page-number`: a page number query parameter counting up until a page comes back empty.
 *
 * Every page is its own recorded HTTP call, so replay reads the same pages from the trace. A
 * next page on another host is refused: the step's credential must never go to a stranger.
 */
import { z } from 'zod';
import { NodeError, field } from '../../engine/model/index.ts';

export const PaginationConfig = z
  .object({
    mode: field(z.enum(['off', 'link-header', 'next-url', 'cursor', 'page-number']).default('off'), {
      title: 'Read several pages',
      description: 'How the API says where the next page is: a Link header, a field with the next address, a cursor field, or page numbers. Off: one call per item.',
      optionLabels: { off: 'No, one call per item', 'link-header': 'Link header (rel="next")', 'next-url': 'A field with the next address', cursor: 'A cursor field', 'page-number': 'Page numbers' },
    }),
    itemsPath: field(z.string().max(500).optional(), {
      title: 'Where the records are',
      description: 'The field of each page that holds the list of records, e.g. data or results.items. Empty: the whole answer.',
      placeholder: 'data',
      widget: 'expression',
      showWhen: { field: 'mode', is: ['link-header', 'next-url', 'cursor', 'page-number'] },
    }),
    nextUrlPath: field(z.string().max(500).optional(), {
      title: 'Field with the next address',
      description: 'For "a field with the next address": the field holding the next page\'s address, e.g. next or links.next. Empty or missing means the last page.',
      placeholder: 'next',
      widget: 'expression',
      showWhen: { field: 'mode', is: ['next-url'] },
    }),
    cursorPath: field(z.string().max(500).optional(), {
      title: 'Field with the cursor',
      description: 'For "cursor": the field of the answer holding the next cursor, e.g. meta.next_cursor. Empty or missing means the last page.',
      placeholder: 'meta.next_cursor',
      widget: 'expression',
      showWhen: { field: 'mode', is: ['cursor'] },
    }),
    cursorParam: field(z.string().max(200).optional(), {
      title: 'Cursor query parameter',
      description: 'For "cursor": the query parameter the cursor is sent back in, e.g. cursor or starting_after.',
      placeholder: 'cursor',
      widget: 'plain',
      showWhen: { field: 'mode', is: ['cursor'] },
    }),
    pageParam: field(z.string().max(200).default('page'), {
      title: 'Page number query parameter',
      description: 'For "page numbers": the query parameter holding the page number.',
      widget: 'plain',
      showWhen: { field: 'mode', is: ['page-number'] },
    }),
    firstPage: field(z.number().int().min(0).max(1_000_000).default(1), {
      title: 'First page number',
      description: 'For "page numbers": the number of the first page, usually 1 (some APIs start at 0).',
      showWhen: { field: 'mode', is: ['page-number'] },
    }),
    maxPages: field(z.number().int().min(1).max(10_000).default(100), {
      title: 'Most pages',
      description: 'A guard against endless lists: if there are still more pages after this many, the item fails instead of reading on.',
      showWhen: { field: 'mode', is: ['link-header', 'next-url', 'cursor', 'page-number'] },
    }),
  })
  .strict()
  .superRefine((p, ctx) => {
    if (p.mode === 'next-url' && !p.nextUrlPath) ctx.addIssue({ code: 'custom', path: ['nextUrlPath'], message: 'Say which field of the answer holds the next page\'s address, e.g. next.' });
    if (p.mode === 'cursor' && !p.cursorPath) ctx.addIssue({ code: 'custom', path: ['cursorPath'], message: 'Say which field of the answer holds the next cursor, e.g. meta.next_cursor.' });
    if (p.mode === 'cursor' && !p.cursorParam) ctx.addIssue({ code: 'custom', path: ['cursorParam'], message: 'Say which query parameter the cursor goes back in, e.g. cursor.' });
  });
export type PaginationSettings = z.infer<typeof PaginationConfig>;

/** The `rel="next"` target of a Link header, resolved against the page it came with. */
export function nextFromLinkHeader(link: string | undefined, currentUrl: string): string | undefined {
  if (!link) return undefined;
  for (const match of link.matchAll(/<([^>]*)>((?:\s*;\s*[^;,]+)*)/g)) {
    const rel = /;\s*rel\s*=\s*"?([^";,]+)"?/i.exec(match[2] ?? '')?.[1];
    if (rel && rel.toLowerCase().split(/\s+/).includes('next')) return new URL(match[1]!, currentUrl).toString();
  }
  return undefined;
}

/** A next-page address from the answer, checked to stay on the same site as the first page. */
export function sameSiteUrl(next: string, currentUrl: string, firstUrl: string): string {
  let url: URL;
  try {
    url = new URL(next, currentUrl);
  } catch {
    throw new NodeError({ message: `The answer gave "${next}" as the next page, which is not a web address.`, code: 'BAD_RESPONSE', retryable: false, hint: 'Check "Field with the next address".' });
  }
  if (url.origin !== new URL(firstUrl).origin) {
    throw new NodeError({
      message: `The next page is on another site (${url.origin}) than the first (${new URL(firstUrl).origin}), so Flowkeeper did not follow it.`,
      code: 'BAD_RESPONSE',
      retryable: false,
      hint: 'Pages are only read from the site the step calls, so its sign-in never goes elsewhere. Check the pagination settings.',
    });
  }
  return url.toString();
}

export function withQueryParam(url: string, name: string, value: string): string {
  const u = new URL(url);
  u.searchParams.set(name, value);
  return u.toString();
}

export function tooManyPages(maxPages: number, pageNumbersWithoutRecordsField = false): NodeError {
  return new NodeError({
    message: `The list has more than ${maxPages} pages, the most this step reads.`,
    code: 'TOO_MANY_PAGES',
    retryable: false,
    hint: pageNumbersWithoutRecordsField
      ? 'With page numbers the end is an empty page: set "Where the records are" (e.g. data) so an empty page is recognised, or raise "Most pages".'
      : 'Raise "Most pages", or ask for fewer records (a filter or a larger page size in the query).',
  });
}
