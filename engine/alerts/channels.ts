/**
 * How the outbox sends a message on each channel:
 * - e-mail: through the SMTP login named by the message (read from the vault when sending, the
 *   same login code as the "Send e-mail" step: engine/model/smtp-mail.ts), with a Message-ID made
 *   from the message id, so a copy sent again after a crash shows once;
 * - webhook: an HTTP POST of JSON (the whole message) or Slack's `{ text }`, optionally signed in
 *   with an `http.bearer` (Authorization: Bearer), `http.basic` or `http.header` credential
 *   (header `name`, default X-API-Key; value `value`);
 * - desktop: handed to the doors as an event (the desktop app shows an OS notification, the app
 *   lists it); delivered once emitted.
 * Errors are DeliveryErrors in plain words with the credential's values scrubbed out.
 *
 * May import: `engine/model`, libraries (nodemailer, loaded when a message is sent).
 */
import { NodeError } from '../model/node-kit.ts';
import { smtpLogin, smtpSendError } from '../model/smtp-mail.ts';
import type { SecretResolver } from '../secrets.ts';
import { DeliveryError, type Deliver, type OutboxMessage } from './outbox.ts';

export interface DesktopNotice {
  messageId: string;
  title: string;
  body: string;
  link?: string;
}

export interface ChannelOptions {
  secrets: SecretResolver;
  /** Shows a desktop notice (the service emits `alerts.notify`). */
  desktop(notice: DesktopNotice): void;
  /** Time limit of one attempt (default 30 s). */
  timeoutMs?: number;
  /** The fetch to use for webhooks (default the global one). */
  fetch?: typeof fetch;
}

export function channelSender(options: ChannelOptions): Deliver {
  const timeoutMs = options.timeoutMs ?? 30_000;
  return async (message) => {
    const target = message.target;
    if (target.channel === 'desktop') {
      options.desktop({ messageId: message.id, title: message.content.subject, body: message.content.text, ...(message.content.link ? { link: message.content.link } : {}) });
      return;
    }
    const credentialId = target.credential;
    const secret = credentialId ? await readSecret(options.secrets, credentialId) : {};
    try {
      if (target.channel === 'email') await sendMail(message, target, credentialId!, secret, timeoutMs);
      else await postWebhook(message, target, secret, timeoutMs, options.fetch ?? fetch);
    } catch (error) {
      throw scrub(error instanceof DeliveryError ? error : new DeliveryError(String((error as Error)?.message ?? error), { retryable: true }), secret);
    }
  };
}

async function readSecret(secrets: SecretResolver, id: string): Promise<Record<string, string>> {
  try {
    return await secrets.get(id);
  } catch (error) {
    const e = error as NodeError;
    const keychainDown = e.code === 'CREDENTIAL_UNAVAILABLE';
    throw new DeliveryError(e.message || `The credential "${id}" could not be read.`, {
      // A locked keychain may be unlocked later; a credential that does not exist will not appear by waiting.
      retryable: keychainDown,
      hint: e.hint ?? `Add the credential "${id}" under Credentials, or pick another one in the flow's alert settings.`,
    });
  }
}

async function sendMail(message: OutboxMessage, target: { to: string[]; hint?: string; why?: string }, credentialId: string, secret: Record<string, string>, timeoutMs: number): Promise<void> {
  if (!credentialId) throw new DeliveryError('No mail server login is chosen for these messages.', { retryable: false, hint: target.hint ?? "Choose a mail server login in the flow's alert settings." });
  if (target.to.length === 0) throw new DeliveryError(target.why ?? 'The message has no recipient.', { retryable: false, hint: target.hint ?? "Fill in the owner's e-mail on the flow's charter, or addresses in its alert settings." });
  let login;
  try {
    login = smtpLogin(secret, credentialId, timeoutMs);
  } catch (error) {
    throw toDelivery(error);
  }
  if (!login.from) throw new DeliveryError(`The mail server login "${credentialId}" has no sender address.`, { retryable: false, hint: `Fill in "from" (or the user name) in the login "${credentialId}" under Credentials.` });
  const { default: nodemailer } = await import('nodemailer');
  const transport = nodemailer.createTransport(login.transport);
  const domain = /@([A-Za-z0-9.-]+)>?\s*$/.exec(login.from)?.[1] ?? 'flowkeeper.local';
  const messageId = `<${message.id}@${domain}>`;
  try {
    await transport.sendMail({ from: login.from, to: target.to, subject: message.content.subject, text: message.content.text, messageId });
  } catch (error) {
    // The same Message-ID goes out again on a retry, so a repeat after a lost connection is harmless.
    throw toDelivery(smtpSendError(error, login.place, { messageId }, true));
  } finally {
    transport.close();
  }
}

async function postWebhook(message: OutboxMessage, target: { url: string; format: 'json' | 'slack'; credential?: string }, secret: Record<string, string>, timeoutMs: number, doFetch: typeof fetch): Promise<void> {
  let url: URL;
  try {
    url = new URL(target.url);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http');
  } catch {
    throw new DeliveryError('The alert webhook address is not a web address.', { retryable: false, hint: "Fix the webhook address in the flow's alert settings (it starts with https://)." });
  }
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (target.credential) Object.assign(headers, authHeaders(secret, target.credential));
  const body = target.format === 'slack' ? { text: slackText(message) } : { subject: message.content.subject, text: message.content.text, purpose: message.purpose, ...(message.content.link ? { link: message.content.link } : {}), ...(message.content.url ? { url: message.content.url } : {}), ...(message.content.data ?? {}), messageId: message.id };
  let response: Response;
  try {
    response = await doFetch(url, { method: 'POST', headers, body: JSON.stringify(body), signal: AbortSignal.timeout(timeoutMs), redirect: 'follow' });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
    throw new DeliveryError(`Could not reach the alert webhook at ${url.host} (${cause === 'ECONNREFUSED' ? 'nothing is listening there' : cause}).`, { retryable: true, hint: 'Check the webhook address; Flowkeeper tries again later.' });
  }
  await response.arrayBuffer().catch(() => undefined);
  if (response.ok) return;
  const retryable = response.status >= 500 || response.status === 408 || response.status === 429;
  const hint =
    response.status === 401 || response.status === 403
      ? "The receiver refused the sign-in: check the credential in the flow's alert settings."
      : response.status === 404 || response.status === 410
        ? 'The receiver does not know this address (a removed Slack webhook answers so): make a new one and paste it in the alert settings.'
        : retryable
          ? 'Flowkeeper tries again later.'
          : 'Check the webhook address and what the receiver expects.';
  throw new DeliveryError(`The alert webhook at ${url.host} answered ${response.status}${response.statusText ? ` ${response.statusText}` : ''}.`, { retryable, hint });
}

function authHeaders(secret: Record<string, string>, id: string): Record<string, string> {
  if (secret.token) return { authorization: `Bearer ${secret.token}` };
  if (secret.username !== undefined && secret.password !== undefined) return { authorization: `Basic ${Buffer.from(`${secret.username}:${secret.password}`).toString('base64')}` };
  if (secret.value) return { [secret.name || 'x-api-key']: secret.value };
  throw new DeliveryError(`The credential "${id}" has no token, user name and password, or key.`, { retryable: false, hint: 'Use a "Web API token", "user name and password" or "key in a header" credential for the alert webhook.' });
}

function slackText(message: OutboxMessage): string {
  const link = message.content.url ? ` <${message.content.url}|Open in Flowkeeper>` : '';
  return `*${message.content.subject}*\n${message.content.text}${link}`;
}

function toDelivery(error: unknown): DeliveryError {
  if (error instanceof DeliveryError) return error;
  if (error instanceof NodeError) return new DeliveryError(error.message, { retryable: error.retryable, ...(error.hint ? { hint: error.hint } : {}) });
  return new DeliveryError(String((error as Error)?.message ?? error), { retryable: true });
}

/** Takes the credential's values out of an error (a server may echo what it was sent). */
function scrub(error: DeliveryError, secret: Record<string, string>): DeliveryError {
  // Only the secret fields: host names and user names stay readable in the message.
  const values = Object.entries(secret)
    .filter(([key, v]) => !['host', 'port', 'security', 'username', 'from', 'name', 'baseUrl'].includes(key) && v.length >= 4)
    .map(([, v]) => v);
  if (values.length === 0) return error;
  const clean = (text: string) => values.reduce((acc, v) => acc.split(v).join('***'), text);
  return new DeliveryError(clean(error.message), { retryable: error.retryable, ...(error.hint ? { hint: clean(error.hint) } : {}) });
}
