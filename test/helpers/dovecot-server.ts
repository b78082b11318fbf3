/**
 * A real, throwaway Dovecot IMAP server for integration tests: a generated config in a temp
 * folder (loopback only, a free port, no TLS, one passwd-file user with a test password, maildir
 * under the temp folder), `dovecot -F -c <conf>` as a child process, killed and deleted
 * afterwards — no system service, a fresh mailbox per server. As root, Dovecot's own users
 * (dovecot, dovenull, from the Debian package) run its helper processes; otherwise the current
 * user does. Test messages are delivered with IMAP APPEND (imapflow), as a mail client would.
 * `.ci/run` installs the package (dovecot-imapd).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';

const DOVECOT = ['/usr/sbin/dovecot', '/usr/local/sbin/dovecot'].find((p) => existsSync(p));

/** Why the Dovecot tests cannot run here, or undefined when they can. In CI a missing server is a failure, not a skip. */
export function dovecotUnavailable(): string | undefined {
  if (DOVECOT) return undefined;
  const why = 'Dovecot is not installed (no /usr/sbin/dovecot): the e-mail trigger tests are skipped. Install it with `apt-get install -y dovecot-imapd` (.ci/run does).';
  if (process.env.CI) throw new Error(`${why} In CI they must run.`);
  return why;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface DovecotServer {
  host: string;
  port: number;
  user: string;
  password: string;
  /** Delivers a message to a folder (IMAP APPEND); returns its UID. */
  deliver(message: { from?: string; to?: string; subject: string; text: string; messageId?: string; attachment?: { name: string; content: string }; arrivedAt?: Date }, folder?: string): Promise<number>;
  /** A logged-in client for checks (flags, folders); the caller logs it out. */
  client(): Promise<ImapFlow>;
  /** The server's log (for a failing test's message). */
  log(): Promise<string>;
  stop(): Promise<void>;
}

export interface DovecotOptions {
  /** Leave IDLE out of the capabilities the server announces (a server that cannot tell of new mail at once). */
  noIdle?: boolean;
}

export async function startDovecot(options: DovecotOptions = {}): Promise<DovecotServer> {
  if (!DOVECOT) throw new Error(dovecotUnavailable() ?? 'Dovecot is not installed.');
  const dir = await mkdtemp(join(tmpdir(), 'flowkeeper-dovecot-'));
  // Dovecot's unprivileged helpers must reach its sockets inside.
  await chmod(dir, 0o755);
  await mkdir(join(dir, 'mail'));
  const me = userInfo();
  const asRoot = me.uid === 0;
  // Dovecot never runs a mailbox as root: as root, the mail belongs to `nobody`.
  const mailUid = asRoot ? 65534 : me.uid;
  const mailGid = asRoot ? 65534 : me.gid;
  if (asRoot) await chown(join(dir, 'mail'), mailUid, mailGid);
  const port = await freePort();
  const user = 'anna';
  const password = 'imap-test-Pa55word';
  await writeFile(join(dir, 'users'), `${user}:{PLAIN}${password}::::::\n`);
  const conf = join(dir, 'dovecot.conf');
  await writeFile(
    conf,
    [
      'protocols = imap',
      'listen = 127.0.0.1',
      `base_dir = ${join(dir, 'run')}`,
      `state_dir = ${join(dir, 'state')}`,
      `log_path = ${join(dir, 'dovecot.log')}`,
      'ssl = no',
      'disable_plaintext_auth = no',
      'auth_mechanisms = plain login',
      `mail_location = maildir:${join(dir, 'mail')}/%u`,
      `default_internal_user = ${asRoot ? 'dovecot' : me.username}`,
      `default_internal_group = ${asRoot ? 'dovecot' : me.username}`,
      `default_login_user = ${asRoot ? 'dovenull' : me.username}`,
      'mail_fsync = never',
      ...(options.noIdle ? ['imap_capability = IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE SORT THREAD=REFERENCES MULTIAPPEND UNSELECT CHILDREN NAMESPACE UIDPLUS LIST-EXTENDED I18NLEVEL=1 ESEARCH SEARCHRES WITHIN LIST-STATUS BINARY MOVE LITERAL+'] : []),
      `passdb {\n  driver = passwd-file\n  args = scheme=PLAIN username_format=%u ${join(dir, 'users')}\n}`,
      `userdb {\n  driver = static\n  args = uid=${mailUid} gid=${mailGid} home=${join(dir, 'mail')}/%u\n}`,
      `service imap-login {\n  chroot =\n  inet_listener imap {\n    address = 127.0.0.1\n    port = ${port}\n  }\n  inet_listener imaps {\n    port = 0\n  }\n}`,
      'service anvil {\n  chroot =\n}',
      'service stats {\n  chroot =\n}',
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn(DOVECOT, ['-F', '-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const log = async () => `${stderr}${await readFile(join(dir, 'dovecot.log'), 'utf8').catch(() => '')}`;
  // Up once the port answers with a greeting.
  for (let attempt = 0; ; attempt++) {
    if (child.exitCode !== null) throw new Error(`Dovecot did not start:\n${await log()}`);
    const greeted = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('data', (data) => {
        socket.destroy();
        resolve(data.toString().startsWith('* OK'));
      });
      socket.once('error', () => resolve(false));
    });
    if (greeted) break;
    if (attempt > 200) throw new Error(`Dovecot did not answer on port ${port}:\n${await log()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const client = async () => {
    const c = new ImapFlow({ host: '127.0.0.1', port, secure: false, doSTARTTLS: false, auth: { user, pass: password }, logger: false });
    await c.connect();
    return c;
  };
  let counter = 0;
  return {
    host: '127.0.0.1',
    port,
    user,
    password,
    client,
    log,
    async deliver(message, folder = 'INBOX') {
      const messageId = message.messageId ?? `<test-${Date.now()}-${++counter}@flowkeeper.test>`;
      const head = [`From: ${message.from ?? 'Bob Sender <bob@example.com>'}`, `To: ${message.to ?? 'anna@example.com'}`, `Subject: ${message.subject}`, `Message-ID: ${messageId}`, 'Date: Tue, 01 Dec 2026 09:00:00 +0000', 'MIME-Version: 1.0'];
      let body: string;
      if (message.attachment) {
        const b = 'flowkeeper-boundary';
        head.push(`Content-Type: multipart/mixed; boundary="${b}"`);
        body = [
          `--${b}`,
          'Content-Type: text/plain; charset=utf-8',
          'Content-Transfer-Encoding: 8bit',
          '',
          message.text,
          `--${b}`,
          `Content-Type: text/csv; name="${message.attachment.name}"`,
          `Content-Disposition: attachment; filename="${message.attachment.name}"`,
          'Content-Transfer-Encoding: base64',
          '',
          Buffer.from(message.attachment.content).toString('base64'),
          `--${b}--`,
          '',
        ].join('\r\n');
      } else {
        head.push('Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: 8bit');
        body = message.text;
      }
      const c = await client();
      try {
        if (folder !== 'INBOX') await c.mailboxCreate(folder).catch(() => undefined);
        const result = await c.append(folder, `${head.join('\r\n')}\r\n\r\n${body}`, [], message.arrivedAt);
        if (!result || result.uid === undefined) throw new Error('The test server did not say the UID of the appended message.');
        return result.uid;
      } finally {
        await c.logout();
      }
    },
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A TCP proxy in front of a server that a test can cut: every open connection is dropped at once. */
export interface CuttableProxy {
  port: number;
  /** Destroys every open connection (the server and the client each see the other vanish) and drops new ones until `restore`. */
  cut(): void;
  restore(): void;
  /** How many connections came through so far. */
  readonly connections: number;
  close(): Promise<void>;
}

export async function startProxy(targetPort: number): Promise<CuttableProxy> {
  const open = new Set<Socket>();
  let connections = 0;
  let refusing = false;
  const server: Server = createServer((inbound) => {
    if (refusing) return void inbound.destroy();
    connections++;
    const outbound = connect(targetPort, '127.0.0.1');
    open.add(inbound);
    open.add(outbound);
    const end = () => {
      inbound.destroy();
      outbound.destroy();
      open.delete(inbound);
      open.delete(outbound);
    };
    inbound.on('error', end).on('close', end);
    outbound.on('error', end).on('close', end);
    inbound.pipe(outbound);
    outbound.pipe(inbound);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    get connections() {
      return connections;
    },
    cut() {
      refusing = true;
      for (const socket of [...open]) socket.destroy();
      open.clear();
    },
    restore() {
      refusing = false;
    },
    close: () =>
      new Promise((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
