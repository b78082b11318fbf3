import { z } from 'zod';
import { NodeError, defineNode, field, neverReachedServer, type HttpRequest, type HttpResponse, type Item, type NodeContext } from '../../engine/model/index.ts';
import { PaginationConfig, nextFromLinkHeader, sameSiteUrl, tooManyPages, withQueryParam } from './http-pagination.ts';
import { OAUTH2_TYPES, renewedBearer } from '../shared/credential-fields.ts';
import { DEFAULT_RATE_LIMIT, RateLimitConfig, exhaustedWaitMs, resetWaitMs, retryAfterHeaderMs, type RateLimitSettings } from './http-rate-limit.ts';

const NameValue = z
  .object({
    name: field(z.string().min(1).max(200), { title: 'Name', description: 'The name as the API expects it.', placeholder: 'Accept', widget: 'plain' }),
    value: field(z.unknown(), { title: 'Value', description: 'May use {{ expressions }} over the item.', placeholder: 'application/json' }),
  })
  .strict();

const Config = z
  .object({
    method: field(z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']).default('GET'), {
      title: 'Method',
      description: 'GET reads, POST creates, PUT and PATCH change, DELETE removes. Anything but GET, HEAD and OPTIONS counts as a change (sent at most once unless an idempotency key is set).',
      optionLabels: { GET: 'GET (read)', POST: 'POST (create)', PUT: 'PUT (replace)', PATCH: 'PATCH (update)', DELETE: 'DELETE (remove)', HEAD: 'HEAD (headers only)', OPTIONS: 'OPTIONS' },
    }),
    /** May use expressions: `https://api.example.com/invoices/{{ id }}`. */
    url: field(z.string().min(1).max(8000), {
      title: 'Address (URL)',
      description: 'The full web address to call; may use {{ expressions }}, e.g. https://api.example.com/invoices/{{ id }}.',
      placeholder: 'https://api.example.com/invoices/{{ id }}',
    }),
    query: field(z.array(NameValue).max(100).default([]), { title: 'Query parameters', itemTitle: 'Parameter', description: 'Added to the address after the "?", e.g. page = 2.', widget: 'key-value' }),
    headers: field(z.array(NameValue).max(100).default([]), { title: 'Headers', itemTitle: 'Header', description: 'Extra request headers, e.g. Accept = application/json. Sign-in headers come from the credential.', widget: 'key-value', advanced: true }),
    bodyType: field(z.enum(['none', 'json', 'form', 'text']).default('none'), {
      title: 'Body',
      description: 'What the request carries: nothing, JSON fields, form fields or plain text.',
      optionLabels: { none: 'No body', json: 'JSON', form: 'Form fields', text: 'Plain text' },
      showWhen: { field: 'method', is: ['POST', 'PUT', 'PATCH', 'DELETE'] },
    }),
    /** json: any JSON (strings may hold expressions); form: [{name, value}]; text: a string. */
    body: field(z.unknown().optional(), {
      title: 'Body content',
      description: 'The fields or text to send; values may use {{ expressions }}.',
      widget: 'http-body',
      showWhen: { field: 'bodyType', is: ['json', 'form', 'text'] },
    }),
    /** `auto` reads JSON when the server says it is JSON. */
    responseFormat: field(z.enum(['auto', 'json', 'text']).default('auto'), {
      title: 'Read the answer as',
      description: 'Automatic reads JSON when the server says it is JSON, otherwise text.',
      optionLabels: { auto: 'Automatic', json: 'JSON', text: 'Text' },
      advanced: true,
    }),
    /** `body`: the answer becomes the item(s); `full`: { status, headers, body }. */
    output: field(z.enum(['body', 'full']).default('body'), {
      title: 'Output',
      description: 'Only the answer\'s content becomes the item(s), or an item with status, headers and body.',
      optionLabels: { body: 'The answer\'s content', full: 'Status, headers and content' },
      advanced: true,
    }),
    auth: field(z.enum(['none', 'bearer', 'basic', 'header', 'oauth2']).default('none'), {
      title: 'Sign in',
      description: 'How the call proves who it is. The secret itself stays in the system keychain, never in the flow. OAuth2: Flowkeeper gets a token from the service\'s sign-in server and renews it when it runs out.',
      optionLabels: { none: 'No sign-in', bearer: 'Token (Bearer)', basic: 'User name and password', header: 'Key in a header', oauth2: 'OAuth2 sign-in' },
    }),
    /** Id of a stored credential (its value never appears in the flow or trace). */
    credential: field(z.string().min(1).max(200).optional(), {
      title: 'Credential',
      description: 'The stored credential to sign in with; its value never appears in the flow or the run history.',
      widget: 'credential',
      showWhen: { field: 'auth', is: ['bearer', 'basic', 'header', 'oauth2'] },
    }),
    /** For `header` auth: which header carries the key (the credential field `value`). */
    authHeaderName: field(z.string().min(1).max(200).default('X-API-Key'), {
      title: 'Header name',
      description: 'Which header carries the key, as the API\'s documentation names it.',
      placeholder: 'X-API-Key',
      widget: 'plain',
      showWhen: { field: 'auth', is: ['header'] },
    }),
    /**
     * Sent as `Idempotency-Key`. With it, a call interrupted by a crash is safely sent again
     * on resume; e.g. `invoice-{{ id }}`.
     */
    idempotencyKey: field(z.string().min(1).max(500).optional(), {
      title: 'Idempotency key',
      description: 'Sent as the Idempotency-Key header. With it, a call cut off by a crash is safely sent again; the API must support it.',
      placeholder: 'invoice-{{ id }}',
      showWhen: { field: 'method', is: ['POST', 'PUT', 'PATCH', 'DELETE'] },
      advanced: true,
    }),
    timeoutSeconds: field(z.number().min(0.1).max(600).default(30), { title: 'Time limit (seconds)', description: 'How long to wait for an answer before the call counts as failed.', advanced: true }),
    /** Items sent at the same time. 1 is kindest to rate limits. */
    concurrency: field(z.number().int().min(1).max(16).default(1), { title: 'Calls at the same time', description: 'How many items are sent at once. 1 is kindest to rate limits.', advanced: true }),
    /** Treat 4xx/5xx answers as failures (to the error output). Off: they come out as items. */
    failOnErrorStatus: field(z.boolean().default(true), {
      title: 'Error answers fail the step',
      description: 'On: answers like 404 or 500 count as failures (and can take the error path). Off: they come out as items.',
      advanced: true,
    }),
    pagination: field(PaginationConfig.optional(), {
      title: 'Pages',
      description: 'For APIs that hand out a long list in pages: read every page, and all records come out as items. Only for GET.',
      showWhen: { field: 'method', is: ['GET'] },
    }),
    rateLimit: field(RateLimitConfig.optional(), {
      title: 'Rate limits',
      description: 'How the step deals with an API\'s limit on calls (the X-RateLimit and Retry-After headers it answers with).',
      advanced: true,
    }),
  })
  .strict()
  .refine((c) => c.auth === 'none' || c.credential !== undefined, { message: 'Choose which stored credential to sign in with.', path: ['credential'] })
  .refine((c) => (c.pagination?.mode ?? 'off') === 'off' || c.method === 'GET', { message: 'Pages can only be read with GET.', path: ['pagination', 'mode'] });
type HttpConfig = z.infer<typeof Config>;

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const RETRYABLE_STATUS = new Set([408, 425, 429, 500, 502, 503, 504]);
/** Answers that mean the request was not acted on. */
const SAFE_TO_REPEAT_STATUS = new Set([408, 425, 429, 503]);

export default defineNode({
  type: 'http.request',
  version: 1,
  title: 'HTTP request',
  category: 'integration',
  icon: 'globe',
  description: 'Calls any web API: read records, create or update them. Failed calls can take the error path.',
  config: Config,
  inputs: ['in'],
  outputs: ['out'],
  effects: (config: HttpConfig) => (READ_METHODS.has(config.method) ? 'read' : 'write'),
  credentials: ['http.bearer', 'http.basic', 'http.header', ...OAUTH2_TYPES],
  // Rate limits and server hiccups pass; a flow can set its own policy per node.
  defaultRetry: { maxAttempts: 3, initialDelayMs: 1000, maxDelayMs: 30_000, multiplier: 2, jitter: true },
  async run({ items, config, ctx }) {
    const limits: RateLimitSettings = { ...DEFAULT_RATE_LIMIT, ...config.rateLimit };
    // Shared by all items: once an answer says the limit is used up, no call goes out before it resets.
    let exhausted: { until: number; waitMs: number } | undefined;
    // A token renewed after a 401 (OAuth2) is used for every later call of this step.
    let renewedAuthorization: string | undefined;
    const send = async (request: HttpRequest, index: number, unkeyedWrite: boolean): Promise<HttpResponse> => {
      if (renewedAuthorization !== undefined && request.headers?.Authorization !== undefined) request = { ...request, headers: { ...request.headers, Authorization: renewedAuthorization } };
      const response = await sendOnce(request, index, unkeyedWrite);
      // One 401 with a token: ask for a renewed one and try once more (a 401 was not acted on).
      if (response.status !== 401 || (config.auth !== 'bearer' && config.auth !== 'oauth2') || config.credential === undefined) return response;
      const authorization = await renewedBearer(ctx, config.credential, request.headers?.Authorization);
      if (authorization === undefined) return response;
      renewedAuthorization = authorization;
      return sendOnce({ ...request, headers: { ...request.headers, Authorization: authorization } }, index, unkeyedWrite);
    };
    const sendOnce = async (request: HttpRequest, index: number, unkeyedWrite: boolean): Promise<HttpResponse> => {
      if (exhausted !== undefined) {
        const { until, waitMs } = exhausted;
        if (waitMs > limits.maxWaitSeconds * 1000) throw waitTooLong(waitMs, limits);
        await ctx.sleepUntil(until);
        exhausted = undefined;
      }
      const idempotencyKey = request.headers?.['Idempotency-Key'] || undefined;
      let response: HttpResponse;
      try {
        response = await ctx.http(request, { itemIndex: index, ...(idempotencyKey ? { idempotencyKey } : {}) });
      } catch (error) {
        if (unkeyedWrite && error instanceof NodeError && error.retryable && !neverReachedServer(error)) throw notRepeated(error, request);
        throw error;
      }
      const wait = limits.waitWhenExhausted ? exhaustedWaitMs(response) : undefined;
      if (wait !== undefined && wait > 0) exhausted = { until: (await ctx.now(index)) + wait, waitMs: wait };
      return response;
    };
    return ctx.forEachItem(
      items,
      async (_item, index) => {
        const { request, secrets } = await buildRequest(config, ctx, index);
        const idempotencyKey = request.headers?.['Idempotency-Key'] || undefined;
        // Without an idempotency key, a write that may have reached the server is never repeated.
        const unkeyedWrite = !READ_METHODS.has(config.method) && idempotencyKey === undefined;
        if ((config.pagination?.mode ?? 'off') !== 'off') return readPages(config, ctx, index, request, { secrets, send, limits });
        const response = await send(request, index, unkeyedWrite);
        return toItems(config, request, response, { secrets, unkeyedWrite, now: () => ctx.now(index) });
      },
      { concurrency: config.concurrency },
    );
  },
});

async function buildRequest(config: HttpConfig, ctx: NodeContext, index: number): Promise<{ request: HttpRequest; secrets: string[] }> {
  const urlText = String(await ctx.evaluate(config.url, index)).trim();
  let url: URL;
  try {
    url = new URL(urlText);
  } catch {
    throw new NodeError({ message: `"${urlText}" is not a web address.`, code: 'CONFIG', retryable: false, field: 'url', hint: 'Write the full address, starting with https://' });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new NodeError({ message: `Only http and https addresses can be called, not "${url.protocol}".`, code: 'CONFIG', retryable: false, field: 'url' });
  }
  for (const { name, value } of config.query) url.searchParams.append(name, text(await ctx.evaluate(value, index)));

  const headers: Record<string, string> = {};
  for (const { name, value } of config.headers) headers[name] = text(await ctx.evaluate(value, index));
  if (config.idempotencyKey !== undefined) setHeader(headers, 'Idempotency-Key', text(await ctx.evaluate(config.idempotencyKey, index)));
  const secrets: string[] = [];
  if (config.auth !== 'none' && config.credential !== undefined) {
    const secret = await ctx.secret(config.credential);
    secrets.push(...Object.values(secret).filter((v) => v.length >= 4));
    if (config.auth === 'basic' && secret.username !== undefined && secret.password !== undefined) {
      secrets.push(Buffer.from(`${secret.username}:${secret.password}`).toString('base64'));
    }
    for (const [name, value] of Object.entries(authHeaders(config, secret))) setHeader(headers, name, value);
  }

  const request: HttpRequest = { method: config.method, url: url.toString(), headers, timeoutMs: config.timeoutSeconds * 1000 };
  if (config.bodyType !== 'none' && config.body !== undefined) {
    const body: unknown = await ctx.evaluate(config.body, index);
    if (config.bodyType === 'json') {
      request.body = JSON.stringify(body);
      setDefaultHeader(headers, 'Content-Type', 'application/json');
    } else if (config.bodyType === 'form') {
      const form = new URLSearchParams();
      const pairs = Array.isArray(body) ? (body as Array<{ name: string; value: unknown }>) : Object.entries(body as object).map(([name, value]) => ({ name, value }));
      for (const { name, value } of pairs) form.append(name, text(value));
      request.body = form.toString();
      setDefaultHeader(headers, 'Content-Type', 'application/x-www-form-urlencoded');
    } else {
      request.body = text(body);
      setDefaultHeader(headers, 'Content-Type', 'text/plain; charset=utf-8');
    }
  }
  return { request, secrets };
}

function authHeaders(config: HttpConfig, secret: Record<string, string>): Record<string, string> {
  const need = (field: string): string => {
    const value = secret[field];
    if (value === undefined || value === '') {
      throw new NodeError({ message: `The credential "${config.credential}" has no "${field}".`, code: 'CREDENTIAL_INVALID', retryable: false, hint: `Edit the credential and fill in "${field}".` });
    }
    return value;
  };
  switch (config.auth) {
    case 'bearer':
    case 'oauth2':
      return { Authorization: `Bearer ${need('token')}` };
    case 'basic':
      return { Authorization: `Basic ${Buffer.from(`${need('username')}:${need('password')}`).toString('base64')}` };
    case 'header':
      return { [config.authHeaderName]: need('value') };
    default:
      return {};
  }
}

/** HTTP header names are case-insensitive: replace any spelling of the name. */
function setHeader(headers: Record<string, string>, name: string, value: string): void {
  for (const key of Object.keys(headers)) if (key.toLowerCase() === name.toLowerCase()) delete headers[key];
  headers[name] = value;
}

function setDefaultHeader(headers: Record<string, string>, name: string, value: string): void {
  if (!Object.keys(headers).some((key) => key.toLowerCase() === name.toLowerCase())) headers[name] = value;
}

function text(value: unknown): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/**
 * Retry-After in ms. A date is measured against the answer's own Date header; without one, against
 * the run's recorded clock (`now`), so a replay computes the same wait.
 */
async function retryAfterMs(response: HttpResponse, now: () => Promise<number>): Promise<number | undefined> {
  const header = response.headers['retry-after'];
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  if (Number.isNaN(at)) return undefined;
  const answeredAt = Date.parse(response.headers.date ?? '');
  return Math.max(0, at - (Number.isNaN(answeredAt) ? await now() : answeredAt));
}

function notRepeated(error: NodeError, request: HttpRequest): NodeError {
  const info = error.toInfo();
  return new NodeError({
    ...info,
    message: `${error.message} The ${request.method} may or may not have been processed, so Flowkeeper did not send it again.`,
    retryable: false,
    hint: 'Check the receiving system. To let Flowkeeper retry such calls safely, set an idempotency key on this step.',
    details: { ...info.details, unsafeToRepeat: true },
  });
}

/** Removes the request's own secrets from text taken from an answer (some APIs echo them). */
function withoutSecrets(text: string, secrets: string[]): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join('[redacted]');
  return out;
}

function parseBody(config: HttpConfig, response: HttpResponse, request: HttpRequest, secrets: string[]): unknown {
  const isJson = config.responseFormat === 'json' || (config.responseFormat === 'auto' && /[/+]json\b/i.test(response.headers['content-type'] ?? ''));
  if (!isJson || response.body === '') return response.body;
  try {
    return JSON.parse(response.body) as unknown;
  } catch {
    throw new NodeError({
      message: `${request.method} ${hostPath(request.url)} answered with something that is not valid JSON (starts with ${JSON.stringify(withoutSecrets(response.body, secrets).slice(0, 60))}).`,
      code: 'BAD_RESPONSE',
      retryable: false,
      hint: 'Set "Response format" to text to see what the service sends, or check the address.',
    });
  }
}

function hostPath(url: string): string {
  const u = new URL(url);
  return `${u.host}${u.pathname}`;
}

async function toItems(config: HttpConfig, request: HttpRequest, response: HttpResponse, context: { secrets: string[]; unkeyedWrite: boolean; now: () => Promise<number> }): Promise<Item[]> {
  if (response.status >= 400 && config.failOnErrorStatus) {
    // 429 and 503 say "not processed, come back later"; other 5xx may have done the work.
    const retryable = RETRYABLE_STATUS.has(response.status) && (!context.unkeyedWrite || SAFE_TO_REPEAT_STATUS.has(response.status));
    const wait = (await retryAfterMs(response, context.now)) ?? resetWaitMs(response);
    // Redact before cutting: a cut secret would no longer be recognised later.
    const body = withoutSecrets(response.body, context.secrets).slice(0, 200);
    const error = new NodeError({
      message: `${request.method} ${hostPath(request.url)} answered ${response.status} ${response.statusText}${body ? `: ${body}` : ''}`,
      code: 'HTTP_STATUS',
      status: response.status,
      retryable,
      hint:
        response.status === 401 || response.status === 403
          ? 'Check the credential: it may be wrong, expired or lack permission.'
          : response.status === 429
            ? 'The service is rate-limiting us. Add retries with a longer wait, or lower "concurrency".'
            : response.status >= 500
              ? 'The service had a problem. Retries may help; otherwise try later.'
              : 'Check the address and the data sent.',
      ...(wait === undefined ? {} : { retryAfterMs: wait }),
    });
    // A server error on a write without a key: it may have done the work before failing.
    if (context.unkeyedWrite && response.status >= 500 && !SAFE_TO_REPEAT_STATUS.has(response.status)) throw notRepeated(error, request);
    throw error;
  }
  const body = parseBody(config, response, request, context.secrets);
  if (config.output === 'full') return [{ status: response.status, headers: response.headers, body }];
  if (Array.isArray(body)) return body.map((v: unknown) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Item) : { value: v }));
  if (body !== null && typeof body === 'object') return [body as Item];
  return [{ status: response.status, body }];
}

interface PagingContext {
  secrets: string[];
  send: (request: HttpRequest, index: number, unkeyedWrite: boolean) => Promise<HttpResponse>;
  limits: RateLimitSettings;
}

/** Reads every page of a list for one item; each page is its own recorded call. */
async function readPages(config: HttpConfig, ctx: NodeContext, index: number, first: HttpRequest, context: PagingContext): Promise<Item[]> {
  const pagination = config.pagination!;
  const out: Item[] = [];
  let page = pagination.firstPage;
  let request = pagination.mode === 'page-number' ? { ...first, url: withQueryParam(first.url, pagination.pageParam, String(page)) } : first;
  const seen = new Set<string>([request.url]);
  for (let pages = 1; ; pages++) {
    const response = await sendWaitingOutLimits(request, index, ctx, context);
    // Some APIs answer 404 for the page after the last one instead of an empty page.
    if (pagination.mode === 'page-number' && pages > 1 && response.status === 404) return out;
    const failed = response.status >= 400;
    const records = failed || !pagination.itemsPath ? undefined : await recordsOf(config, ctx, index, request, response, context.secrets);
    const pageItems = records === undefined || config.output === 'full' ? await toItems(config, request, response, { secrets: context.secrets, unkeyedWrite: false, now: () => ctx.now(index) }) : records;
    out.push(...pageItems);
    // An error answer let through as an item ends the list: there is no next page to find in it.
    if (failed) return out;
    let next: string | undefined;
    if (pagination.mode === 'page-number') {
      const body = records === undefined ? parseBody(config, response, request, context.secrets) : undefined;
      const count = records?.length ?? (Array.isArray(body) ? body.length : config.output === 'full' ? 1 : pageItems.length);
      if (count > 0) next = withQueryParam(first.url, pagination.pageParam, String(++page));
    } else if (pagination.mode === 'link-header') {
      const link = nextFromLinkHeader(response.headers.link, request.url);
      if (link !== undefined) next = sameSiteUrl(link, request.url, first.url);
    } else {
      const body = parseBody(config, response, request, context.secrets);
      const path = pagination.mode === 'cursor' ? pagination.cursorPath! : pagination.nextUrlPath!;
      const value = await ctx.evaluateExpression(path, index, { input: body });
      if (value !== undefined && value !== null && value !== '') {
        next = pagination.mode === 'cursor' ? withQueryParam(first.url, pagination.cursorParam!, text(value)) : sameSiteUrl(text(value), request.url, first.url);
      }
    }
    if (next === undefined) return out;
    // Page numbers only show the end by an empty page, so one page more than the limit is read.
    if (pages >= pagination.maxPages && (pagination.mode !== 'page-number' || pages > pagination.maxPages)) {
      throw tooManyPages(pagination.maxPages, pagination.mode === 'page-number' && !pagination.itemsPath);
    }
    if (seen.has(next)) {
      throw new NodeError({ message: `The API sent page ${pages} back to a page it had already given (${hostPath(next)}), so reading stopped.`, code: 'BAD_RESPONSE', retryable: false, hint: 'Check the pagination settings: the cursor or next-page field may be the wrong one.' });
    }
    seen.add(next);
    request = { ...first, url: next };
  }
}

/** While paging, a 429 (or 503 with Retry-After) is waited out and the same page asked again. */
async function sendWaitingOutLimits(request: HttpRequest, index: number, ctx: NodeContext, context: PagingContext): Promise<HttpResponse> {
  for (let retry = 0; ; retry++) {
    const response = await context.send(request, index, false);
    const refused = response.status === 429 || (response.status === 503 && response.headers['retry-after'] !== undefined);
    if (!refused || retry >= context.limits.retriesWhilePaging) return response;
    const wait = retryAfterHeaderMs(response) ?? resetWaitMs(response) ?? Math.min(60_000, 1000 * 2 ** retry);
    if (wait > context.limits.maxWaitSeconds * 1000) return response;
    ctx.log.info(`The API asked to slow down; waiting ${Math.ceil(wait / 1000)} s before asking for the page again.`, { url: hostPath(request.url) });
    if (wait > 0) await ctx.sleepUntil((await ctx.now(index)) + wait);
  }
}

/** The records of one page: the field named by "Where the records are", as items. */
async function recordsOf(config: HttpConfig, ctx: NodeContext, index: number, request: HttpRequest, response: HttpResponse, secrets: string[]): Promise<Item[]> {
  const path = config.pagination!.itemsPath!;
  const body = parseBody(config, response, request, secrets);
  const records = await ctx.evaluateExpression(path, index, { input: body });
  if (records === undefined || records === null) return [];
  const list = Array.isArray(records) ? (records as unknown[]) : [records];
  return list.map((v) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Item) : { value: v }));
}

function waitTooLong(waitMs: number, limits: RateLimitSettings): NodeError {
  return new NodeError({
    message: `The API's call limit is used up and resets in ${Math.ceil(waitMs / 1000)} seconds, longer than the ${limits.maxWaitSeconds} seconds this step waits.`,
    code: 'RATE_LIMITED',
    retryable: false,
    status: 429,
    hint: 'Run the flow later, raise "Longest wait" under Rate limits, or make fewer calls (fewer items or larger pages).',
  });
}
