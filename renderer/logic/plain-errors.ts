/**
 * A plain sentence before any code: system error codes (ECONNREFUSED, UND_ERR_SOCKET, …) mean
 * nothing to an operator, so a failure is told in words first ("Nothing answered at
 * localhost:4020 (connection refused).") and the original message stays available as the
 * technical detail. Pure, unit-tested in test/renderer/plain-errors.test.ts.
 */
import { withoutStack } from './format.ts';

export interface PlainErrorText {
  /** What happened, in words. */
  sentence: string;
  /** The original message when the sentence replaced it (for "Technical details"). */
  technical?: string;
}

type Explain = (where: string) => string;

const SYSTEM_CODES: Record<string, Explain> = {
  ECONNREFUSED: (where) => `Nothing answered at ${where} (connection refused).`,
  ENOTFOUND: (where) => `The address ${where} could not be found (no such host name).`,
  EAI_AGAIN: (where) => `The address ${where} could not be looked up just now (name lookup failed).`,
  ECONNRESET: (where) => `${capital(where)} closed the connection before it answered.`,
  UND_ERR_SOCKET: (where) => `${capital(where)} closed the connection before it answered.`,
  EPIPE: (where) => `${capital(where)} closed the connection while it was being sent to.`,
  ETIMEDOUT: (where) => `${capital(where)} did not answer in time.`,
  UND_ERR_CONNECT_TIMEOUT: (where) => `${capital(where)} did not answer in time.`,
  EHOSTUNREACH: (where) => `${capital(where)} cannot be reached from this computer (no route to it).`,
  ENETUNREACH: (where) => `${capital(where)} cannot be reached: this computer has no network route there.`,
  CERT_HAS_EXPIRED: (where) => `The security certificate of ${where} has expired.`,
  DEPTH_ZERO_SELF_SIGNED_CERT: (where) => `${capital(where)} uses a self-signed security certificate, which is not trusted.`,
};

function capital(text: string): string {
  return text.length === 0 ? text : text[0]!.toUpperCase() + text.slice(1);
}

/** "http://localhost:4020/v1/chat" → "localhost:4020". */
export function hostOf(url: string): string {
  try {
    return new URL(url).host || url;
  } catch {
    return url;
  }
}

function findCode(message: string, details: Record<string, unknown> | undefined): string | undefined {
  const fromDetails = details?.errno;
  if (typeof fromDetails === 'string' && SYSTEM_CODES[fromDetails]) return fromDetails;
  const match = /\b(E[A-Z]{3,}|UND_ERR_[A-Z_]+|CERT_HAS_EXPIRED|DEPTH_ZERO_SELF_SIGNED_CERT)\b/.exec(message);
  return match && SYSTEM_CODES[match[1]!] ? match[1] : undefined;
}

function findWhere(message: string): string {
  const url = /\bhttps?:\/\/[^\s"'“”)]+/.exec(message)?.[0]?.replace(/[.:,;]+$/, '');
  return url ? hostOf(url) : 'the other side';
}

export function plainError(error: { message: string; code?: string; details?: Record<string, unknown> }): PlainErrorText {
  const message = tidyEngineWords(withoutStack(error.message));
  const code = findCode(message, error.details);
  if (!code) return { sentence: message };
  // "4 of 4 items failed in “Sort”. First: …" keeps its count; the cause becomes the sentence.
  const count = /^\d[\d,]* of \d[\d,]* items? failed[^.]*\. First: /.exec(message)?.[0] ?? '';
  return { sentence: `${count}${SYSTEM_CODES[code]!(findWhere(message))}`, technical: message };
}

const CHOICE_WORDS: Record<string, string> = { 'send-again': 'Send it again', 'skip-item': 'Skip this item', cancel: 'Cancel the run' };
const KIND_WORDS: Record<string, string> = { http: 'a web request', llm: 'an AI request', smtp: 'an email' };

/**
 * The engine's sentences as the screen says things: steps in curly quotes (`node "Send"` →
 * `“Send”`), choices by their button labels (`"send-again"` → `“Send it again”`), call kinds in
 * words (`(http)` → `(a web request)`).
 */
export function tidyEngineWords(message: string): string {
  return message
    .replace(/\bnode "([^"]*)"/g, '“$1”')
    .replace(/"(send-again|skip-item|cancel)"/g, (_, choice: string) => `“${CHOICE_WORDS[choice]}”`)
    .replace(/\((http|llm|smtp)\)/g, (_, kind: string) => `(${KIND_WORDS[kind]})`);
}

/**
 * "At “Step”: " before a message, unless the message already names the step: a banner names
 * the step once.
 */
export function stepPrefix(stepName: string | undefined, message: string): string {
  if (!stepName) return '';
  return message.includes(`“${stepName}”`) ? '' : `At “${stepName}”: `;
}
