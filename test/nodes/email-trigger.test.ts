/**
 * "On a new e-mail" through the real service against a real Dovecot (a private instance per test,
 * see helpers/dovecot-server.ts): a new message starts one run with its fields, nothing is
 * replayed after a restart, the same Message-ID twice starts one run, a dropped connection is
 * reconnected and the message that arrived meanwhile taken exactly once, a crash between the
 * durable intake and the position write starts nothing twice, a process killed mid-way loses no
 * message and runs none twice, moving taken messages works, and a wrong password shows as a
 * plain error. Every wait is on the service's events, never a sleep.
 */
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createService, inProcessApi, type FlowkeeperApi, type FlowkeeperService } from '../../engine/index.ts';
import { dovecotUnavailable, startDovecot, startProxy, type CuttableProxy, type DovecotServer } from '../helpers/dovecot-server.ts';
import { registry, tempDir } from '../helpers/engine.ts';
import { readyCharter } from '../helpers/ready-charter.ts';
import { FakeClock } from '../helpers/fake-clock.ts';
import { MemoryKeychain } from '../helpers/memory-keychain.ts';
import { until } from '../helpers/service-until.ts';

const CHILD = join(import.meta.dirname, '..', 'helpers', 'trigger-child.ts');
const skip = dovecotUnavailable();
if (skip) console.warn(skip);

let dir: string;
let cleanup: () => Promise<void>;
let server: DovecotServer;
let proxy: CuttableProxy | undefined;
let keychain: MemoryKeychain;
let service: FlowkeeperService | undefined;
let api: FlowkeeperApi;

type Mail = { from: string; fromName: string; to: string[]; subject: string; date: string; text: string; messageId: string; attachments: Array<{ name: string; type: string; size: number }>; uid: number };

/** Opens the service; `resumeOnStart` as the app does it only where a test restarts after a crash. */
async function open(clock?: FakeClock, { resumeOnStart = false } = {}) {
  service = await createService({ dataDir: dir, registry, keychain, resumeOnStart, ...(clock ? { clock } : {}) });
  api = inProcessApi(service);
}

async function close() {
  await service?.close();
  service = undefined;
}

async function setUp(config: Record<string, unknown> = {}, login: { port?: number; password?: string } = {}) {
  await api.credentials.set({ id: 'mail', type: 'imap', values: { host: '127.0.0.1', port: String(login.port ?? server.port), security: 'none', username: server.user, password: login.password ?? server.password } });
  await api.flows.save({
    flow: {
      format: 'flowkeeper/flow',
      formatVersion: 1,
      id: 'mail',
      name: 'Mail', charter: readyCharter(),
      nodes: [
        { id: 'inbox', type: 'trigger.email', config: { credential: 'mail', ...config } },
        { id: 'mark', type: 'transform.set', config: { fields: [{ name: 'seen', value: 'yes' }] } },
      ],
      edges: [{ source: 'inbox', target: 'mark' }],
    },
  });
  await api.flows.activate({ id: 'mail' });
}

async function health() {
  return (await api.triggers.status({ flowId: 'mail' }))[0]?.triggers[0];
}

async function connected() {
  await until(service!, async () => /^Connected to /.test((await health())?.lastMessage ?? ''));
}

async function runs(): Promise<Mail[]> {
  const list = await api.runs.list({ flowId: 'mail', limit: 1000 });
  const items = await Promise.all(list.map(async (r) => ((await api.runs.get({ runId: r.runId })).input as Mail[])[0]!));
  return items.sort((a, b) => a.subject.localeCompare(b.subject));
}

async function runCount(count: number) {
  await until(service!, async () => (await api.runs.list({ flowId: 'mail', limit: 1000 })).filter((r) => r.status === 'succeeded').length >= count);
  return runs();
}

beforeEach(async () => {
  if (skip) return;
  ({ dir, cleanup } = await tempDir());
  keychain = new MemoryKeychain();
  server = await startDovecot();
  await open();
});
afterEach(async () => {
  if (skip) return;
  await close();
  await proxy?.close();
  proxy = undefined;
  await server.stop();
  await cleanup();
});

describe.skipIf(skip !== undefined)('On a new e-mail (real Dovecot)', () => {
  it('starts one run per new message with its fields, and replays nothing after a restart', { timeout: 60_000 }, async () => {
    await server.deliver({ subject: 'Old news', text: 'Already there' });
    await setUp();
    await connected();
    expect(await runs()).toEqual([]);

    await server.deliver({ from: 'Bob Sender <bob@example.com>', to: 'anna@example.com', subject: 'Order 17', text: 'Please send 3 boxes.', messageId: '<order-17@shop.example>', attachment: { name: 'order.csv', content: 'item,qty\nbox,3\n' } });
    const [mail] = await runCount(1);
    expect(mail).toMatchObject({
      from: 'bob@example.com',
      fromName: 'Bob Sender',
      to: ['anna@example.com'],
      subject: 'Order 17',
      date: '2026-12-01T09:00:00.000Z',
      text: 'Please send 3 boxes.',
      messageId: '<order-17@shop.example>',
      attachments: [{ name: 'order.csv', type: 'text/csv', size: expect.any(Number) as number }],
    });
    expect(mail!.attachments[0]!.size).toBeGreaterThan(0);

    // The same Message-ID again (a copy) starts nothing; a new one does.
    await server.deliver({ subject: 'Order 17', text: 'Please send 3 boxes.', messageId: '<order-17@shop.example>' });
    await server.deliver({ subject: 'Order 18', text: 'One more.' });
    expect((await runCount(2)).map((m) => m.subject)).toEqual(['Order 17', 'Order 18']);
    await until(service!, async () => /^(Checked INBOX|Connected to)/.test((await health())?.lastMessage ?? ''));

    // Restart, and off and on: nothing replayed; mail that came while closed is taken once.
    await close();
    await server.deliver({ subject: 'Order 19', text: 'While you were away.' });
    await open();
    expect((await runCount(3)).map((m) => m.subject)).toEqual(['Order 17', 'Order 18', 'Order 19']);
    await api.flows.deactivate({ id: 'mail' });
    await api.flows.activate({ id: 'mail' });
    await connected();
    await service!.idle();
    expect((await runs()).map((m) => m.subject)).toEqual(['Order 17', 'Order 18', 'Order 19']);
  });

  it('reconnects after a dropped connection and takes the message that arrived meanwhile exactly once', { timeout: 60_000 }, async () => {
    proxy = await startProxy(server.port);
    await setUp({}, { port: proxy.port });
    await connected();
    proxy.cut();
    await until(service!, async () => /The connection to the mail server 127\.0\.0\.1:\d+ was lost\./.test((await health())?.lastError?.message ?? ''));
    await server.deliver({ subject: 'During the outage', text: 'Arrived while the line was down.' });
    proxy.restore();
    const list = await runCount(1);
    expect(list.map((m) => m.subject)).toEqual(['During the outage']);
    expect(proxy.connections).toBeGreaterThanOrEqual(2);
    // Still listening on the new connection (IDLE): the next message is taken too, once.
    await server.deliver({ subject: 'After the outage', text: 'Back to normal.' });
    expect((await runCount(2)).map((m) => m.subject)).toEqual(['After the outage', 'During the outage']);
    await service!.idle();
    expect(await runs()).toHaveLength(2);
  });

  it('starts nothing twice after a crash between the durable intake and the position write', { timeout: 60_000 }, async () => {
    await setUp();
    await connected();
    const stateFile = join(dir, 'triggers', 'state', 'mail', 'inbox.json');
    const before = await readFile(stateFile, 'utf8');
    await server.deliver({ subject: 'Invoice 4', text: 'Due soon.' });
    await runCount(1);
    await close();
    // What a crash right after the event was journalled, before the UID was advanced, leaves.
    await writeFile(stateFile, before);
    await open();
    await connected();
    await service!.idle();
    expect((await runs()).map((m) => m.subject)).toEqual(['Invoice 4']);
  });

  it('does not replay a folder the server renumbered (new UIDVALIDITY), and takes what is new in it', { timeout: 60_000 }, async () => {
    const yesterday = new Date(Date.now() - 24 * 3600_000);
    await server.deliver({ subject: 'A', text: 'old', messageId: '<a@x>', arrivedAt: yesterday }, 'Orders');
    await setUp({ folder: 'Orders' });
    await connected();
    await server.deliver({ subject: 'B', text: 'taken', messageId: '<b@x>', arrivedAt: yesterday }, 'Orders');
    await runCount(1);
    await until(service!, async () => /^Checked Orders: 1 new/.test((await health())?.lastMessage ?? ''));
    await close();
    // The folder is rebuilt (as after a server move): same messages and arrival times, new numbers.
    const c = await server.client();
    const before = await c.mailboxOpen('Orders');
    await c.mailboxClose();
    await c.mailboxDelete('Orders');
    await c.logout();
    // The new one first: going by the old UIDs would take B again and miss C.
    await server.deliver({ subject: 'C', text: 'new', messageId: '<c@x>' }, 'Orders');
    await server.deliver({ subject: 'A', text: 'old', messageId: '<a@x>', arrivedAt: yesterday }, 'Orders');
    await server.deliver({ subject: 'B', text: 'taken', messageId: '<b@x>', arrivedAt: yesterday }, 'Orders');
    const check = await server.client();
    expect((await check.mailboxOpen('Orders')).uidValidity).not.toBe(before.uidValidity);
    await check.logout();
    await open();
    expect((await runCount(2)).map((m) => m.subject)).toEqual(['B', 'C']);
    await connected();
    await service!.idle();
    expect((await runs()).map((m) => m.subject)).toEqual(['B', 'C']);
  });

  it('marks taken messages as read', { timeout: 60_000 }, async () => {
    await setUp({ afterIntake: 'seen' });
    await connected();
    const uid = await server.deliver({ subject: 'Read me', text: 'Please.' });
    await runCount(1);
    await until(service!, async () => /^Checked INBOX: 1 new/.test((await health())?.lastMessage ?? ''));
    const c = await server.client();
    try {
      await c.mailboxOpen('INBOX');
      const message = await c.fetchOne(String(uid), { flags: true }, { uid: true });
      expect(message && [...(message.flags ?? [])]).toContain('\\Seen');
    } finally {
      await c.logout();
    }
  });

  it('checks on its own schedule when the server cannot tell of new mail at once (no IDLE)', { timeout: 60_000 }, async () => {
    await close();
    await server.stop();
    server = await startDovecot({ noIdle: true });
    const clock = new FakeClock();
    await open(clock);
    await setUp({ checkEverySeconds: 60 });
    await connected();
    expect((await health())?.lastMessage).toBe('Connected to 127.0.0.1; waiting for new mail in INBOX (checked every 60 s; the server cannot tell at once).');
    await server.deliver({ subject: 'Polled', text: 'Found by the regular check.' });
    await clock.waitForTimers(1);
    await clock.advance(60_000);
    expect((await runCount(1)).map((m) => m.subject)).toEqual(['Polled']);
  });

  it('moves taken messages to a folder', { timeout: 60_000 }, async () => {
    const check = await server.client();
    await check.mailboxCreate('Processed');
    await check.logout();
    await setUp({ afterIntake: 'move', moveTo: 'Processed' });
    await connected();
    await server.deliver({ subject: 'Move me', text: 'Please.' });
    await runCount(1);
    await until(service!, async () => /^Checked INBOX: 1 new/.test((await health())?.lastMessage ?? ''));
    const c = await server.client();
    try {
      const inbox = await c.status('INBOX', { messages: true });
      const processed = await c.status('Processed', { messages: true });
      expect([inbox && inbox.messages, processed && processed.messages]).toEqual([0, 1]);
    } finally {
      await c.logout();
    }
  });

  it('says so when a taken message cannot be moved, and keeps the run', { timeout: 60_000 }, async () => {
    await setUp({ afterIntake: 'move', moveTo: 'Nowhere' });
    await connected();
    await server.deliver({ subject: 'Stuck', text: 'Cannot move.' });
    expect((await runCount(1)).map((m) => m.subject)).toEqual(['Stuck']);
    await until(service!, async () => /could not be moved/.test((await health())?.lastError?.message ?? ''));
    expect((await health())?.lastError?.message).toMatch(/^The message "Stuck" could not be moved to the folder "Nowhere" \(.+\); does that folder exist\? Its run was started anyway\.$/);
    await server.deliver({ subject: 'Next', text: 'Still listening.' });
    expect((await runCount(2)).map((m) => m.subject)).toEqual(['Next', 'Stuck']);
  });

  it('shows a wrong password as a plain error', { timeout: 60_000 }, async () => {
    await setUp({}, { password: 'not-the-password' });
    await until(service!, async () => (await health())?.lastError !== undefined);
    expect((await health())?.lastError?.message).toBe('The mail server refused the login for "anna" at 127.0.0.1: check the user name and password in the credential "mail". Trying again in 60 s.');
    expect(JSON.stringify(await api.triggers.status({}))).not.toContain('not-the-password');
  });

  it('says which credential field is missing, and stops at once while a connection attempt hangs', { timeout: 20_000 }, async () => {
    // The API refuses an IMAP login without a server; one stored before that check (or edited in
    // the keychain by hand) still reaches the trigger, which must say what is missing.
    await expect(api.credentials.set({ id: 'mail', type: 'imap', values: { username: 'anna', password: 'x' } })).rejects.toThrow(/needs “Mail server/);
    await api.credentials.set({ id: 'mail', type: 'imap', values: { host: 'drop-me', username: 'anna', password: 'x' } });
    for (const [account, value] of keychain.entries) {
      if (value.includes('drop-me')) keychain.entries.set(account, value.replace(/"host":"drop-me",?/, ''));
    }
    await api.flows.save({
      flow: { format: 'flowkeeper/flow', formatVersion: 1, id: 'mail', name: 'Mail', charter: readyCharter(), nodes: [{ id: 'inbox', type: 'trigger.email', config: { credential: 'mail' } }], edges: [] },
    });
    await api.flows.activate({ id: 'mail' });
    await until(service!, async () => (await health())?.lastError !== undefined);
    expect((await health())?.lastError?.message).toMatch(/^The credential "mail" has no mail server \("host"\)\. Add it under Credentials\. /);

    // A server that takes the connection but never greets: switching off must not wait for
    // imapflow's 30 s greeting timeout (this test's timeout is shorter).
    const silent = createServer(() => undefined);
    let accepted!: () => void;
    const reached = new Promise<void>((resolve) => (accepted = resolve));
    silent.on('connection', () => accepted());
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as AddressInfo).port;
    try {
      await api.credentials.set({ id: 'mail', type: 'imap', values: { host: '127.0.0.1', port: String(port), security: 'none', username: 'anna', password: 'x' } });
      await api.flows.deactivate({ id: 'mail' });
      await api.flows.activate({ id: 'mail' });
      await reached;
      await api.flows.deactivate({ id: 'mail' });
    } finally {
      silent.close();
    }
  });

  it('loses no message and runs none twice when the process is killed mid-way', { timeout: 90_000 }, async () => {
    await setUp();
    await connected();
    await close();
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, FLOWKEEPER_TEST_KEYCHAIN: JSON.stringify(Object.fromEntries(keychain.entries)) },
    });
    let finished = 0;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        const text = chunk.toString();
        if (text.includes('READY')) resolve();
        finished += text.split('\n').filter((l) => l.startsWith('RUN ')).length;
        if (finished >= 5 && child.exitCode === null) child.kill('SIGKILL');
      });
      child.once('exit', (code, signal) => (signal === 'SIGKILL' ? undefined : reject(new Error(`child exited early (${code})`))));
    });
    const subjects = Array.from({ length: 20 }, (_, i) => `Message ${String(i).padStart(2, '0')}`);
    for (const subject of subjects) await server.deliver({ subject, text: `Body of ${subject}` });
    await exited;
    expect(finished).toBeGreaterThanOrEqual(5);

    // Restarted as the app does: a run the kill interrupted mid-way (its trace exists, so the
    // intake journal leaves it) is resumed at start; without the resume it would stay "running".
    await open(undefined, { resumeOnStart: true });
    await runCount(subjects.length);
    await until(service!, async () => /^Connected to /.test((await health())?.lastMessage ?? ''));
    await service!.idle();
    const list = await runs();
    expect(list.map((m) => m.subject)).toEqual(subjects);
    expect(list.every((m) => m.text === `Body of ${m.subject}`)).toBe(true);
  });
});
