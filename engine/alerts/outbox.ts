/**
 * The alert outbox: every message Flowkeeper sends on its own (alert opened, alert recovered,
 * review reminder, escalation) is written here before it is sent, and every attempt to send it
 * is recorded with its outcome. Journal: <data>/alerts/outbox.jsonl, one fsynced line per change:
 *
 *   {"v":1,"queued":{…message…}}                        before the first attempt
 *   {"v":1,"attempt":{"id","at","ok","error"?,"hint"?,"next"?,"final"?}}  after each attempt
 *   {"v":1,"snapshot":{…message with its attempts…}}    written by compaction
 *
 * So a message queued and not yet sent is sent after a restart, and one recorded as sent is
 * never sent again. (A crash between the send and its record sends it once more: e-mails carry a
 * stable Message-ID so mail programs show one copy.)
 *
 * Failures are retried with back-off on the injected clock (30 s, 2 min, 10 min, 30 min, 1 h,
 * 2 h); a failure that cannot get better (a refused sign-in, a 404, a missing credential) or the
 * last attempt marks the message failed, and it is shown as such (alerts.list).
 *
 * Secrets never enter the journal: a message names its credential by id; the sender resolves
 * it when sending and scrubs its values out of any error text.
 *
 * May import: `engine/model`, `node:*`, the clock.
 */
import { readFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.ts';
import type { AlertDelivery, DeliveryChannel, MessagePurpose } from '../model/alerts.ts';
import { appendDurable, replaceDurable } from '../storage/durable-file.ts';

/** Waits after the 1st, 2nd, … failed attempt; one more failure than there are waits gives up. */
export const RETRY_DELAYS_MS = [30_000, 120_000, 600_000, 1_800_000, 3_600_000, 7_200_000];
/** Finished messages kept in the journal when it is compacted (the newest). */
export const KEEP_FINISHED = 500;
/** Journal lines before a compaction is considered. */
const COMPACT_AFTER_LINES = 2000;

export type OutboxTarget =
  /** `hint`: what to do when there is no recipient or no login; `why`: the failure itself, in words (both said in the failure). */
  | { channel: 'email'; credential: string; to: string[]; hint?: string; why?: string }
  | { channel: 'webhook'; url: string; format: 'json' | 'slack'; credential?: string }
  | { channel: 'desktop' };

export interface OutboxContent {
  subject: string;
  text: string;
  /** A link inside the app (`#/runs/…`) and the same on the web bridge, when known. */
  link?: string;
  url?: string;
  /** The structured form a JSON webhook receives. */
  data?: Record<string, unknown>;
}

export interface OutboxMessage {
  id: string;
  createdAt: string;
  purpose: MessagePurpose;
  target: OutboxTarget;
  content: OutboxContent;
  alertKey?: string;
  flowId?: string;
  status: 'pending' | 'sent' | 'failed';
  attempts: Array<{ at: string; ok: boolean; error?: string; hint?: string }>;
  nextAttemptAt?: string;
  sentAt?: string;
}

/** What a channel throws when it could not deliver: plain words, and whether trying later may help. */
export class DeliveryError extends Error {
  readonly retryable: boolean;
  readonly hint?: string;
  constructor(message: string, options: { retryable: boolean; hint?: string }) {
    super(message);
    this.name = 'DeliveryError';
    this.retryable = options.retryable;
    if (options.hint !== undefined) this.hint = options.hint;
  }
}

/** Sends one message on its channel; throws a DeliveryError (anything else counts as retryable). */
export type Deliver = (message: OutboxMessage) => Promise<void>;

export interface OutboxOptions {
  /** The folder for the journal (<data>/alerts). */
  dir: string;
  clock: Clock;
  deliver: Deliver;
  /** Told after every change (queued, attempted): the service pushes `alerts.changed`. */
  onChange?: () => void;
  /** Only read the journal (the CLI, while an app may own the folder): never send, never compact. */
  readOnly?: boolean;
  /** Compaction thresholds (tests): journal lines before compacting, finished messages kept. */
  compactAfterLines?: number;
  keepFinished?: number;
}

type JournalLine = { v: 1; queued: OutboxMessage } | { v: 1; snapshot: OutboxMessage } | { v: 1; attempt: AttemptLine };
interface AttemptLine {
  id: string;
  at: string;
  ok: boolean;
  error?: string;
  hint?: string;
  next?: string;
  final?: 'sent' | 'failed';
}

export class Outbox {
  private readonly messages = new Map<string, OutboxMessage>();
  private readonly sending = new Set<string>();
  private readonly inFlight = new Set<Promise<void>>();
  private cancelTimer: (() => void) | undefined;
  private writes: Promise<void> = Promise.resolve();
  private lines = 0;
  private closed = false;
  readonly file: string;

  constructor(private readonly options: OutboxOptions) {
    this.file = `${options.dir}/outbox.jsonl`;
  }

  /** Reads the journal (a torn last line is ignored), compacts it when long, and schedules what is still pending. */
  async load(): Promise<void> {
    let text = '';
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    for (const raw of text.split('\n')) {
      if (raw.trim() === '') continue;
      this.lines++;
      let line: JournalLine;
      try {
        line = JSON.parse(raw) as JournalLine;
      } catch {
        continue; // a line torn by a crash: its attempt is simply made again
      }
      this.apply(line);
    }
    if (this.options.readOnly) return;
    if (this.lines > (this.options.compactAfterLines ?? COMPACT_AFTER_LINES)) await this.compact();
    this.schedule();
  }

  /** Writes the message to the journal (fsynced), then sends it as soon as possible. */
  async enqueue(message: { purpose: MessagePurpose; target: OutboxTarget; content: OutboxContent; alertKey?: string; flowId?: string }): Promise<OutboxMessage> {
    if (this.options.readOnly) throw new Error('This outbox was opened read-only.');
    const queued: OutboxMessage = {
      id: `msg-${randomUUID()}`,
      createdAt: this.iso(),
      purpose: message.purpose,
      target: message.target,
      content: message.content,
      ...(message.alertKey === undefined ? {} : { alertKey: message.alertKey }),
      ...(message.flowId === undefined ? {} : { flowId: message.flowId }),
      status: 'pending',
      attempts: [],
    };
    await this.write({ v: 1, queued });
    this.messages.set(queued.id, queued);
    this.options.onChange?.();
    this.schedule();
    return queued;
  }

  get(id: string): OutboxMessage | undefined {
    return this.messages.get(id);
  }

  all(): OutboxMessage[] {
    return [...this.messages.values()];
  }

  /** The message as the API shows it: where it goes in words, its attempts and outcome. */
  delivery(message: OutboxMessage): AlertDelivery {
    const last = message.attempts.at(-1);
    const lastError = [...message.attempts].reverse().find((a) => !a.ok);
    return {
      id: message.id,
      channel: message.target.channel as DeliveryChannel,
      purpose: message.purpose,
      to: describeTarget(message.target),
      subject: message.content.subject,
      createdAt: message.createdAt,
      status: message.status,
      attempts: message.attempts.length,
      ...(last ? { lastAttemptAt: last.at } : {}),
      ...(message.nextAttemptAt && message.status === 'pending' ? { nextAttemptAt: message.nextAttemptAt } : {}),
      ...(message.sentAt ? { sentAt: message.sentAt } : {}),
      ...(lastError && message.status !== 'sent' ? { error: { message: lastError.error ?? 'It could not be sent.', ...(lastError.hint ? { hint: lastError.hint } : {}) } } : {}),
      ...(message.alertKey === undefined ? {} : { alertKey: message.alertKey }),
      ...(message.flowId === undefined ? {} : { flowId: message.flowId }),
    };
  }

  /** Resolves when no attempt is in progress and the journal is written (tests, close). */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
    await this.writes;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    await this.settled();
  }

  /** Sends every message due now; arms the clock for the next one due. */
  private schedule(): void {
    if (this.closed) return;
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    const now = this.options.clock.now();
    let next = Infinity;
    for (const message of this.messages.values()) {
      if (message.status !== 'pending' || this.sending.has(message.id)) continue;
      const due = message.nextAttemptAt ? Date.parse(message.nextAttemptAt) : now;
      if (due <= now) this.attempt(message);
      else next = Math.min(next, due);
    }
    if (next !== Infinity) {
      this.cancelTimer = this.options.clock.setTimer(next - now, () => {
        this.cancelTimer = undefined;
        this.schedule();
      });
    }
  }

  private attempt(message: OutboxMessage): void {
    this.sending.add(message.id);
    const work = (async () => {
      let line: AttemptLine;
      try {
        await this.options.deliver(message);
        line = { id: message.id, at: this.iso(), ok: true, final: 'sent' };
      } catch (error) {
        const failure = error instanceof DeliveryError ? error : new DeliveryError(error instanceof Error ? error.message : String(error), { retryable: true });
        const delay = RETRY_DELAYS_MS[message.attempts.length];
        const retry = failure.retryable && delay !== undefined && !this.closed;
        line = {
          id: message.id,
          at: this.iso(),
          ok: false,
          error: failure.message,
          ...(failure.hint ? { hint: failure.hint } : {}),
          ...(retry ? { next: new Date(this.options.clock.now() + delay).toISOString() } : failure.retryable && this.closed ? {} : { final: 'failed' as const }),
        };
      }
      try {
        await this.write({ v: 1, attempt: line });
      } catch (error) {
        process.emitWarning(`Flowkeeper: an alert delivery could not be recorded in ${this.file}: ${(error as Error).message}`);
      }
      this.apply({ v: 1, attempt: line });
      this.sending.delete(message.id);
      this.options.onChange?.();
      this.schedule();
    })();
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  private apply(line: JournalLine): void {
    if ('queued' in line) {
      this.messages.set(line.queued.id, { ...line.queued, attempts: [...(line.queued.attempts ?? [])] });
      return;
    }
    if ('snapshot' in line) {
      this.messages.set(line.snapshot.id, line.snapshot);
      return;
    }
    const a = line.attempt;
    const message = this.messages.get(a.id);
    if (!message) return;
    message.attempts.push({ at: a.at, ok: a.ok, ...(a.error ? { error: a.error } : {}), ...(a.hint ? { hint: a.hint } : {}) });
    if (a.final === 'sent') {
      message.status = 'sent';
      message.sentAt = a.at;
      delete message.nextAttemptAt;
    } else if (a.final === 'failed') {
      message.status = 'failed';
      delete message.nextAttemptAt;
    } else if (a.next) {
      message.nextAttemptAt = a.next;
    }
  }

  private write(line: JournalLine): Promise<void> {
    const next = this.writes.then(() => appendDurable(this.file, `${JSON.stringify(line)}\n`));
    this.writes = next.catch(() => undefined);
    this.lines++;
    return next;
  }

  /** Keeps every pending message and the newest finished ones, one snapshot line each. */
  private async compact(): Promise<void> {
    const all = [...this.messages.values()].sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    const finished = all.filter((m) => m.status !== 'pending');
    const drop = new Set(finished.slice(0, Math.max(0, finished.length - (this.options.keepFinished ?? KEEP_FINISHED))).map((m) => m.id));
    const kept = all.filter((m) => !drop.has(m.id));
    await replaceDurable(this.file, kept.map((snapshot) => `${JSON.stringify({ v: 1, snapshot })}\n`).join(''));
    for (const id of drop) this.messages.delete(id);
    this.lines = kept.length;
  }

  private iso(): string {
    return new Date(this.options.clock.now()).toISOString();
  }
}

/** Where a message goes, in words a person recognises (a webhook shows only its host: its path may be a secret). */
export function describeTarget(target: OutboxTarget): string {
  if (target.channel === 'email') return target.to.length > 0 ? target.to.join(', ') : 'nobody yet (no address)';
  if (target.channel === 'desktop') return 'the desktop app';
  try {
    return `webhook at ${new URL(target.url).host}`;
  } catch {
    return 'a webhook';
  }
}
