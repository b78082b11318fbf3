/**
 * email.send against a real SMTP server (smtp-server on 127.0.0.1, test/helpers/smtp-server.ts):
 * real messages with their headers and body, a refused login, a rejected recipient, a dead
 * server, replay without the server, and crash-resume that never sends a message twice.
 */
import { cp, mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { Engine, EnvSecretResolver, FileTraceStore, replayRun, type NodeErrorInfo, type RetryPolicy } from '../../../engine/index.ts';
import { makeFlow, registry, tempDir } from '../../helpers/engine.ts';
import { startSmtpServer, type TestSmtpServer } from '../../helpers/smtp-server.ts';
import { eventsOf, itemsOf, passThrough, traceEvents } from '../support.ts';

const NO_RETRY: RetryPolicy = { maxAttempts: 1, initialDelayMs: 0, maxDelayMs: 0, multiplier: 1, jitter: false };
const FAST_RETRY: RetryPolicy = { maxAttempts: 2, initialDelayMs: 10, maxDelayMs: 10, multiplier: 1, jitter: false };
type ErrorItem = { error: NodeErrorInfo; itemIndex: number };

let smtp: TestSmtpServer;
let secrets: EnvSecretResolver;
const cleanups: Array<() => Promise<void>> = [];
const background: Array<{ stop: AbortController; done: Promise<unknown> }> = [];

beforeAll(async () => {
  smtp = await startSmtpServer();
  const login = (extra: Record<string, string> = {}) => JSON.stringify({ host: '127.0.0.1', port: String(smtp.port), security: 'none', username: smtp.user, password: smtp.password, ...extra });
  secrets = new EnvSecretResolver({
    FLOWKEEPER_CREDENTIAL_OFFICE_MAIL: login(),
    FLOWKEEPER_CREDENTIAL_WRONG_LOGIN: login({ password: 'wrong-Pa55-word' }),
    FLOWKEEPER_CREDENTIAL_DEAD_MAIL: login({ port: '1' }),
  });
});
afterAll(() => smtp.close());
afterEach(async () => {
  for (const run of background.splice(0)) {
    run.stop.abort();
    await run.done.catch(() => undefined);
  }
  await Promise.all(cleanups.splice(0).map((c) => c()));
  smtp.mails.length = 0;
  smtp.rejectRecipients.clear();
});

async function engineIn(dir?: string): Promise<{ engine: Engine; store: FileTraceStore; dir: string }> {
  let folder = dir;
  if (folder === undefined) {
    const made = await tempDir();
    cleanups.push(made.cleanup);
    folder = made.dir;
  }
  const store = new FileTraceStore(folder);
  return { engine: new Engine({ store, registry, secrets }), store, dir: folder };
}

const base = { credential: 'office-mail', from: 'Billing <billing@example.com>', to: '{{ email }}', subject: 'Invoice {{ number }}', text: 'Hello {{ name }},\nyour invoice {{ number }} is ready.' };

function mailFlow(config: Record<string, unknown>, retry: RetryPolicy = NO_RETRY) {
  return makeFlow(
    [{ id: 'start', type: 'trigger.manual' }, { id: 'mail', type: 'email.send', config: { ...base, ...config }, retry }, passThrough('ok'), passThrough('errors')],
    ['start -> mail', 'mail -> ok', 'mail.error -> errors'],
  );
}

describe('email.send against a real SMTP server', () => {
  it('delivers one real message per item: envelope, headers and body; Bcc only in the envelope', async () => {
    const { engine, store } = await engineIn();
    const flow = mailFlow({ cc: 'accounts@example.com', bcc: 'archive@example.com', replyTo: 'help@example.com' });
    const outcome = await engine.startRun(flow, { input: [{ email: 'ann@example.org', name: 'Ann', number: 'A-1' }, { email: 'bob@example.org', name: 'Bob', number: 'B-2' }] });
    expect(outcome.status).toBe('succeeded');
    expect(smtp.mails).toHaveLength(2);
    const [first, second] = smtp.mails;
    expect(first!.from).toBe('billing@example.com');
    expect(first!.to).toEqual(['ann@example.org', 'accounts@example.com', 'archive@example.com']);
    expect(first!.headers).toMatchObject({ from: 'Billing <billing@example.com>', to: 'ann@example.org', cc: 'accounts@example.com', 'reply-to': 'help@example.com', subject: 'Invoice A-1' });
    expect(first!.headers.bcc).toBeUndefined();
    expect(first!.body).toContain('Hello Ann,\r\nyour invoice A-1 is ready.');
    expect(second!.headers.subject).toBe('Invoice B-2');
    // The Message-ID names the run, the step and the item, and is what the output reports.
    expect(first!.headers['message-id']).toBe(`<${outcome.runId}.mail.1@example.com>`);
    expect(second!.headers['message-id']).toBe(`<${outcome.runId}.mail.2@example.com>`);
    // The item goes on with what the server said under "sent".
    expect(itemsOf(outcome, 'ok')[0]).toEqual({
      email: 'ann@example.org',
      name: 'Ann',
      number: 'A-1',
      sent: { messageId: `<${outcome.runId}.mail.1@example.com>`, accepted: ['ann@example.org', 'accounts@example.com', 'archive@example.com'], rejected: [], response: expect.stringMatching(/^250 /) },
    });
    const [intent] = eventsOf(await traceEvents(store, outcome.runId), 'external.intent', 'mail');
    expect(intent).toMatchObject({ kind: 'smtp', effects: 'write', request: { credential: 'office-mail', message: { messageId: `<${outcome.runId}.mail.1@example.com>`, to: ['ann@example.org'] } } });
    const trace = await readFile(store.locate(outcome.runId), 'utf8');
    expect(trace).not.toContain(smtp.password);
  });

  it('a wrong password is a plain sign-in error on the error port, never retried, never in the trace', async () => {
    const { engine, store } = await engineIn();
    const outcome = await engine.startRun(mailFlow({ credential: 'wrong-login' }, FAST_RETRY), { input: { email: 'ann@example.org' } });
    expect(outcome.status).toBe('succeeded');
    const [failed] = itemsOf(outcome, 'errors') as unknown as ErrorItem[];
    expect(failed!.error).toMatchObject({ code: 'CREDENTIAL_REJECTED', retryable: false });
    expect(failed!.error.message).toContain(`The mail server at 127.0.0.1:${smtp.port} refused the sign-in: 535`);
    expect(failed!.error.hint).toContain('Check the user name and password');
    expect(smtp.mails).toHaveLength(0);
    expect(await readFile(store.locate(outcome.runId), 'utf8')).not.toContain('wrong-Pa55-word');
  });

  it('a dead server: a plain error after the retries (nothing was sent, so retrying was safe)', async () => {
    const { engine, store } = await engineIn();
    const outcome = await engine.startRun(mailFlow({ credential: 'dead-mail' }, FAST_RETRY), { input: { email: 'ann@example.org' } });
    const [failed] = itemsOf(outcome, 'errors') as unknown as ErrorItem[];
    expect(failed!.error).toMatchObject({ code: 'NETWORK', retryable: true, details: { errno: 'ECONNREFUSED' } });
    expect(failed!.error.message).toBe('Could not reach the mail server at 127.0.0.1:1: nothing is listening there.');
    expect(eventsOf(await traceEvents(store, outcome.runId), 'item.retrying', 'mail')).toHaveLength(1);
  });

  it('a recipient the server refuses: the item goes to the error port with the server\'s answer', async () => {
    smtp.rejectRecipients.add('gone@example.org');
    const { engine } = await engineIn();
    const outcome = await engine.startRun(mailFlow({}), { input: [{ email: 'gone@example.org', number: 1 }, { email: 'ann@example.org', number: 2 }] });
    const [failed] = itemsOf(outcome, 'errors') as unknown as ErrorItem[];
    expect(failed!.itemIndex).toBe(0);
    expect(failed!.error).toMatchObject({ code: 'EMAIL_REJECTED', retryable: false, status: 550 });
    expect(failed!.error.message).toContain('No such user here: gone@example.org');
    expect(smtp.mails.map((m) => m.to)).toEqual([['ann@example.org']]);
  });

  it('names with commas stay one recipient; lists from an expression work too', async () => {
    const { engine } = await engineIn();
    const outcome = await engine.startRun(mailFlow({ to: '{{ email }}', cc: '{{ copies }}' }), { input: { email: '"Smith, Ann" <ann@example.org>, bob@example.org', copies: ['c1@example.org', 'Carl <c2@example.org>'] } });
    expect(outcome.status).toBe('succeeded');
    expect(smtp.mails[0]!.to).toEqual(['ann@example.org', 'bob@example.org', 'c1@example.org', 'c2@example.org']);
    expect(smtp.mails[0]!.headers.to).toBe('"Smith, Ann" <ann@example.org>, bob@example.org');
    expect(smtp.mails[0]!.headers.cc).toBe('c1@example.org, Carl <c2@example.org>');
  });

  it('without a From on the step, the login\'s user name is the sender', async () => {
    const { engine } = await engineIn();
    const flow = makeFlow(
      [{ id: 'start', type: 'trigger.manual' }, { id: 'mail', type: 'email.send', config: { credential: 'office-mail', to: '{{ email }}', subject: 'Hi', text: 'Hello' }, retry: NO_RETRY }, passThrough('ok')],
      ['start -> mail', 'mail -> ok'],
    );
    const outcome = await engine.startRun(flow, { input: { email: 'ann@example.org' } });
    expect(outcome.status).toBe('succeeded');
    expect(smtp.mails[0]!.from).toBe(smtp.user);
    expect(smtp.mails[0]!.headers.from).toBe(smtp.user);
    expect(smtp.mails[0]!.headers['message-id']).toBe(`<${outcome.runId}.mail.1@flowkeeper.local>`);
  });

  it('bad addresses and an empty recipient are refused before anything is sent', async () => {
    const { engine } = await engineIn();
    const outcome = await engine.startRun(mailFlow({}), { input: [{ email: 'not an address' }, { email: '' }] });
    const errors = itemsOf(outcome, 'errors') as unknown as ErrorItem[];
    expect(errors.map((e) => e.error.message)).toEqual(['"not an address" in "To" is not an e-mail address.', 'The message has no recipient: "To" came out empty for this item.']);
    expect(smtp.mails).toHaveLength(0);
  });

  it('encryption problems are told apart: an untrusted certificate, and a port that does not match the security', async () => {
    // smtp-server offers STARTTLS with its own built-in certificate, which no client trusts.
    const tlsServer = new SMTPServer({ authOptional: true, logger: false, onData: (stream, _session, done) => stream.resume().on('end', () => done()) });
    await new Promise<void>((resolve) => tlsServer.listen(0, '127.0.0.1', resolve));
    onTestFinished(() => new Promise<void>((resolve) => tlsServer.close(() => resolve())));
    const port = String((tlsServer.server.address() as AddressInfo).port);
    const login = (security: string) => JSON.stringify({ host: '127.0.0.1', port, security, username: 'u', password: 'p4ssword' });
    const store = new FileTraceStore((await engineIn()).dir);
    const tlsEngine = new Engine({ store, registry, secrets: new EnvSecretResolver({ FLOWKEEPER_CREDENTIAL_STARTTLS: login('starttls'), FLOWKEEPER_CREDENTIAL_IMPLICIT: login('tls') }) });
    const untrusted = await tlsEngine.startRun(mailFlow({ credential: 'starttls' }, FAST_RETRY), { input: { email: 'ann@example.org' } });
    const [a] = itemsOf(untrusted, 'errors') as unknown as ErrorItem[];
    expect(a!.error).toMatchObject({ code: 'EMAIL_TLS', retryable: false });
    expect(a!.error.message).toContain(`The mail server at 127.0.0.1:${port} could not be checked as genuine`);
    const mismatch = await tlsEngine.startRun(mailFlow({ credential: 'implicit' }, FAST_RETRY), { input: { email: 'ann@example.org' } });
    const [b] = itemsOf(mismatch, 'errors') as unknown as ErrorItem[];
    expect(b!.error).toMatchObject({ code: 'EMAIL_TLS', message: `The mail server at 127.0.0.1:${port} does not speak the encryption the login asks for.` });
    expect(b!.error.hint).toContain('tls for port 465, starttls for port 587');
  });

  it('a replay answers from the trace: identical, and no message is sent', async () => {
    const { engine, store } = await engineIn();
    const outcome = await engine.startRun(mailFlow({}), { input: [{ email: 'ann@example.org', number: 1 }] });
    expect(smtp.mails).toHaveLength(1);
    const report = await replayRun(store, registry, outcome.runId);
    expect(report.identical).toBe(true);
    expect(smtp.mails).toHaveLength(1);
  });
});

describe('email.send: a crash in the middle never sends a message twice', () => {
  /** The trace as it is on disk right now, in a fresh data folder: "the process died here". */
  async function crashCopy(from: string, runId: string): Promise<string> {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    await mkdir(join(dir, 'runs'), { recursive: true });
    await cp(join(from, 'runs', `${runId}.jsonl`), join(dir, 'runs', `${runId}.jsonl`));
    await cp(join(from, 'blobs'), join(dir, 'blobs'), { recursive: true }).catch(() => undefined);
    return dir;
  }

  /** Sends two messages; the second is held at the server while the trace is copied. */
  async function crashDuringSecond(config: Record<string, unknown>) {
    const first = await engineIn();
    const flow = mailFlow(config);
    // The first message is held until the second hold is in place, then the second one is held.
    const firstHold = smtp.hold();
    const stop = new AbortController();
    const done = first.engine.startRun(flow, { input: [{ email: 'ann@example.org', number: 1 }, { email: 'bob@example.org', number: 2 }], signal: stop.signal });
    background.push({ stop, done });
    await firstHold.arrived;
    const held = smtp.hold();
    firstHold.release();
    await held.arrived;
    const runId = (await readdir(join(first.dir, 'runs'))).find((n) => n.endsWith('.jsonl'))!.replace(/\.jsonl$/, '');
    const crashed = await crashCopy(first.dir, runId);
    return { runId, crashed, release: () => held.release() };
  }

  it('by default the resume asks a person about the interrupted message, naming what it was; the sent one is not sent again', async () => {
    const { runId, crashed, release } = await crashDuringSecond({});
    expect(smtp.mails).toHaveLength(2);
    const { engine } = await engineIn(crashed);
    const resumed = await engine.resume(runId);
    release();
    expect(resumed.status).toBe('needs-attention');
    expect(resumed.attention?.nodeId).toBe('mail');
    expect(smtp.mails).toHaveLength(2);
    // A person checked: it did arrive. Skipping it finishes the run without sending anything.
    const done = await engine.resume(runId, { choice: 'skip-item', by: 'ops' });
    expect(done.status).toBe('succeeded');
    expect(smtp.mails.map((m) => m.headers.subject)).toEqual(['Invoice 1', 'Invoice 2']);
  });

  it('with "Send again after an interruption" the resume re-sends only the interrupted message, with the same Message-ID', async () => {
    const { runId, crashed, release } = await crashDuringSecond({ resendOnResume: true });
    const { engine, store } = await engineIn(crashed);
    release();
    const resumed = await engine.resume(runId);
    expect(resumed.status).toBe('succeeded');
    const subjects = smtp.mails.map((m) => m.headers.subject);
    expect(subjects).toEqual(['Invoice 1', 'Invoice 2', 'Invoice 2']);
    expect(smtp.mails[2]!.headers['message-id']).toBe(smtp.mails[1]!.headers['message-id']);
    expect(smtp.mails[2]!.headers['message-id']).toBe(`<${runId}.mail.2@example.com>`);
    const intents = eventsOf(await traceEvents(store, runId), 'external.intent', 'mail');
    // Each send carried its Message-ID as the idempotency key: the reason the resume could re-send.
    expect(intents.map((i) => i.idempotencyKey)).toEqual([`<${runId}.mail.1@example.com>`, `<${runId}.mail.2@example.com>`, `<${runId}.mail.2@example.com>`]);
  });
});
