/**
 * Send e-mail (`email.send`): one message per input item through an SMTP server (nodemailer),
 * signed in with a stored SMTP login.
 *
 * - Every message gets a Message-ID made from the run, the step and the item
 *   (`<run-….step.3@domain>`), recorded in the write intent before anything is sent. A finished
 *   send is answered from the trace on resume and replay, so it is never sent twice. A send cut
 *   off by a crash cannot be checked with SMTP, so by default the run stops and asks a person,
 *   naming the Message-ID to look for; "Send again after an interruption" re-sends with the same
 *   Message-ID instead (mail programs show one copy of a repeated Message-ID).
 * - Output: the item, plus what the server said under `sent` (messageId, accepted, rejected, response).
 * - Errors: a refused sign-in, a rejected recipient or an unreachable server go to the error port
 *   in plain words; a server that refused the message (4xx) may be retried, a connection lost
 *   while sending is not retried (the message may have gone out).
 */
import { z } from 'zod';
import { NodeError, defineNode, field, type Item, type NodeContext } from '../../engine/model/index.ts';
import { smtpLogin, smtpSendError } from '../../engine/model/smtp-mail.ts';

const Config = z
  .object({
    credential: field(z.string().min(1).max(200), {
      title: 'Mail server login',
      description: 'The stored SMTP login (server, port, user name and password). The password stays in the system keychain.',
      widget: 'credential',
    }),
    from: field(z.string().max(500).optional(), {
      title: 'From',
      description: 'The sender, e.g. Billing <billing@example.com>. Left empty: the login\'s sender address, else its user name.',
      placeholder: 'Billing <billing@example.com>',
    }),
    to: field(z.string().min(1).max(5000), {
      title: 'To',
      description: 'One or more addresses separated by commas; may use {{ expressions }}, e.g. {{ customer.email }}.',
      placeholder: '{{ customer.email }}',
      widget: 'email-addresses',
    }),
    cc: field(z.string().max(5000).optional(), {
      title: 'Copy to (Cc)',
      description: 'More addresses that see the message, separated by commas.',
      placeholder: 'accounts@example.com',
      widget: 'email-addresses',
      advanced: true,
    }),
    bcc: field(z.string().max(5000).optional(), {
      title: 'Hidden copy to (Bcc)',
      description: 'Addresses that get the message without the others seeing them, separated by commas.',
      placeholder: 'archive@example.com',
      widget: 'email-addresses',
      advanced: true,
    }),
    replyTo: field(z.string().max(500).optional(), {
      title: 'Replies go to',
      description: 'Where answers to this message should go, when not to the sender.',
      placeholder: 'support@example.com',
      widget: 'email-addresses',
      advanced: true,
    }),
    subject: field(z.string().max(2000), { title: 'Subject', description: 'The subject line; may use {{ expressions }}, e.g. Invoice {{ number }}.', placeholder: 'Your invoice {{ number }}' }),
    text: field(z.string().max(1_000_000), {
      title: 'Message',
      description: 'The message as plain text; may use {{ expressions }}, e.g. Hello {{ customer.name }}.',
      placeholder: 'Hello {{ customer.name }},\n\nyour invoice is attached.',
      widget: 'multiline',
    }),
    html: field(z.string().max(1_000_000).optional(), {
      title: 'Message as HTML',
      description: 'A formatted version of the message (optional); mail programs that show HTML use it instead of the plain text.',
      placeholder: '<p>Hello {{ customer.name }}</p>',
      widget: 'multiline',
      advanced: true,
    }),
    resendOnResume: field(z.boolean().default(false), {
      title: 'Send again after an interruption',
      description: 'Off: if Flowkeeper stops in the middle of sending, the run asks you whether the message went out. On: it sends again with the same Message-ID (mail programs show it once).',
      advanced: true,
    }),
    timeoutSeconds: field(z.number().min(1).max(600).default(60), {
      title: 'Time limit (seconds)',
      description: 'How long connecting to the mail server and sending one message may take.',
      advanced: true,
    }),
  })
  .strict();
type EmailConfig = z.infer<typeof Config>;

interface EmailMessage {
  from?: string;
  to: string[];
  cc: string[];
  bcc: string[];
  replyTo?: string;
  subject: string;
  text: string;
  html?: string;
  messageId: string;
}

interface SendResult {
  messageId: string;
  accepted: string[];
  rejected: string[];
  response: string;
}

export default defineNode({
  type: 'email.send',
  version: 1,
  title: 'Send e-mail',
  category: 'integration',
  icon: 'mail',
  description: 'Sends one e-mail per item through your mail server (SMTP). A message that went out is never sent twice, even after a crash.',
  config: Config,
  inputs: ['in'],
  outputs: ['out'],
  effects: 'write',
  credentials: ['smtp'],
  // Unreachable servers and "try again later" (4xx) answers pass; a lost connection mid-send is never retried.
  defaultRetry: { maxAttempts: 3, initialDelayMs: 2000, maxDelayMs: 60_000, multiplier: 2, jitter: true },
  async run({ items, config, ctx }) {
    return ctx.forEachItem(items, async (item, index) => {
      const message = await buildMessage(config, ctx, index);
      const result = await ctx.external<SendResult>(
        'smtp',
        { credential: config.credential, message },
        { itemIndex: index, ...(config.resendOnResume ? { idempotencyKey: message.messageId } : {}) },
        () => send(config, ctx, message),
      );
      return { ...item, sent: result } as Item;
    });
  },
});

async function buildMessage(config: EmailConfig, ctx: NodeContext, index: number): Promise<EmailMessage> {
  const text = async (value: string | undefined) => (value === undefined ? undefined : stringOf(await ctx.evaluate(value, index)).trim());
  const list = async (value: string | undefined, field: string) => {
    const raw = value === undefined ? [] : await ctx.evaluate(value, index);
    const entries = (Array.isArray(raw) ? raw.map(stringOf) : [stringOf(raw)]).map((a) => a.trim()).filter((a) => a !== '');
    const addresses: string[] = [];
    const addressparser = entries.length ? (await import('nodemailer/lib/addressparser')).default : undefined;
    for (const entry of entries) {
      // nodemailer's own parser: quoted names with commas ("Smith, Ann" <ann@…>) stay one address.
      const parsed = addressparser!(entry, { flatten: true });
      if (parsed.length === 0 || parsed.some((a) => !/^[^@\s<>]+@[^@\s<>]+\.?[^@\s<>]*$/.test(a.address))) {
        throw new NodeError({ message: `"${entry}" in "${field}" is not an e-mail address.`, code: 'CONFIG', retryable: false, hint: `Check "${field}" and the item's data: an address looks like name@example.com.` });
      }
      for (const a of parsed) addresses.push(a.name ? `"${a.name.replace(/(["\\])/g, '\\$1')}" <${a.address}>` : a.address);
    }
    return addresses;
  };
  const from = await text(config.from);
  const to = await list(config.to, 'To');
  if (to.length === 0) throw new NodeError({ message: 'The message has no recipient: "To" came out empty for this item.', code: 'CONFIG', retryable: false, field: 'to', hint: 'Check the expression in "To" and the item\'s data.' });
  const domain = from ? (/@([A-Za-z0-9.-]+)>?\s*$/.exec(from)?.[1] ?? 'flowkeeper.local') : 'flowkeeper.local';
  const message: EmailMessage = {
    ...(from ? { from } : {}),
    to,
    cc: await list(config.cc, 'Copy to (Cc)'),
    bcc: await list(config.bcc, 'Hidden copy to (Bcc)'),
    subject: (await text(config.subject)) ?? '',
    text: stringOf(await ctx.evaluate(config.text, index)),
    // The same for a resume and a replay of this run, different for every run, step and item.
    messageId: `<${safe(ctx.runId)}.${safe(ctx.nodeId)}.${index + 1}@${domain}>`,
  };
  const replyTo = await text(config.replyTo);
  if (replyTo) message.replyTo = replyTo;
  if (config.html !== undefined) message.html = stringOf(await ctx.evaluate(config.html, index));
  return message;
}

function safe(part: string): string {
  return part.replace(/[^A-Za-z0-9_-]/g, '-');
}

function stringOf(value: unknown): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
}

async function send(config: EmailConfig, ctx: NodeContext, message: EmailMessage): Promise<SendResult> {
  const secret = await ctx.secret(config.credential);
  const id = config.credential;
  const login = smtpLogin(secret, id, Math.round(config.timeoutSeconds * 1000));
  const from = message.from ?? login.from;
  if (!from) {
    throw new NodeError({ message: 'The message has no sender.', code: 'CONFIG', retryable: false, hint: `Fill in "From" on this step, or a "from" address in the login "${id}".` });
  }
  // Loaded when a message is really sent: start-up and replay never pay for it.
  const { default: nodemailer } = await import('nodemailer');
  const transport = nodemailer.createTransport(login.transport);
  const place = login.place;
  const onAbort = () => transport.close();
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  try {
    const info = await transport.sendMail({
      from,
      to: message.to,
      ...(message.cc.length ? { cc: message.cc } : {}),
      ...(message.bcc.length ? { bcc: message.bcc } : {}),
      ...(message.replyTo ? { replyTo: message.replyTo } : {}),
      subject: message.subject,
      text: message.text,
      ...(message.html !== undefined ? { html: message.html } : {}),
      messageId: message.messageId,
    });
    return {
      messageId: info.messageId,
      accepted: info.accepted.map(String),
      rejected: info.rejected.map(String),
      response: info.response,
    };
  } catch (error) {
    if (ctx.signal.aborted) throw new NodeError({ message: 'The run was stopped.', code: 'CANCELLED', retryable: false });
    throw smtpSendError(error, place, message, config.resendOnResume);
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
    transport.close();
  }
}
