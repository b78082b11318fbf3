/**
 * Signing in to an SMTP server with a stored `smtp` credential (host, port, security, username,
 * password, from) and reading its refusals in plain words. Shared by the "Send e-mail" step
 * (nodes/integration/email-send.ts) and the alert outbox (engine/alerts/), so a login that works
 * for one works for the other and both explain a refused sign-in the same way. Pure: it builds
 * the options nodemailer takes and classifies nodemailer's errors; the caller owns nodemailer.
 */
import { NodeError } from './node-kit.ts';

/** The nodemailer transport options a login gives, plus its sender and where it points. */
export interface SmtpLogin {
  transport: {
    host: string;
    port: number;
    secure: boolean;
    requireTLS: boolean;
    ignoreTLS: boolean;
    auth?: { user: string; pass: string };
    connectionTimeout: number;
    greetingTimeout: number;
    socketTimeout: number;
    pool: false;
  };
  /** The login's sender address (its `from`, else its user name), when it has one. */
  from?: string;
  /** `host:port`, for messages. */
  place: string;
}

function field(secret: Record<string, string>, name: string): string | undefined {
  const value = secret[name];
  return value === undefined || value === '' ? undefined : value;
}

/** Reads a stored SMTP login; a missing host, a bad port or an unknown security is a plain error naming the credential. */
export function smtpLogin(secret: Record<string, string>, credentialId: string, timeoutMs: number): SmtpLogin {
  const host = field(secret, 'host');
  if (host === undefined) {
    throw new NodeError({ message: `The credential "${credentialId}" has no "host".`, code: 'CREDENTIAL_INVALID', retryable: false, hint: 'Edit the credential under Credentials and fill in "host".' });
  }
  const security = (field(secret, 'security') ?? 'starttls').toLowerCase();
  if (!['starttls', 'tls', 'none'].includes(security)) {
    throw new NodeError({
      message: `The login "${credentialId}" has "${security}" as its security.`,
      code: 'CREDENTIAL_INVALID',
      retryable: false,
      hint: 'Use starttls (port 587, the usual), tls (port 465) or none (only for a server on this machine).',
    });
  }
  const fallbackPort = security === 'tls' ? 465 : 587;
  const rawPort = field(secret, 'port');
  const port = rawPort === undefined ? fallbackPort : Number(rawPort);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new NodeError({
      message: `The credential "${credentialId}" has "${rawPort}" as its port, which is not a port number.`,
      code: 'CREDENTIAL_INVALID',
      retryable: false,
      hint: `Edit the credential and write a number between 1 and 65535 (or leave it empty for ${fallbackPort}).`,
    });
  }
  const username = field(secret, 'username');
  const password = field(secret, 'password');
  const from = field(secret, 'from') ?? username;
  return {
    transport: {
      host,
      port,
      secure: security === 'tls',
      requireTLS: security === 'starttls',
      ignoreTLS: security === 'none',
      ...(username !== undefined ? { auth: { user: username, pass: password ?? '' } } : {}),
      connectionTimeout: timeoutMs,
      greetingTimeout: timeoutMs,
      socketTimeout: timeoutMs,
      // One connection per message: nothing stays open between messages.
      pool: false,
    },
    ...(from === undefined ? {} : { from }),
    place: `${host}:${port}`,
  };
}

type MailError = Error & { code?: string; responseCode?: number; command?: string; response?: string; errno?: string };

/** SMTP steps before the message itself is sent: a failure there delivered nothing. */
const BEFORE_DATA = /^(CONN|EHLO|HELO|LHLO|STARTTLS|AUTH\b.*|MAIL FROM|RCPT TO)$/i;

/** Network errors that prove nothing reached the server (the recorder knows these errnos too). */
const NEVER_CONNECTED = ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH'];

/**
 * A nodemailer failure in plain words: refused sign-in, unreachable server, TLS mismatch, a
 * refusal (4xx retryable, 5xx final), or a connection lost mid-send (retryable only when the
 * caller may send the same Message-ID again).
 */
export function smtpSendError(error: unknown, place: string, message: { messageId: string }, resendable: boolean): NodeError {
  const e = error as MailError;
  if (e.code === 'EAUTH') {
    return new NodeError({
      message: `The mail server at ${place} refused the sign-in: ${e.response ?? e.message}`,
      code: 'CREDENTIAL_REJECTED',
      retryable: false,
      hint: 'Check the user name and password of the mail server login. Some providers need an app password.',
    });
  }
  const errno = NEVER_CONNECTED.find((code) => e.message.includes(code) || e.errno === code || e.code === code);
  if (errno) {
    return new NodeError({
      message: `Could not reach the mail server at ${place}: ${errno === 'ECONNREFUSED' ? 'nothing is listening there' : e.message}.`,
      code: 'NETWORK',
      retryable: true,
      hint: 'Check that the mail server is running and that the server and port in the login are right.',
      details: { errno },
    });
  }
  if (e.command !== undefined && BEFORE_DATA.test(e.command)) {
    // Still connecting, greeting or naming sender and recipients: nothing was delivered yet.
    if (/certificate|self[- ]signed|SSL|TLS|wrong version/i.test(e.message)) {
      const mismatch = /wrong version|packet length|unknown protocol/i.test(e.message);
      return new NodeError({
        message: mismatch
          ? `The mail server at ${place} does not speak the encryption the login asks for.`
          : `The mail server at ${place} could not be checked as genuine: ${e.message.split('\n')[0]}.`,
        code: 'EMAIL_TLS',
        retryable: false,
        hint: mismatch
          ? 'Match the login\'s security to the port: tls for port 465, starttls for port 587 (or 25).'
          : 'Its certificate is expired, self-signed or for another name. Ask the mail provider, or check the server name in the login.',
      });
    }
    if (typeof e.responseCode !== 'number') {
      return new NodeError({
        message: `Could not talk to the mail server at ${place}: ${e.message}.`,
        code: 'NETWORK',
        retryable: true,
        hint: 'Check that the mail server is running and that the server and port in the login are right.',
        details: { ...(e.code ? { errno: e.code } : {}), command: e.command },
      });
    }
  }
  if (typeof e.responseCode === 'number') {
    // The server answered: the message was not accepted. 4xx means "try later"; 5xx is final.
    const temporary = e.responseCode >= 400 && e.responseCode < 500;
    const recipients = e.code === 'EENVELOPE';
    return new NodeError({
      message: `The mail server at ${place} did not accept the message: ${e.response ?? e.message}`,
      code: recipients ? 'EMAIL_REJECTED' : 'EMAIL_REFUSED',
      retryable: temporary,
      status: e.responseCode,
      hint: recipients ? 'Check the recipients\' addresses.' : temporary ? 'The server asks to try again later; retries may help.' : 'Check the sender, the recipients and the message with your mail provider.',
      details: { smtpCode: e.responseCode, ...(e.command ? { command: e.command } : {}) },
    });
  }
  // The connection broke or timed out on the way: the message may or may not have gone out.
  return new NodeError({
    message: `The connection to the mail server at ${place} broke while sending (${e.message}). The message ${message.messageId} may or may not have gone out${resendable ? '' : ', so Flowkeeper did not send it again'}.`,
    code: 'NETWORK',
    retryable: resendable,
    hint: `Look for Message-ID ${message.messageId} in the recipient's or the sent mailbox before sending it again.`,
    details: { errno: e.code ?? 'ESOCKET', ...(resendable ? {} : { unsafeToRepeat: true }) },
  });
}
