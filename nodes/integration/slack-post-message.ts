/**
 * Slack post message (`slack.post-message`): posts one message per item to a channel (or a
 * thread) with Slack's Web API `chat.postMessage`, signed in with a bot token.
 *
 * - One recorded HTTP call per message: replay and resume answer from the trace.
 * - Slack answers 200 with `{ ok: false, error }` for most failures: those become plain errors
 *   (with what to do) on the error port. 429 carries Retry-After: the message was not posted, so
 *   it is retried after the wait. Slack has no idempotency key for chat.postMessage, so a post
 *   cut off by a crash or a 5xx is never repeated on its own: the run asks a person.
 * - The API address is configurable (Slack Enterprise Grid proxies, and tests).
 */
import { z } from 'zod';
import { NodeError, defineNode, field, type HttpResponse, type Item, type NodeContext } from '../../engine/model/index.ts';
import { requiredField } from '../shared/credential-fields.ts';
import { neverReachedServer } from '../shared/never-sent.ts';

const Config = z
  .object({
    credential: field(z.string().min(1).max(200), {
      title: 'Slack bot',
      description: 'The stored Slack bot token (starts with xoxb-). Invite the bot to the channel first. The token stays in the system keychain.',
      widget: 'credential',
    }),
    channel: field(z.string().min(1).max(200), {
      title: 'Channel',
      description: 'The channel id (like C0123456789, from the channel\'s details) or name (like #sales); may use {{ expressions }}.',
      placeholder: '#sales',
    }),
    text: field(z.string().min(1).max(40_000), {
      title: 'Message',
      description: 'The message text; Slack formatting (*bold*, <https://…|links>) works and it may use {{ expressions }}.',
      placeholder: 'New order {{ number }} from {{ customer.name }}',
      widget: 'multiline',
    }),
    threadTs: field(z.string().max(100).optional(), {
      title: 'Reply in thread',
      description: 'The time stamp (ts) of the message to reply to; an earlier Slack step gives it as slack.ts. Left empty: a new message.',
      placeholder: '{{ slack.ts }}',
    }),
    blocks: field(z.unknown().optional(), {
      title: 'Blocks (advanced layout)',
      description: 'A Block Kit layout as JSON (optional); its texts may use {{ expressions }}. The message text is then the notification text.',
      placeholder: '[{"type":"section","text":{"type":"mrkdwn","text":"*{{ title }}*"}}]',
      advanced: true,
    }),
    baseUrl: field(z.string().url().max(500).default('https://slack.com/api'), {
      title: 'Slack API address',
      description: 'Leave as it is unless your company routes Slack through its own address.',
      placeholder: 'https://slack.com/api',
      widget: 'plain',
      advanced: true,
    }),
    timeoutSeconds: field(z.number().min(1).max(120).default(30), {
      title: 'Time limit (seconds)',
      description: 'How long to wait for Slack to answer one message.',
      advanced: true,
    }),
  })
  .strict();
type SlackConfig = z.infer<typeof Config>;

/** Slack error codes with what they mean for an operator. */
const SLACK_ERRORS: Record<string, { message: string; hint: string; retryable?: boolean }> = {
  channel_not_found: { message: 'Slack does not know the channel', hint: 'Check the channel name or id, and that the bot can see it (invite it with /invite @your-bot).' },
  not_in_channel: { message: 'The bot is not a member of the channel', hint: 'Invite the bot to the channel (/invite @your-bot) and run again.' },
  is_archived: { message: 'The channel is archived', hint: 'Choose another channel or unarchive it.' },
  invalid_auth: { message: 'Slack did not accept the bot token', hint: 'Check the token in the Slack bot credential (it starts with xoxb-).' },
  not_authed: { message: 'No bot token reached Slack', hint: 'Check the token in the Slack bot credential.' },
  token_revoked: { message: 'The bot token was revoked', hint: 'Reinstall the Slack app and store its new token in the credential.' },
  token_expired: { message: 'The bot token has expired', hint: 'Store a fresh token in the Slack bot credential.' },
  account_inactive: { message: 'The bot\'s Slack account is deactivated', hint: 'Reinstall the Slack app or ask your Slack admin.' },
  missing_scope: { message: 'The Slack app lacks a permission', hint: 'Add the permission in the Slack app settings (OAuth & Permissions), reinstall the app and store the new token.' },
  msg_too_long: { message: 'The message is too long for Slack', hint: 'Shorten the message (Slack allows about 40,000 characters).' },
  no_text: { message: 'The message is empty', hint: 'Check the message text and the item\'s data.' },
  invalid_blocks: { message: 'Slack did not accept the blocks', hint: 'Check the Block Kit JSON, e.g. in Slack\'s Block Kit Builder.' },
  restricted_action: { message: 'The workspace does not let the bot post there', hint: 'Ask your Slack admin about posting permissions in that channel.' },
  ratelimited: { message: 'Slack is rate-limiting the bot', hint: 'Post fewer messages at once.', retryable: true },
  rate_limited: { message: 'Slack is rate-limiting the bot', hint: 'Post fewer messages at once.', retryable: true },
};

interface SlackAnswer {
  ok?: boolean;
  error?: string;
  needed?: string;
  channel?: string;
  ts?: string;
  warning?: string;
  message?: { thread_ts?: string };
}

export default defineNode({
  type: 'slack.post-message',
  version: 1,
  title: 'Slack message',
  category: 'integration',
  icon: 'message-square',
  description: 'Posts a message to a Slack channel or thread with your Slack bot, one per item.',
  config: Config,
  inputs: ['in'],
  outputs: ['out'],
  effects: 'write',
  credentials: ['slack.bot'],
  // 429 answers pass after Slack's Retry-After; a post that may have gone out is never repeated.
  defaultRetry: { maxAttempts: 3, initialDelayMs: 1000, maxDelayMs: 60_000, multiplier: 2, jitter: true },
  async run({ items, config, ctx }) {
    return ctx.forEachItem(items, async (item, index) => {
      const body = await messageBody(config, ctx, index);
      const secret = await ctx.secret(config.credential);
      const token = requiredField(secret, config.credential, 'token');
      const url = `${config.baseUrl.replace(/\/+$/, '')}/chat.postMessage`;
      let response: HttpResponse;
      try {
        response = await ctx.http(
          { method: 'POST', url, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json; charset=utf-8' }, body: JSON.stringify(body), timeoutMs: config.timeoutSeconds * 1000 },
          { itemIndex: index },
        );
      } catch (error) {
        if (error instanceof NodeError && error.retryable && !neverReachedServer(error)) throw mayHavePosted(error.message, body.channel);
        throw error;
      }
      const answer = toAnswer(response, body.channel);
      return { ...item, slack: { channel: answer.channel ?? body.channel, ts: answer.ts ?? '', threadTs: answer.message?.thread_ts ?? body.thread_ts ?? answer.ts ?? '' } } as Item;
    });
  },
});

async function messageBody(config: SlackConfig, ctx: NodeContext, index: number): Promise<{ channel: string; text: string; blocks?: unknown; thread_ts?: string }> {
  const channel = String(await ctx.evaluate(config.channel, index)).trim();
  if (channel === '') throw new NodeError({ message: 'The channel came out empty for this item.', code: 'CONFIG', retryable: false, field: 'channel', hint: 'Check "Channel" and the item\'s data.' });
  const text = stringOf(await ctx.evaluate(config.text, index));
  const body: { channel: string; text: string; blocks?: unknown; thread_ts?: string } = { channel, text };
  if (config.blocks !== undefined) {
    const blocks = await ctx.evaluate(config.blocks, index);
    body.blocks = typeof blocks === 'string' ? parseBlocks(blocks) : blocks;
  }
  if (config.threadTs !== undefined) {
    const ts = stringOf(await ctx.evaluate(config.threadTs, index)).trim();
    if (ts !== '') body.thread_ts = ts;
  }
  return body;
}

function parseBlocks(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new NodeError({ message: 'The blocks are not valid JSON.', code: 'CONFIG', retryable: false, field: 'blocks', hint: 'Check the Block Kit JSON, e.g. in Slack\'s Block Kit Builder.' });
  }
}

function stringOf(value: unknown): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
}

function toAnswer(response: HttpResponse, channel: string): SlackAnswer {
  if (response.status === 429) {
    const seconds = Number(response.headers['retry-after']);
    // Not posted: Slack refused before doing anything, so trying again after the wait is safe.
    throw new NodeError({
      message: `Slack is rate-limiting the bot${Number.isFinite(seconds) ? ` and asks to wait ${seconds} seconds` : ''}.`,
      code: 'HTTP_STATUS',
      status: 429,
      retryable: true,
      hint: 'Post fewer messages at once; retries wait as long as Slack asks.',
      ...(Number.isFinite(seconds) ? { retryAfterMs: Math.max(0, seconds * 1000) } : {}),
    });
  }
  if (response.status >= 500) throw mayHavePosted(`Slack answered ${response.status} ${response.statusText}.`, channel);
  let answer: SlackAnswer;
  try {
    answer = JSON.parse(response.body) as SlackAnswer;
  } catch {
    throw new NodeError({ message: `Slack answered ${response.status} with something that is not its usual JSON.`, code: 'BAD_RESPONSE', retryable: false, hint: 'Check "Slack API address": it should end in /api.' });
  }
  if (answer.ok === true) return answer;
  const code = answer.error ?? `http_${response.status}`;
  const known = SLACK_ERRORS[code];
  const needed = code === 'missing_scope' && answer.needed ? ` (it needs "${answer.needed}")` : '';
  throw new NodeError({
    message: known ? `${known.message}${needed}: Slack said "${code}" for ${channel}.` : `Slack did not post the message to ${channel}: "${code}".`,
    code: 'SLACK_ERROR',
    retryable: known?.retryable ?? false,
    status: response.status,
    hint: known?.hint ?? 'Look the error up in Slack\'s chat.postMessage documentation.',
    details: { slackError: code, ...(answer.needed ? { needed: answer.needed } : {}) },
  });
}

function mayHavePosted(what: string, channel: string): NodeError {
  return new NodeError({
    message: `${what} The message to ${channel} may or may not have been posted, so Flowkeeper did not post it again.`,
    code: 'SLACK_UNCERTAIN',
    retryable: false,
    hint: 'Look in the Slack channel: if the message is missing, run the item again.',
    details: { unsafeToRepeat: true },
  });
}
