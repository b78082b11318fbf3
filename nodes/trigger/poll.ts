/**
 * Check a web API regularly: while the flow is switched on, calls an HTTP endpoint every few
 * minutes and starts the flow for the items it has not seen before. What was seen is kept in the
 * trigger's durable state (ids, the last few thousand), so a restart or switching the flow off
 * and on never replays old items; each new item is emitted with its id as the dedupe key before
 * the state is updated, so a crash in between starts nothing twice.
 *
 * Every page of a paged list is read (poll-pages.ts), an unchanged list costs a 304 and no run
 * (the ETag / Last-Modified of the last answer are kept in the same durable state, written
 * together with the seen ids), and a rate limit is waited out and shown in the trigger's health.
 */
import { z } from 'zod';
import { defineNode, field, type Item, type TriggerContext, type TriggerEmit } from '../../engine/model/index.ts';
import { OAUTH2_TYPES } from '../shared/credential-fields.ts';
import { RateLimitConfig } from '../integration/http-rate-limit.ts';
import { PollPagination, readList, type Validators } from './poll-pages.ts';

/** Ids remembered; older ones fall out (an API listing more than this at once should page). */
const SEEN_LIMIT = 5000;

const Config = z
  .object({
    url: field(z.string().url('Enter a full address starting with http:// or https://.').default('https://api.example.com/items'), {
      title: 'Address',
      description: 'The API address that lists items, e.g. https://shop.example.com/api/orders?status=new.',
      widget: 'plain',
    }),
    intervalSeconds: field(z.number().int().min(10).max(7 * 24 * 3600).default(300), { title: 'Check every (seconds)', description: 'How often to ask, e.g. 300 for every five minutes.' }),
    auth: field(z.enum(['none', 'bearer', 'oauth2']).default('none'), {
      title: 'Sign in',
      description: 'Send a bearer token from a credential ("token" field), or sign in with OAuth2 (Flowkeeper gets the token and renews it).',
      optionLabels: { none: 'No sign-in', bearer: 'Bearer token', oauth2: 'OAuth2 sign-in' },
    }),
    credential: field(z.string().max(100).optional(), { title: 'Credential', description: 'Holds the token ("token" field), or the OAuth2 sign-in.', widget: 'credential', showWhen: { field: 'auth', is: ['bearer', 'oauth2'] } }),
    itemsPath: field(z.string().max(200).default(''), {
      title: 'Where the list is',
      description: 'Dot path to the list in the answer, e.g. data.orders; empty when the answer is the list itself.',
      placeholder: 'data.orders',
      widget: 'plain',
    }),
    idField: field(z.string().min(1).max(100).default('id'), { title: 'Id field', description: 'The field that tells items apart, e.g. id or orderNumber.', widget: 'plain' }),
    emit: field(z.enum(['each', 'all']).default('each'), {
      title: 'Start',
      description: 'One run per new item, or one run with all the new items of a check.',
      optionLabels: { each: 'One run per new item', all: 'One run for all new items' },
    }),
    pagination: field(PollPagination.optional(), {
      title: 'Pages',
      description: 'For APIs that hand out the list in pages: read every page at each check, so new items beyond the first page are seen.',
    }),
    onlyChanges: field(z.boolean().default(true), {
      title: 'Ask only for changes',
      description: 'Sends back the ETag / Last-Modified of the last answer; an API that says "not modified" (304) costs no run. Turn off only for an API that answers 304 wrongly.',
      advanced: true,
    }),
    rateLimit: field(RateLimitConfig.optional(), {
      title: 'Rate limits',
      description: 'How a check deals with an API\'s limit on calls: "too many requests" (429, Retry-After) is waited out and asked again; the wait shows in the trigger\'s health.',
      advanced: true,
    }),
    firstCheck: field(z.enum(['remember', 'start']).default('remember'), {
      title: 'At the first check',
      description: 'Only remember the items already there (start for what comes after), or start for them too.',
      optionLabels: { remember: 'Only remember what is there', start: 'Start for them too' },
      advanced: true,
    }),
  })
  .strict();
type PollConfig = z.infer<typeof Config>;


async function subscribe(ctx: TriggerContext<PollConfig>, emit: TriggerEmit) {
  const { config } = ctx;
  let stopped = false;
  let cancel: (() => void) | undefined;
  let inFlight: Promise<void> = Promise.resolve();

  const check = async () => {
    ctx.heartbeat();
    const headers: Record<string, string> = { accept: 'application/json' };
    if (config.auth !== 'none') {
      if (!config.credential) throw new Error('Choose the credential that holds the token.');
      const { token } = await ctx.secret(config.credential);
      if (!token) throw new Error(`The credential "${config.credential}" has no "token" field.`);
      headers.Authorization = `Bearer ${token}`;
    }
    const stats: { pages: number; waitedMs: number; unchanged?: number } = { pages: 0, waitedMs: 0 };
    const validators = config.onlyChanges ? (ctx.state.get<Validators | null>('validators') ?? undefined) : undefined;
    const read = await readList(ctx as TriggerContext<unknown>, {
      url: config.url,
      itemsPath: config.itemsPath,
      headers,
      ...(config.auth !== 'none' && config.credential ? { credential: config.credential } : {}),
      ...(config.pagination ? { pagination: config.pagination } : {}),
      ...(config.rateLimit ? { rateLimit: config.rateLimit } : {}),
      ...(validators ? { validators } : {}),
      stats,
    });
    const waited = stats.waitedMs > 0 ? ` Waited ${Math.ceil(stats.waitedMs / 1000)} s for the API's rate limit.` : '';
    if (read.notModified) {
      ctx.log.info(`Checked: nothing new (the API said not modified).${waited}`);
      return;
    }
    const list = read.list;
    const seen = ctx.state.get<string[]>('seen');
    const known = new Set(seen ?? []);
    const fresh: Array<{ id: string; item: Item }> = [];
    for (const entry of list) {
      const item: Item = entry !== null && typeof entry === 'object' && !Array.isArray(entry) ? (entry as Item) : { value: entry };
      const raw = item[config.idField];
      if (raw === undefined || raw === null) throw new Error(`An item has no "${config.idField}" field; set "Id field" to the field that tells items apart.`);
      const id = String(raw);
      if (!known.has(id) && !fresh.some((f) => f.id === id)) fresh.push({ id, item });
    }
    const firstTime = seen === undefined && config.firstCheck === 'remember';
    if (!firstTime && fresh.length > 0) {
      if (config.emit === 'each') for (const f of fresh) await emit([f.item], { dedupeKey: `item:${f.id}` });
      else await emit(fresh.map((f) => f.item), { dedupeKey: `items:${fresh.map((f) => f.id).join(',')}` });
    }
    // After the runs' starts are durable; a crash before this re-emits the same keys (deduped).
    await ctx.state.set('seen', [...(seen ?? []), ...fresh.map((f) => f.id)].slice(-SEEN_LIMIT));
    // Only once what the answer held is handled: a crash before this asks for all of it again.
    if (config.onlyChanges && (read.validators !== undefined || validators !== undefined)) await ctx.state.set('validators', read.validators ?? null);
    const pages = stats.pages > 1 ? ` (${stats.pages} pages${stats.unchanged ? `, ${stats.unchanged} unchanged` : ''})` : '';
    ctx.log.info(`${firstTime ? `First check: remembered ${fresh.length} item(s) already there.` : `Checked: ${fresh.length} new item(s).`}${pages}${waited}`);
  };

  const loop = () => {
    if (stopped) return;
    let done = () => {};
    inFlight = new Promise((resolve) => (done = resolve));
    check()
      .catch((error: unknown) => {
        if (!stopped) ctx.reportError(`${(error as Error).message} Tried again at the next check.`);
      })
      .finally(() => {
        done();
        if (!stopped) cancel = ctx.clock.setTimer(config.intervalSeconds * 1000, loop);
      });
  };
  loop();
  return () => {
    stopped = true;
    cancel?.();
    return inFlight;
  };
}

export default defineNode({
  type: 'trigger.poll',
  version: 1,
  title: 'Check a web API regularly',
  category: 'trigger',
  icon: 'refresh',
  description: 'While the flow is switched on, asks a web API every few minutes and starts the flow for the items it has not seen before.',
  config: Config,
  inputs: [],
  outputs: ['out'],
  effects: 'pure',
  trigger: true,
  credentials: ['http.bearer', ...OAUTH2_TYPES],
  subscribe,
  // The new item(s) are the run input; they pass through.
  async run({ items }) {
    return { out: items };
  },
});
