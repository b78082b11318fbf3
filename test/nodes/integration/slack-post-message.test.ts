/**
 * slack.post-message against a local HTTP server speaking Slack's Web API shape: `ok: true`
 * answers, `ok: false` errors, 429 with Retry-After and 5xx, with the bot token checked.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EnvSecretResolver, replayRun, type Engine, type FileTraceStore, type NodeErrorInfo, type RetryPolicy } from '../../../engine/index.ts';
import { makeFlow, registry, testEngine } from '../../helpers/engine.ts';
import { json, serveDuringTest, type ReceivedRequest } from '../../helpers/http-server.ts';
import { eventsOf, itemsOf, passThrough, traceEvents } from '../support.ts';

const TOKEN = 'xoxb-1234-test-bot-token';
const FAST_RETRY: RetryPolicy = { maxAttempts: 3, initialDelayMs: 10, maxDelayMs: 10, multiplier: 1, jitter: false };
type ErrorItem = { error: NodeErrorInfo; itemIndex: number };

let engine: Engine;
let store: FileTraceStore;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ engine, store, cleanup } = await testEngine({
    secrets: new EnvSecretResolver({ FLOWKEEPER_CREDENTIAL_TEAM_BOT: JSON.stringify({ token: TOKEN }), FLOWKEEPER_CREDENTIAL_OLD_BOT: JSON.stringify({ token: 'xoxb-revoked-token' }) }),
  }));
});
afterAll(() => cleanup());

/** Slack's chat.postMessage as far as the node uses it: token, channel membership, JSON answers. */
function slack(channels: string[] = ['C0SALES']) {
  let ts = 1700000000;
  return (req: ReceivedRequest, res: Parameters<typeof json>[0]) => {
    if (req.method !== 'POST' || req.url !== '/api/chat.postMessage') return json(res, 404, { ok: false, error: 'unknown_method' });
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return json(res, 200, { ok: false, error: 'invalid_auth' });
    const body = JSON.parse(req.body) as { channel: string; text: string; thread_ts?: string };
    if (!channels.includes(body.channel)) return json(res, 200, { ok: false, error: 'channel_not_found' });
    if (body.channel === 'C0LOCKED') return json(res, 200, { ok: false, error: 'missing_scope', needed: 'chat:write', provided: 'channels:read' });
    ts++;
    json(res, 200, { ok: true, channel: body.channel, ts: `${ts}.000100`, message: { text: body.text, ...(body.thread_ts ? { thread_ts: body.thread_ts } : {}) } });
  };
}

function slackFlow(baseUrl: string, config: Record<string, unknown> = {}, retry: RetryPolicy = FAST_RETRY) {
  return makeFlow(
    [
      { id: 'start', type: 'trigger.manual' },
      { id: 'post', type: 'slack.post-message', config: { credential: 'team-bot', channel: '{{ channel }}', text: 'Order {{ number }} is in', baseUrl: `${baseUrl}/api`, ...config }, retry },
      passThrough('ok'),
      passThrough('errors'),
    ],
    ['start -> post', 'post -> ok', 'post.error -> errors'],
  );
}

describe('slack.post-message', () => {
  it('posts one message per item with the bot token; the output carries channel and ts; the token is never on disk', async () => {
    const server = await serveDuringTest(slack());
    const outcome = await engine.startRun(slackFlow(server.url), { input: [{ channel: 'C0SALES', number: 7 }, { channel: 'C0SALES', number: 8 }] });
    expect(outcome.status).toBe('succeeded');
    expect(server.requests.map((r) => JSON.parse(r.body))).toEqual([
      { channel: 'C0SALES', text: 'Order 7 is in' },
      { channel: 'C0SALES', text: 'Order 8 is in' },
    ]);
    expect(server.requests[0]!.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(itemsOf(outcome, 'ok')).toEqual([
      { channel: 'C0SALES', number: 7, slack: { channel: 'C0SALES', ts: '1700000001.000100', threadTs: '1700000001.000100' } },
      { channel: 'C0SALES', number: 8, slack: { channel: 'C0SALES', ts: '1700000002.000100', threadTs: '1700000002.000100' } },
    ]);
    expect(await readFile(store.locate(outcome.runId), 'utf8')).not.toContain(TOKEN);
    const [intent] = eventsOf(await traceEvents(store, outcome.runId), 'external.intent', 'post');
    expect(intent).toMatchObject({ kind: 'http', effects: 'write' });
  });

  it('replies in a thread and sends blocks with expressions', async () => {
    const server = await serveDuringTest(slack());
    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: '*{{ title }}*' } }];
    const outcome = await engine.startRun(slackFlow(server.url, { threadTs: '{{ parent }}', blocks }), { input: { channel: 'C0SALES', number: 1, parent: '1699999999.000001', title: 'Big order' } });
    expect(JSON.parse(server.requests[0]!.body)).toEqual({ channel: 'C0SALES', text: 'Order 1 is in', thread_ts: '1699999999.000001', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: '*Big order*' } }] });
    expect((itemsOf(outcome, 'ok')[0] as { slack: { threadTs: string } }).slack.threadTs).toBe('1699999999.000001');
  });

  it('ok:false answers become plain errors with what to do, not retried', async () => {
    const server = await serveDuringTest(slack(['C0SALES', 'C0LOCKED']));
    const outcome = await engine.startRun(slackFlow(server.url), { input: [{ channel: '#nowhere' }, { channel: 'C0LOCKED' }] });
    const errors = itemsOf(outcome, 'errors') as unknown as ErrorItem[];
    expect(errors[0]!.error).toMatchObject({ code: 'SLACK_ERROR', retryable: false, message: 'Slack does not know the channel: Slack said "channel_not_found" for #nowhere.', details: { slackError: 'channel_not_found' } });
    expect(errors[0]!.error.hint).toContain('/invite @your-bot');
    expect(errors[1]!.error.message).toBe('The Slack app lacks a permission (it needs "chat:write"): Slack said "missing_scope" for C0LOCKED.');
    expect(server.requests).toHaveLength(2);
  });

  it('a wrong token: invalid_auth in plain words', async () => {
    const server = await serveDuringTest(slack());
    const outcome = await engine.startRun(slackFlow(server.url, { credential: 'old-bot' }), { input: { channel: 'C0SALES' } });
    const [failed] = itemsOf(outcome, 'errors') as unknown as ErrorItem[];
    expect(failed!.error.message).toBe('Slack did not accept the bot token: Slack said "invalid_auth" for C0SALES.');
    expect(failed!.error.hint).toContain('xoxb-');
  });

  it('429 with Retry-After: waited out and posted once; the wait came from Slack', async () => {
    const inner = slack();
    let calls = 0;
    const server = await serveDuringTest((req, res) => {
      calls++;
      if (calls === 1) return json(res, 429, { ok: false, error: 'ratelimited' }, { 'retry-after': '0' });
      inner(req, res);
    });
    const outcome = await engine.startRun(slackFlow(server.url), { input: { channel: 'C0SALES', number: 3 } });
    expect(outcome.status).toBe('succeeded');
    expect(server.requests).toHaveLength(2);
    const [retry] = eventsOf(await traceEvents(store, outcome.runId), 'item.retrying', 'post');
    expect(retry!.error).toMatchObject({ status: 429, retryAfterMs: 0, message: 'Slack is rate-limiting the bot and asks to wait 0 seconds.' });
  });

  it('a 5xx may have posted: never posted again, the operator is told to look', async () => {
    const server = await serveDuringTest((_req, res) => json(res, 500, { ok: false, error: 'fatal_error' }));
    const outcome = await engine.startRun(slackFlow(server.url), { input: { channel: 'C0SALES' } });
    const [failed] = itemsOf(outcome, 'errors') as unknown as ErrorItem[];
    expect(failed!.error).toMatchObject({ code: 'SLACK_UNCERTAIN', retryable: false });
    expect(failed!.error.message).toContain('may or may not have been posted');
    expect(server.requests).toHaveLength(1);
  });

  it('a replay answers from the trace with Slack gone, and is identical', async () => {
    const server = await serveDuringTest(slack());
    const outcome = await engine.startRun(slackFlow(server.url), { input: [{ channel: 'C0SALES', number: 1 }, { channel: '#nowhere', number: 2 }] });
    await server.close();
    expect((await replayRun(store, registry, outcome.runId)).identical).toBe(true);
  });
});
