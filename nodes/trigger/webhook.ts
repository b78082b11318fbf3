/**
 * On a webhook: while the flow is switched on, an HTTP request to this computer starts it. The
 * intake (engine/triggers/webhook-intake.ts) checks auth, signature, size and the concurrency cap
 * before anything is recorded; a good request is emitted and answered 202 with the run id only
 * once the run's start is on disk — or, when "Answer with" is the flow's result, once the run has
 * finished (200 with the outputs, 500 if it failed). A sender that gets no 2xx may send again;
 * a sender that names its delivery (e.g. an X-Delivery-Id header) is never started twice for it.
 */
import { z } from 'zod';
import { defineNode, field, type Item, type TriggerContext, type TriggerEmit, type WebhookRequest, type WebhookRoute } from '../../engine/model/index.ts';

const Config = z
  .object({
    port: field(z.number().int().min(0).max(65535).default(7700), { title: 'Port', description: 'Which port of this computer listens, e.g. 7700. Flows may share a port with different paths.' }),
    path: field(
      z
        .string()
        .max(200)
        .regex(/^\/[A-Za-z0-9/_.-]*$/, 'A path starts with "/" and uses letters, digits, "/", "_", "." or "-", e.g. /hooks/orders.')
        .default('/hooks/new'),
      { title: 'Path', description: 'The address part after the port, e.g. /hooks/orders → http://this-computer:7700/hooks/orders.', placeholder: '/hooks/orders', widget: 'plain' },
    ),
    method: field(z.enum(['POST', 'PUT', 'GET']).default('POST'), { title: 'Method', description: 'The HTTP method senders use; usually POST.', optionLabels: { POST: 'POST (send data)', PUT: 'PUT (replace data)', GET: 'GET (just a ping)' } }),
    host: field(z.string().max(100).default('127.0.0.1'), {
      title: 'Listen on',
      description: '127.0.0.1 accepts requests from this computer only; 0.0.0.0 from the network (use auth then).',
      widget: 'plain',
      advanced: true,
    }),
    auth: field(z.enum(['none', 'bearer', 'header']).default('none'), {
      title: 'Who may call',
      description: 'Anyone who can reach the port, a sender with the bearer token, or a sender with a shared secret in a header.',
      optionLabels: { none: 'Anyone', bearer: 'Bearer token', header: 'Shared secret in a header' },
    }),
    authHeader: field(z.string().max(100).default('X-Webhook-Secret'), { title: 'Secret header', description: 'The header carrying the shared secret.', showWhen: { field: 'auth', is: ['header'] }, widget: 'plain' }),
    credential: field(z.string().max(100).optional(), {
      title: 'Credential',
      description: 'Holds the bearer token ("token") or the shared secret ("value"), and the signing secret ("signingSecret") when signatures are checked.',
      widget: 'credential',
    }),
    signatureHeader: field(z.string().max(100).optional(), {
      title: 'Signature header',
      description: 'Check an HMAC signature of the body in this header (e.g. X-Hub-Signature-256); empty: no check.',
      placeholder: 'X-Hub-Signature-256',
      widget: 'plain',
      advanced: true,
    }),
    signatureAlgorithm: field(z.enum(['sha256', 'sha1', 'sha512']).default('sha256'), { title: 'Signature algorithm', description: 'The hash the sender signs with.', optionLabels: { sha256: 'SHA-256', sha1: 'SHA-1 (older senders)', sha512: 'SHA-512' }, advanced: true }),
    signaturePrefix: field(z.string().max(20).default(''), { title: 'Signature prefix', description: 'Text before the hex signature, e.g. "sha256=".', widget: 'plain', advanced: true }),
    deliveryIdHeader: field(z.string().max(100).optional(), {
      title: 'Delivery id header',
      description: 'A header naming each delivery (e.g. X-GitHub-Delivery): a delivery sent twice starts one run.',
      widget: 'plain',
      advanced: true,
    }),
    respondWith: field(z.enum(['accepted', 'result']).default('accepted'), {
      title: 'Answer with',
      description: '"Accepted" answers 202 with the run id as soon as the request is safely recorded; "The flow\'s result" waits for the run and answers with its outputs.',
      optionLabels: { accepted: 'Accepted (run id)', result: "The flow's result" },
    }),
    maxBodyKb: field(z.number().int().min(1).max(100 * 1024).default(1024), { title: 'Largest body (KB)', description: 'Larger requests are refused with 413.', advanced: true }),
    maxConcurrent: field(z.number().int().min(1).max(10_000).default(200), { title: 'Requests at once', description: 'More at the same time are answered 429 "try again shortly".', advanced: true }),
  })
  .strict();
type WebhookConfig = z.infer<typeof Config>;

function parseBody(request: WebhookRequest): unknown {
  const type = request.headers['content-type'] ?? '';
  if (request.body === '') return {};
  if (type.includes('json')) {
    try {
      return JSON.parse(request.body) as unknown;
    } catch {
      return undefined;
    }
  }
  if (type.includes('x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(request.body));
  return request.body;
}

async function subscribe(ctx: TriggerContext<WebhookConfig>, emit: TriggerEmit) {
  const { config } = ctx;
  const secret = config.credential === undefined ? {} : await ctx.secret(config.credential);
  const need = (name: string, why: string) => {
    const value = secret[name];
    if (!value) throw new Error(`The credential "${config.credential ?? '(none chosen)'}" has no "${name}" field, which ${why} needs. Add it under Credentials.`);
    return value;
  };
  const route: WebhookRoute = {
    port: config.port,
    host: config.host,
    path: config.path,
    method: config.method,
    maxBodyBytes: config.maxBodyKb * 1024,
    maxConcurrent: config.maxConcurrent,
    ...(config.auth === 'bearer' ? { auth: { kind: 'bearer' as const, token: need('token', 'a bearer token check') } } : {}),
    ...(config.auth === 'header' ? { auth: { kind: 'header' as const, name: config.authHeader, value: need('value', 'a shared-secret check') } } : {}),
    ...(config.signatureHeader ? { signature: { header: config.signatureHeader, secret: need('signingSecret', 'the signature check'), algorithm: config.signatureAlgorithm, prefix: config.signaturePrefix } } : {}),
  };
  await ctx.listen(route, async (request) => {
    const body = parseBody(request);
    if (body === undefined) return { status: 400, body: { error: 'The body is not valid JSON.' } };
    const item: Item = { body, query: request.query, headers: request.headers, method: request.method, path: request.path };
    const delivery = config.deliveryIdHeader ? request.headers[config.deliveryIdHeader.toLowerCase()] : undefined;
    const { runId, duplicate } = await emit([item], { ...(delivery ? { dedupeKey: `delivery:${delivery}` } : {}), ...(config.respondWith === 'accepted' ? {} : { awaitResult: true }) });
    if (config.respondWith === 'accepted') return { status: 202, body: { runId, ...(duplicate ? { duplicate: true } : {}) } };
    let result: { status: string; outputs: Record<string, unknown> };
    try {
      result = await ctx.runResult(runId);
    } catch (error) {
      // The event is taken (durable); only its result cannot be shown. Sending again would be a duplicate.
      return { status: 500, body: { runId, error: `The run was started but its result cannot be read: ${(error as Error).message}` } };
    }
    return { status: result.status === 'succeeded' ? 200 : 500, body: { runId, status: result.status, outputs: result.outputs } };
  });
  ctx.log.info(`Listening on http://${config.host}:${config.port}${config.path}`);
  // The host unmounts the route; nothing else to stop.
  return () => undefined;
}

export default defineNode({
  type: 'trigger.webhook',
  version: 1,
  title: 'On a webhook',
  category: 'trigger',
  icon: 'webhook',
  description: 'Starts the flow when another system sends an HTTP request to this computer, while the flow is switched on.',
  config: Config,
  inputs: [],
  outputs: ['out'],
  effects: 'pure',
  trigger: true,
  credentials: ['webhook.secret'],
  subscribe,
  // The request ({ body, query, headers, method, path }) is the run input; it passes through.
  async run({ items }) {
    return { out: items };
  },
});
