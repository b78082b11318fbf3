/**
 * On a new e-mail: while the flow is switched on, stays connected to an IMAP mailbox (imapflow)
 * and starts the flow once per new message in a folder — told at once by IDLE where the server
 * has it, and checking every few minutes anyway (the fallback where it has not, and a safety net
 * for a notice that got lost). A dropped connection is reconnected with growing pauses (at once,
 * then 1 s, 2 s, 5 s … up to 5 minutes); messages that arrived meanwhile are picked up then.
 *
 * Position and de-duplication: the trigger's durable state holds the folder's UIDVALIDITY and the
 * last UID taken, plus the Message-IDs of the last few thousand messages. Messages are taken in
 * UID order; each is emitted with the dedupe key `message:<Message-ID>` (or `uid:<validity>:<uid>`
 * when it has none) and only once that emit is durable is the last UID advanced, so a crash in
 * between re-emits the same key at the next start, which the host answers as a duplicate: none
 * lost, none run twice. A message whose Message-ID was already taken (the same mail copied in
 * twice) starts nothing. When the server renumbers the folder (a new UIDVALIDITY), messages are
 * matched by Message-ID and by arrival time instead, so the folder is not replayed.
 */
import { ImapFlow, type FetchMessageObject, type MailboxObject, type MessageAddressObject, type MessageStructureObject } from 'imapflow';
import { z } from 'zod';
import { defineNode, field, type Item, type TriggerContext, type TriggerEmit } from '../../engine/model/index.ts';

/** Message-IDs remembered (the same message copied in twice starts one run). */
const SEEN_LIMIT = 5000;
/** Pauses before reconnecting, by attempt; the last repeats. */
const RECONNECT_MS = [0, 1000, 2000, 5000, 10_000, 30_000, 60_000, 120_000, 300_000];

const Config = z
  .object({
    credential: field(z.string().min(1, 'Choose the credential of the mailbox.').max(100), {
      title: 'Mailbox',
      description: 'The mail server login (an IMAP credential: server, port, encryption, user name and password).',
      widget: 'credential',
    }),
    folder: field(z.string().min(1).max(500).default('INBOX'), {
      title: 'Folder',
      description: 'The mailbox folder to watch, e.g. INBOX or INBOX/Orders (as the mail program shows it).',
      placeholder: 'INBOX',
      widget: 'plain',
    }),
    afterIntake: field(z.enum(['nothing', 'seen', 'move']).default('nothing'), {
      title: 'Afterwards',
      description: 'What to do with a message once its run is safely recorded: leave it, mark it as read, or move it to another folder.',
      optionLabels: { nothing: 'Leave it as it is', seen: 'Mark it as read', move: 'Move it to a folder' },
    }),
    moveTo: field(z.string().max(500).default('Processed'), {
      title: 'Move to folder',
      description: 'The folder taken messages are moved to, e.g. Processed; it must exist in the mailbox.',
      showWhen: { field: 'afterIntake', is: ['move'] },
      widget: 'plain',
    }),
    existing: field(z.enum(['remember', 'start']).default('remember'), {
      title: 'Mail already there',
      description: 'When the flow is first switched on: only remember the messages already in the folder, or start for each of them too.',
      optionLabels: { remember: 'Only remember it', start: 'Start for it too' },
      advanced: true,
    }),
    checkEverySeconds: field(z.number().int().min(10).max(24 * 3600).default(300), {
      title: 'Check every (seconds)',
      description: 'How often to look for new mail besides the server telling at once (IDLE), e.g. 300 for every five minutes.',
      advanced: true,
    }),
    maxTextKb: field(z.number().int().min(1).max(10 * 1024).default(256), {
      title: 'Largest text (KB)',
      description: 'A message text longer than this is cut there (the item says so).',
      advanced: true,
    }),
  })
  .strict();
type EmailConfig = z.infer<typeof Config>;

interface Position {
  uidValidity: string;
  lastUid: number;
  /** Arrival time of the last message taken (used when the server renumbers the folder). */
  lastDate?: string;
}

interface Login {
  host: string;
  port: number;
  security: 'tls' | 'starttls' | 'none';
  username: string;
  password: string;
}

/** A problem already said in plain words (a credential field, a folder name). */
class PlainError extends Error {}

function loginFrom(values: Record<string, string>, credential: string): Login {
  const host = values.host?.trim();
  if (!host) throw new PlainError(`The credential "${credential}" has no mail server ("host"). Add it under Credentials.`);
  const security = (values.security?.trim().toLowerCase() || 'tls') as Login['security'];
  if (!['tls', 'starttls', 'none'].includes(security)) throw new PlainError(`The encryption "${values.security}" in the credential "${credential}" is not one of tls, starttls or none.`);
  const port = values.port?.trim() ? Number(values.port) : security === 'tls' ? 993 : 143;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new PlainError(`The port "${values.port}" in the credential "${credential}" is not a port number (e.g. 993).`);
  if (!values.username) throw new PlainError(`The credential "${credential}" has no user name ("username"). Add it under Credentials.`);
  if (!values.password) throw new PlainError(`The credential "${credential}" has no password ("password"). Add it under Credentials.`);
  return { host, port, security, username: values.username, password: values.password };
}

function address(a: MessageAddressObject | undefined): string {
  return a?.address ?? '';
}

/** Leaves of a body structure, in order. */
function parts(node: MessageStructureObject | undefined): MessageStructureObject[] {
  if (!node) return [];
  return node.childNodes ? node.childNodes.flatMap(parts) : [node];
}

function isAttachment(part: MessageStructureObject): boolean {
  return part.disposition === 'attachment' || (!part.type.startsWith('text/') && !part.type.startsWith('multipart/')) || Boolean(part.dispositionParameters?.filename);
}

function plainError(error: unknown, login: Login | undefined, credential: string): string {
  const e = error as Error & { authenticationFailed?: boolean; code?: string; responseText?: string };
  if (e.authenticationFailed) return `The mail server refused the login for "${login?.username ?? '?'}" at ${login?.host ?? '?'}: check the user name and password in the credential "${credential}".`;
  if (e.code === 'ECONNREFUSED') return `The mail server ${login?.host}:${login?.port} refused the connection: check the server and port in the credential "${credential}".`;
  if (e.code === 'ENOTFOUND') return `The mail server "${login?.host}" was not found: check the server name in the credential "${credential}".`;
  if (e.code === 'ETIMEDOUT' || e.code === 'CONNECT_TIMEOUT' || e.code === 'GREETING_TIMEOUT') return `The mail server ${login?.host}:${login?.port} did not answer in time.`;
  if (e.code === 'NoConnection' || e.code === 'EConnectionClosed' || e.code === 'ClosedAfterConnectText' || e.code === 'ClosedAfterConnectTLS') return `The connection to the mail server ${login?.host}:${login?.port} was lost.`;
  return `The mail server ${login?.host ?? ''} answered: ${e.responseText ?? e.message}`;
}

async function subscribe(ctx: TriggerContext<EmailConfig>, emit: TriggerEmit) {
  const { config } = ctx;
  let stopped = false;
  let attempt = 0;
  let client: ImapFlow | undefined;
  let login: Login | undefined;
  let timer: (() => void) | undefined;
  /** The session in progress (connect, checks); awaited at dispose. */
  let session: Promise<void> = Promise.resolve();
  let checking: Promise<void> | undefined;
  let again = false;

  const clearTimer = () => {
    timer?.();
    timer = undefined;
  };

  const reconnectLater = (why: string) => {
    if (stopped) return;
    clearTimer();
    const delay = RECONNECT_MS[Math.min(attempt, RECONNECT_MS.length - 1)]!;
    attempt++;
    ctx.reportError(`${why} ${delay === 0 ? 'Reconnecting now.' : `Trying again in ${Math.round(delay / 1000)} s.`}`);
    timer = ctx.clock.setTimer(delay, () => {
      timer = undefined;
      session = connect();
    });
  };

  /** Takes the new messages of the open folder, one by one (see the header). */
  const takeNew = async (c: ImapFlow, mailbox: MailboxObject) => {
    const validity = String(mailbox.uidValidity);
    let position = ctx.state.get<Position>('position');
    const seen = new Set(ctx.state.get<string[]>('seen') ?? []);
    let since: number | undefined;
    if (position === undefined) {
      if (config.existing === 'remember') {
        position = { uidValidity: validity, lastUid: Math.max(0, mailbox.uidNext - 1) };
        await ctx.state.set('position', position);
        ctx.log.info(`First check of ${config.folder}: remembered the ${mailbox.exists} message(s) already there.`);
        return;
      }
      position = { uidValidity: validity, lastUid: 0 };
    } else if (position.uidValidity !== validity) {
      // The server renumbered the folder: go by Message-ID and arrival time instead of UIDs.
      since = position.lastDate === undefined ? undefined : Date.parse(position.lastDate);
      ctx.log.warn(`The mail server renumbered the folder ${config.folder} (new UIDVALIDITY); messages already taken are recognised by their Message-ID and arrival time.`);
      position = { uidValidity: validity, lastUid: 0, ...(position.lastDate ? { lastDate: position.lastDate } : {}) };
    }
    // "n:*" always names the newest message, even when it is older than n: filter by UID.
    const found: FetchMessageObject[] = [];
    for await (const m of c.fetch(`${position.lastUid + 1}:*`, { uid: true, envelope: true, bodyStructure: true, internalDate: true, size: true }, { uid: true })) {
      if (m.uid > position.lastUid) found.push(m);
    }
    found.sort((a, b) => a.uid - b.uid);
    let taken = 0;
    for (const m of found) {
      if (stopped) return;
      const messageId = m.envelope?.messageId;
      const arrived = m.internalDate === undefined ? undefined : new Date(m.internalDate);
      const old = (messageId !== undefined && seen.has(messageId)) || (since !== undefined && arrived !== undefined && arrived.getTime() <= since);
      if (!old) {
        await emit([await itemOf(c, m, validity)], { dedupeKey: messageId ? `message:${messageId}` : `uid:${validity}:${m.uid}` });
        taken++;
      }
      // Only after the run's start is durable (see the header).
      if (messageId !== undefined) seen.add(messageId);
      position = { uidValidity: validity, lastUid: m.uid, ...(arrived ? { lastDate: arrived.toISOString() } : position.lastDate ? { lastDate: position.lastDate } : {}) };
      await ctx.state.set('position', position);
      if (messageId !== undefined) await ctx.state.set('seen', [...seen].slice(-SEEN_LIMIT));
      if (!old && config.afterIntake !== 'nothing') await afterwards(c, m.uid, named(m));

    }
    ctx.log.info(`Checked ${config.folder}: ${taken} new message(s).`);
  };

  const named = (m: FetchMessageObject) => `"${m.envelope?.subject ?? '(no subject)'}"`;

  /** Marks a taken message as read or moves it; a failure is said, the run stays started. */
  const afterwards = async (c: ImapFlow, uid: number, what: string) => {
    try {
      if (config.afterIntake === 'seen') await c.messageFlagsAdd(String(uid), ['\\Seen'], { uid: true });
      else if (!(await c.messageMove(String(uid), config.moveTo, { uid: true }))) throw new Error('the server did not move it');
    } catch (error) {
      if (!c.usable) throw error;
      const reason = (error as { responseText?: string }).responseText ?? (error as Error).message;
      ctx.reportError(
        config.afterIntake === 'seen'
          ? `The message ${what} could not be marked as read (${reason}); its run was started anyway.`
          : `The message ${what} could not be moved to the folder "${config.moveTo}" (${reason}); does that folder exist? Its run was started anyway.`,
      );
    }
  };

  const itemOf = async (c: ImapFlow, m: FetchMessageObject, validity: string): Promise<Item> => {
    const env = m.envelope ?? {};
    const leaves = parts(m.bodyStructure);
    const attachments = leaves.filter(isAttachment).map((p) => ({ name: p.dispositionParameters?.filename ?? p.parameters?.name ?? '(no name)', type: p.type, size: p.size ?? 0 }));
    const body = leaves.find((p) => p.type === 'text/plain' && !isAttachment(p)) ?? leaves.find((p) => p.type === 'text/html' && !isAttachment(p));
    const maxBytes = config.maxTextKb * 1024;
    let text = '';
    let textCut = false;
    if (body) {
      // A message without parts has its text as part "1" (RFC 3501).
      const download = await c.download(String(m.uid), body.part ?? '1', { uid: true, maxBytes: maxBytes + 1 });
      if (download.content) {
        const chunks: Buffer[] = [];
        for await (const chunk of download.content) chunks.push(chunk as Buffer);
        const all = Buffer.concat(chunks);
        textCut = all.length > maxBytes;
        text = all.subarray(0, maxBytes).toString('utf8');
      }
    }
    return {
      from: address(env.from?.[0]),
      fromName: env.from?.[0]?.name ?? '',
      to: (env.to ?? []).map(address),
      cc: (env.cc ?? []).map(address),
      replyTo: address(env.replyTo?.[0]) || address(env.from?.[0]),
      subject: env.subject ?? '',
      date: env.date ? new Date(env.date).toISOString() : m.internalDate ? new Date(m.internalDate).toISOString() : '',
      text,
      ...(body?.type === 'text/html' ? { textIsHtml: true } : {}),
      ...(textCut ? { textCut: true } : {}),
      messageId: env.messageId ?? '',
      ...(env.inReplyTo ? { inReplyTo: env.inReplyTo } : {}),
      attachments,
      folder: config.folder,
      uid: m.uid,
      uidValidity: validity,
      size: m.size ?? 0,
    };
  };

  /** One check at a time; a notice during a check runs one more afterwards. */
  const check = (c: ImapFlow, mailbox: () => MailboxObject) => {
    if (checking) {
      again = true;
      return checking;
    }
    checking = (async () => {
      do {
        again = false;
        ctx.heartbeat();
        await takeNew(c, mailbox());
      } while (again && !stopped);
    })().finally(() => (checking = undefined));
    return checking;
  };

  const connect = async (): Promise<void> => {
    if (stopped) return;
    let c: ImapFlow | undefined;
    try {
      login = loginFrom(await ctx.secret(config.credential), config.credential);
      if (stopped) return;
      c = new ImapFlow({
        host: login.host,
        port: login.port,
        secure: login.security === 'tls',
        doSTARTTLS: login.security === 'starttls',
        auth: { user: login.username, pass: login.password },
        logger: false,
        // IDLE (the server telling of new mail) starts a second after our last command, not
        // imapflow's 15 s, and is restarted now and then: some servers drop a long IDLE.
        autoIdleDelay: 1000,
        maxIdleTime: 5 * 60_000,
        connectionTimeout: 30_000,
        greetingTimeout: 30_000,
      });
      client = c;
      const current = c;
      // Errors and closes before the folder is open reject connect() / mailboxOpen() instead.
      let live = false;
      let lost = false;
      const onLost = (why: string) => {
        if (!live || lost || stopped || client !== current) return;
        lost = true;
        clearTimer();
        reconnectLater(why);
      };
      c.on('error', (error: Error) => onLost(plainError(error, login, config.credential)));
      c.on('close', () => onLost(`The connection to the mail server ${login?.host}:${login?.port} was lost.`));
      await c.connect();
      let mailbox: MailboxObject;
      try {
        mailbox = await c.mailboxOpen(config.folder);
      } catch (error) {
        throw new PlainError(`The folder "${config.folder}" cannot be opened in the mailbox of "${login.username}": ${(error as { responseText?: string }).responseText ?? (error as Error).message}. Check the folder name.`, { cause: error });
      }
      live = true;
      c.on('mailboxOpen', (opened: MailboxObject) => (mailbox = opened));
      c.on('exists', () => void check(current, () => mailbox).catch((error: unknown) => onCheckError(error)));
      const idle = c.capabilities.has('IDLE');
      await check(c, () => mailbox);
      attempt = 0;
      ctx.log.info(`Connected to ${login.host}; waiting for new mail in ${config.folder} (${idle ? 'the server tells at once' : `checked every ${config.checkEverySeconds} s; the server cannot tell at once`}).`);
      const poll = () => {
        timer = ctx.clock.setTimer(config.checkEverySeconds * 1000, () => {
          if (stopped || client !== current) return;
          void check(current, () => mailbox)
            .then(poll, (error: unknown) => onCheckError(error));
        });
      };
      poll();
    } catch (error) {
      if (stopped) return;
      if (client === c) client = undefined;
      c?.close();
      // A refused login is not retried at once: the password will not have changed in a second.
      if ((error as { authenticationFailed?: boolean }).authenticationFailed) attempt = Math.max(attempt, RECONNECT_MS.indexOf(60_000));
      reconnectLater(error instanceof PlainError ? error.message : plainError(error, login, config.credential));
    }
  };

  const onCheckError = (error: unknown) => {
    if (stopped) return;
    const c = client;
    client = undefined;
    c?.close();
    reconnectLater(`Checking for new mail failed: ${plainError(error, login, config.credential)}`);
  };

  session = connect();
  return async () => {
    stopped = true;
    clearTimer();
    // A check in hand ends quickly: the host refuses emits once the trigger is being stopped.
    await checking?.catch(() => undefined);
    const c = client;
    client = undefined;
    // Closing also ends a connection attempt still under way, so stopping never waits for a timeout.
    if (c?.usable) await c.logout().catch(() => c.close());
    else c?.close();
    await session;
  };
}

export default defineNode({
  type: 'trigger.email',
  version: 1,
  title: 'On a new e-mail',
  category: 'trigger',
  icon: 'inbox',
  description: 'While the flow is switched on, starts it once for every new message in a folder of a mailbox (IMAP), with sender, subject, text and the names of attachments.',
  config: Config,
  inputs: [],
  outputs: ['out'],
  effects: 'pure',
  trigger: true,
  credentials: ['imap'],
  subscribe,
  // The message ({ from, to, subject, date, text, messageId, attachments, … }) is the run input.
  async run({ items }) {
    return { out: items };
  },
});
