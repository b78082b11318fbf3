/**
 * An OpenAI-compatible chat-completions server on 127.0.0.1 for tests: scripted answers, plain
 * JSON or SSE streaming (chosen by the request's `stream`), usage and an `x-request-id` on every
 * answer, and the faults real providers produce (429 with Retry-After, 5xx, a reset connection,
 * a request that never answers, a stream cut short, empty choices, a body that is not JSON).
 *
 * Answers come from a queue (`script(...)`), then from the `fallback` function. Every request is
 * recorded with its parsed body and headers, so tests can assert what the SDK really sent.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface ChatMessage {
  role: string;
  content: string;
}

export interface ChatRequestBody {
  model: string;
  messages: ChatMessage[];
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  response_format?: { type: string; json_schema?: { name: string; schema: Record<string, unknown>; strict?: boolean } };
  temperature?: number;
  max_tokens?: number;
  max_completion_tokens?: number;
  seed?: number;
  [key: string]: unknown;
}

export interface ReceivedChatRequest {
  method: string;
  /** Path and query as received, e.g. `/v1/chat/completions`. */
  url: string;
  headers: IncomingMessage['headers'];
  body: ChatRequestBody;
  /** The `x-request-id` this request was (or would have been) answered with. */
  requestId: string;
}

export type Reply =
  /** A normal answer; streamed when the request asked for a stream. */
  | { kind: 'answer'; content: string | null; finishReason?: string; promptTokens?: number; completionTokens?: number; model?: string; refusal?: string }
  /** An HTTP error status with an OpenAI-style error body; `headers` e.g. `{ 'retry-after-ms': '10' }`. */
  | { kind: 'status'; status: number; message?: string; headers?: Record<string, string> }
  /** The connection is destroyed before any answer. */
  | { kind: 'reset' }
  /** The request is accepted and never answered. */
  | { kind: 'hang' }
  /** A stream that sends `content` in pieces and then ends (`end`) or is reset (`reset`) before finishing. */
  | { kind: 'truncated-stream'; content: string; how?: 'end' | 'reset' }
  /** A stream that sends its first piece and then stalls forever. */
  | { kind: 'stalled-stream'; content: string }
  /** 200 with `choices: []`. */
  | { kind: 'empty-choices' }
  /** 200 with a body that is not a chat completion (e.g. an HTML error page from a proxy). */
  | { kind: 'raw'; status?: number; contentType: string; body: string };

export interface OpenAiTestServer {
  /** e.g. `http://127.0.0.1:41234/v1`: what a client uses as its base URL. */
  baseUrl: string;
  /** e.g. `http://127.0.0.1:41234`: for Azure-style endpoints. */
  origin: string;
  requests: ReceivedChatRequest[];
  /** Queues replies, used in order by the next requests. */
  script(...replies: Reply[]): void;
  /** Used when the queue is empty. Default: an error saying no reply was scripted. */
  fallback: (request: ReceivedChatRequest, index: number) => Reply;
  /** How many requests were still waiting (hang) or streaming when asked. */
  readonly open: number;
  /** Forgets received requests and queued replies, and restores the default fallback. */
  reset(): void;
  close(): Promise<void>;
}

/** Tokens as a server would count them, roughly: one per four characters, at least one. */
export function roughTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

export async function startOpenAiServer(): Promise<OpenAiTestServer> {
  const queue: Reply[] = [];
  const requests: ReceivedChatRequest[] = [];
  const sockets = new Set<Socket>();
  const pending = new Set<ServerResponse>();

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0]!;
      if (req.method !== 'POST' || !path.endsWith('/chat/completions')) {
        sendJson(res, 404, { error: { message: `No route ${req.method} ${path}`, type: 'invalid_request_error' } }, {});
        return;
      }
      let body: ChatRequestBody;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ChatRequestBody;
      } catch {
        sendJson(res, 400, { error: { message: 'Body is not JSON', type: 'invalid_request_error' } }, {});
        return;
      }
      const index = requests.length;
      const received: ReceivedChatRequest = { method: req.method, url: req.url ?? '/', headers: req.headers, body, requestId: `req_test_${String(index + 1).padStart(4, '0')}` };
      requests.push(received);
      const reply = queue.shift() ?? api.fallback(received, index);
      pending.add(res);
      res.on('close', () => pending.delete(res));
      respond(reply, received, req, res);
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;

  const api: OpenAiTestServer = {
    baseUrl: `${origin}/v1`,
    origin,
    requests,
    script: (...replies) => void queue.push(...replies),
    fallback: noReply,
    get open() {
      return pending.size;
    },
    reset() {
      requests.length = 0;
      queue.length = 0;
      api.fallback = noReply;
      for (const res of pending) res.destroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  return api;
}

const noReply = (): Reply => ({ kind: 'status', status: 500, message: 'The test server has no scripted reply left for this request.', headers: { 'x-should-retry': 'false' } });

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string>): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

function respond(reply: Reply, request: ReceivedChatRequest, req: IncomingMessage, res: ServerResponse): void {
  const { body, requestId } = request;
  const idHeader = { 'x-request-id': requestId };
  switch (reply.kind) {
    case 'status':
      sendJson(res, reply.status, { error: { message: reply.message ?? `Scripted status ${reply.status}`, type: reply.status === 429 ? 'rate_limit_exceeded' : 'server_error', code: null } }, { ...idHeader, ...reply.headers });
      return;
    case 'reset':
      req.socket.destroy();
      return;
    case 'hang':
      return;
    case 'raw':
      res.writeHead(reply.status ?? 200, { 'content-type': reply.contentType, ...idHeader });
      res.end(reply.body);
      return;
    case 'empty-choices':
      if (body.stream) {
        startStream(res, idHeader);
        writeChunk(res, { id: `chatcmpl-${requestId}`, object: 'chat.completion.chunk', created: 1_700_000_000, model: body.model, choices: [], usage: usage(body, 0) });
        res.end('data: [DONE]\n\n');
        return;
      }
      sendJson(res, 200, { id: `chatcmpl-${requestId}`, object: 'chat.completion', created: 1_700_000_000, model: body.model, choices: [], usage: usage(body, 0) }, idHeader);
      return;
    case 'truncated-stream':
    case 'stalled-stream': {
      startStream(res, idHeader);
      const pieces = split(reply.content);
      const first = reply.kind === 'stalled-stream' ? pieces.slice(0, 1) : pieces;
      writeChunk(res, chunk(requestId, body.model, { role: 'assistant', content: '' }, null));
      for (const piece of first) writeChunk(res, chunk(requestId, body.model, { content: piece }, null));
      if (reply.kind === 'stalled-stream') return;
      if (reply.how === 'reset') setTimeout(() => req.socket.destroy(), 5);
      else res.end();
      return;
    }
    case 'answer': {
      const model = reply.model ?? body.model;
      const completionTokens = reply.completionTokens ?? roughTokens(reply.content ?? '');
      const tokens = usage(body, completionTokens, reply.promptTokens);
      const finishReason = reply.finishReason ?? 'stop';
      if (!body.stream) {
        const message = { role: 'assistant', content: reply.content, refusal: reply.refusal ?? null };
        sendJson(res, 200, { id: `chatcmpl-${requestId}`, object: 'chat.completion', created: 1_700_000_000, model, choices: [{ index: 0, message, finish_reason: finishReason, logprobs: null }], usage: tokens }, idHeader);
        return;
      }
      startStream(res, idHeader);
      writeChunk(res, chunk(requestId, model, { role: 'assistant', content: '' }, null));
      if (reply.refusal !== undefined) writeChunk(res, chunk(requestId, model, { refusal: reply.refusal }, null));
      for (const piece of split(reply.content ?? '')) writeChunk(res, chunk(requestId, model, { content: piece }, null));
      writeChunk(res, chunk(requestId, model, {}, finishReason));
      if (body.stream_options?.include_usage) writeChunk(res, { id: `chatcmpl-${requestId}`, object: 'chat.completion.chunk', created: 1_700_000_000, model, choices: [], usage: tokens });
      res.end('data: [DONE]\n\n');
      return;
    }
  }
}

function usage(body: ChatRequestBody, completionTokens: number, promptTokens?: number) {
  const prompt = promptTokens ?? roughTokens(body.messages.map((m) => m.content).join('\n'));
  return { prompt_tokens: prompt, completion_tokens: completionTokens, total_tokens: prompt + completionTokens };
}

function startStream(res: ServerResponse, headers: Record<string, string>): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', ...headers });
  res.flushHeaders();
}

function chunk(requestId: string, model: string, delta: Record<string, unknown>, finishReason: string | null) {
  return { id: `chatcmpl-${requestId}`, object: 'chat.completion.chunk', created: 1_700_000_000, model, choices: [{ index: 0, delta, finish_reason: finishReason, logprobs: null }] };
}

function writeChunk(res: ServerResponse, value: unknown): void {
  res.write(`data: ${JSON.stringify(value)}\n\n`);
}

/** Splits text into three pieces (or fewer), so a stream really arrives in parts. */
function split(text: string): string[] {
  if (text.length < 3) return text === '' ? [] : [text];
  const third = Math.ceil(text.length / 3);
  return [text.slice(0, third), text.slice(third, 2 * third), text.slice(2 * third)];
}
