/**
 * How "Check a web API regularly" reads an answer: every page of a paged list, the same ways the
 * HTTP request step pages (Link header, a field with the next address, a cursor, page numbers;
 * its helpers keep the next page on the same site), conditional requests (ETag / Last-Modified:
 * a 304 means nothing changed and starts nothing), and rate limits (429 or 503 with Retry-After
 * waited out on the trigger's clock and said in its health). Paths are dot paths into the JSON
 * answer, as for "Where the list is".
 */
import { z } from 'zod';
import { field, type HttpRequest, type HttpResponse, type TriggerContext } from '../../engine/model/index.ts';
import { nextFromLinkHeader, sameSiteUrl, tooManyPages, withQueryParam } from '../integration/http-pagination.ts';
import { DEFAULT_RATE_LIMIT, exhaustedWaitMs, resetWaitMs, retryAfterHeaderMs, type RateLimitSettings } from '../integration/http-rate-limit.ts';
import { renewedBearer } from '../shared/credential-fields.ts';

export const PollPagination = z
  .object({
    mode: field(z.enum(['off', 'link-header', 'next-url', 'cursor', 'page-number']).default('off'), {
      title: 'Read several pages',
      description: 'For APIs that hand out the list in pages: how the answer says where the next page is, so new items beyond the first page are seen too. Off: only the first answer.',
      optionLabels: { off: 'No, only the first answer', 'link-header': 'Link header (rel="next")', 'next-url': 'A field with the next address', cursor: 'A cursor field', 'page-number': 'Page numbers' },
    }),
    nextUrlPath: field(z.string().max(500).optional(), {
      title: 'Field with the next address',
      description: 'Dot path to the next page\'s address in the answer, e.g. links.next. Empty or missing means the last page.',
      placeholder: 'links.next',
      widget: 'plain',
      showWhen: { field: 'mode', is: ['next-url'] },
    }),
    cursorPath: field(z.string().max(500).optional(), {
      title: 'Field with the cursor',
      description: 'Dot path to the next cursor in the answer, e.g. meta.next_cursor. Empty or missing means the last page.',
      placeholder: 'meta.next_cursor',
      widget: 'plain',
      showWhen: { field: 'mode', is: ['cursor'] },
    }),
    cursorParam: field(z.string().max(200).optional(), {
      title: 'Cursor query parameter',
      description: 'The query parameter the cursor is sent back in, e.g. cursor or starting_after.',
      placeholder: 'cursor',
      widget: 'plain',
      showWhen: { field: 'mode', is: ['cursor'] },
    }),
    pageParam: field(z.string().max(200).default('page'), { title: 'Page number query parameter', description: 'The query parameter holding the page number.', widget: 'plain', showWhen: { field: 'mode', is: ['page-number'] } }),
    firstPage: field(z.number().int().min(0).max(1_000_000).default(1), { title: 'First page number', description: 'Usually 1 (some APIs start at 0).', showWhen: { field: 'mode', is: ['page-number'] } }),
    maxPages: field(z.number().int().min(1).max(1000).default(20), {
      title: 'Most pages per check',
      description: 'A guard against endless lists: with more pages than this, the check fails with a clear message (and starts nothing) instead of reading on.',
      showWhen: { field: 'mode', is: ['link-header', 'next-url', 'cursor', 'page-number'] },
    }),
  })
  .strict()
  .superRefine((p, ctx) => {
    if (p.mode === 'next-url' && !p.nextUrlPath) ctx.addIssue({ code: 'custom', path: ['nextUrlPath'], message: 'Say which field of the answer holds the next page\'s address, e.g. links.next.' });
    if (p.mode === 'cursor' && !p.cursorPath) ctx.addIssue({ code: 'custom', path: ['cursorPath'], message: 'Say which field of the answer holds the next cursor, e.g. meta.next_cursor.' });
    if (p.mode === 'cursor' && !p.cursorParam) ctx.addIssue({ code: 'custom', path: ['cursorParam'], message: 'Say which query parameter the cursor goes back in, e.g. cursor.' });
  });
export type PollPaginationSettings = z.infer<typeof PollPagination>;

/**
 * What each page of the last answer said about itself (ETag, Last-Modified) and where its next
 * page was, sent back so an unchanged page costs a 304: its items were handled at an earlier
 * check, and the saved next page lets reading go on to the pages that did change.
 */
export interface Validators {
  /** The first page's address these belong to (another address: none are sent). */
  url: string;
  pages: Record<string, { etag?: string; lastModified?: string; next?: string }>;
}

export interface ReadOptions {
  url: string;
  itemsPath: string;
  headers: Record<string, string>;
  credential?: string;
  pagination?: PollPaginationSettings;
  rateLimit?: Partial<RateLimitSettings>;
  validators?: Validators;
  /** Filled in while reading: pages read, time waited for rate limits. */
  stats?: { pages: number; waitedMs: number; unchanged?: number };
}

export type ReadResult = { notModified: true } | { notModified: false; list: unknown[]; validators?: Validators };

export function at(value: unknown, path: string): unknown {
  return path === '' ? value : path.split('.').reduce<unknown>((v, key) => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined), value);
}

/** Reads every page of the list (or only the first, or nothing when it has not changed). */
export async function readList(ctx: TriggerContext<unknown>, options: ReadOptions): Promise<ReadResult> {
  const pagination = options.pagination ?? { mode: 'off', pageParam: 'page', firstPage: 1, maxPages: 20 };
  const limits: RateLimitSettings = { ...DEFAULT_RATE_LIMIT, ...options.rateLimit };
  const first = pagination.mode === 'page-number' ? withQueryParam(options.url, pagination.pageParam, String(pagination.firstPage)) : options.url;
  const auth = { headers: { ...options.headers } };
  const list: unknown[] = [];
  const stats = options.stats ?? { pages: 0, waitedMs: 0 };
  const seen = new Set<string>([first]);
  let url = first;
  let page = pagination.firstPage;
  const known = options.validators?.url === first ? options.validators.pages : {};
  const fresh: Validators['pages'] = {};
  let unchanged = 0;
  for (let pages = 1; ; pages++) {
    const before = known[url];
    // A Link header is not covered by a page's ETag: the last known page is always read, so a
    // page added after it is found.
    const conditional = before !== undefined && (pagination.mode !== 'link-header' || before.next !== undefined);
    const headers = { ...auth.headers };
    if (conditional && before.etag) headers['If-None-Match'] = before.etag;
    if (conditional && before.lastModified) headers['If-Modified-Since'] = before.lastModified;
    const res = await get(ctx, { method: 'GET', url, headers, timeoutMs: 30_000 }, auth, options.credential, limits, stats);
    stats.pages = pages;
    let next: string | undefined;
    if (res.status === 304) {
      if (!conditional) throw new Error(`${url} answered 304 Not Modified though nothing was asked conditionally.`);
      unchanged++;
      stats.unchanged = unchanged;
      fresh[url] = before!;
      next = before!.next;
      if (next !== undefined && pagination.mode === 'page-number') page++;
    } else {
      // Some APIs answer 404 for the page after the last one instead of an empty page.
      if (pagination.mode === 'page-number' && pages > 1 && res.status === 404) break;
      if (res.status < 200 || res.status > 299) throw new Error(`${url} answered ${res.status} ${res.statusText}.`);
      next = nextPage(readPage(res, url, options.itemsPath, list), res);
      const etag = res.headers.etag;
      const lastModified = res.headers['last-modified'];
      if (etag || lastModified) fresh[url] = { ...(etag ? { etag } : {}), ...(lastModified ? { lastModified } : {}), ...(next !== undefined ? { next } : {}) };
    }
    if (next === undefined) break;
    if (pages >= pagination.maxPages && (pagination.mode !== 'page-number' || pages > pagination.maxPages)) throw new Error(tooManyPages(pagination.maxPages).message.replace('this step reads', 'a check reads') + ' Raise "Most pages per check".');
    if (seen.has(next)) throw new Error(`${url} sent page ${pages} back to a page it had already given, so reading stopped. Check the pagination settings.`);
    seen.add(next);
    // Calls used up: wait for the reset before the next page.
    const exhausted = limits.waitWhenExhausted ? exhaustedWaitMs(res) : undefined;
    if (exhausted !== undefined && exhausted > 0) await waitOut(ctx, exhausted, limits, `${url} says its call limit is used up`, stats);
    url = next;
  }
  if (unchanged > 0 && unchanged === stats.pages) return { notModified: true };
  return { notModified: false, list, ...(Object.keys(fresh).length > 0 ? { validators: { url: first, pages: fresh } } : {}) };

  /** Adds the page's items to the list; returns its parsed body. */
  function readPage(res: HttpResponse, at_: string, itemsPath: string, into: unknown[]): { body: unknown; count: number } {
    let body: unknown;
    try {
      body = JSON.parse(res.body) as unknown;
    } catch {
      throw new Error(`${at_} did not answer with JSON.`);
    }
    const items = at(body, itemsPath);
    if (!Array.isArray(items)) throw new Error(`No list at "${itemsPath || '(the whole answer)'}" in the answer of ${at_}. Set "Where the list is".`);
    into.push(...items);
    return { body, count: items.length };
  }

  function nextPage({ body, count }: { body: unknown; count: number }, res: HttpResponse): string | undefined {
    if (pagination.mode === 'page-number') return count > 0 ? withQueryParam(first, pagination.pageParam, String(++page)) : undefined;
    if (pagination.mode === 'link-header') {
      const link = nextFromLinkHeader(res.headers.link, url);
      return link === undefined ? undefined : checked(() => sameSiteUrl(link, url, first));
    }
    if (pagination.mode === 'next-url' || pagination.mode === 'cursor') {
      const value = at(body, pagination.mode === 'cursor' ? pagination.cursorPath! : pagination.nextUrlPath!);
      if (value === undefined || value === null || value === '') return undefined;
      return pagination.mode === 'cursor' ? withQueryParam(first, pagination.cursorParam!, String(value)) : checked(() => sameSiteUrl(String(value), url, first));
    }
    return undefined;
  }
}

function checked(fn: () => string): string {
  try {
    return fn();
  } catch (error) {
    throw new Error((error as Error).message);
  }
}

/** One GET: a 429 (or 503 with Retry-After) waited out and asked again; one 401 renews an OAuth2 token. */
async function get(ctx: TriggerContext<unknown>, request: HttpRequest, auth: { headers: Record<string, string> }, credential: string | undefined, limits: RateLimitSettings, stats: { waitedMs: number }): Promise<HttpResponse> {
  let renewed = false;
  for (let retry = 0; ; ) {
    const res = await ctx.http(request);
    if (res.status === 401 && !renewed && credential !== undefined) {
      renewed = true;
      const authorization = await renewedBearer(ctx, credential, auth.headers.Authorization);
      if (authorization !== undefined) {
        auth.headers.Authorization = authorization;
        request = { ...request, headers: { ...request.headers, Authorization: authorization } };
        continue;
      }
    }
    const refused = res.status === 429 || (res.status === 503 && res.headers['retry-after'] !== undefined);
    if (!refused) return res;
    if (retry >= limits.retriesWhilePaging) throw new Error(`${request.url} is still refusing with ${res.status} ${res.statusText} after ${retry} wait(s).`);
    const wait = retryAfterHeaderMs(res) ?? resetWaitMs(res) ?? Math.min(60_000, 1000 * 2 ** retry);
    retry++;
    await waitOut(ctx, wait, limits, `${request.url} answered ${res.status} ${res.statusText} (too many requests)`, stats);
  }
}

async function waitOut(ctx: TriggerContext<unknown>, ms: number, limits: RateLimitSettings, why: string, stats: { waitedMs: number }): Promise<void> {
  const seconds = Math.ceil(ms / 1000);
  if (ms > limits.maxWaitSeconds * 1000) {
    throw new Error(`${why} and asks to wait ${seconds} s, longer than the ${limits.maxWaitSeconds} s a check waits (raise "Longest wait" under Rate limits).`);
  }
  ctx.log.info(`Rate-limited: ${why}; waiting ${seconds} s as it asked, then asking again.`);
  if (ms <= 0) return;
  stats.waitedMs += ms;
  await new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      cancel();
      reject(new Error('The trigger was stopped.'));
    };
    const cancel = ctx.clock.setTimer(ms, () => {
      ctx.signal.removeEventListener('abort', onAbort);
      resolve();
    });
    if (ctx.signal.aborted) onAbort();
    else ctx.signal.addEventListener('abort', onAbort, { once: true });
  });
}
