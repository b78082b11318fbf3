/** Shared set-up for the demo-mode tests: the order flow, its shop server, a keychain that refuses. */
import type { FlowkeeperApi, KeychainBackend } from '../../../engine/index.ts';
import { json, startServer, type TestServer } from '../../helpers/http-server.ts';
import { runToEnd as runUntilEnd } from '../../helpers/run-to-end.ts';

export const TOKEN = 'tok-demo-7f3e2d1c0b9a';
export const AI_KEY = 'sk-demo-secret-5151';

/** A keychain stand-in for "no Secret Service": every access throws, and is counted. */
export class ThrowingKeychain implements KeychainBackend {
  calls = 0;
  private refuse(): never {
    this.calls++;
    throw new Error('The Secret Service is not available (test stand-in).');
  }
  getPassword(): Promise<string | null> {
    return Promise.resolve().then(() => this.refuse());
  }
  setPassword(): Promise<void> {
    return Promise.resolve().then(() => this.refuse());
  }
  deletePassword(): Promise<boolean> {
    return Promise.resolve().then(() => this.refuse());
  }
}

/** Order lookup: fetch the order (bearer), then the AI step writes a reply about it. */
export const orderFlow = (shopUrl: string, aiUrl: string) => ({
  format: 'flowkeeper/flow',
  formatVersion: 1,
  id: 'order-reply',
  name: 'Order reply',
  nodes: [
    { id: 'start', type: 'trigger.manual' },
    { id: 'fetch', type: 'http.request', name: 'Fetch order', config: { url: `${shopUrl}/orders/{{ orderId }}`, auth: 'bearer', credential: 'shop-api' } },
    { id: 'reply', type: 'llm.generate', name: 'Write reply', config: { provider: 'custom', baseUrl: aiUrl, credential: 'ai-key', model: 'gpt-4o-mini', prompt: 'Write to {{ body.customer }} about order {{ body.id }}.', timeoutSeconds: 5, maxRetries: 0 } },
  ],
  edges: [
    { source: 'start', target: 'fetch' },
    { source: 'fetch', target: 'reply' },
  ],
});

export function startShop(): Promise<TestServer> {
  return startServer((req, res) => {
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return json(res, 401, { error: 'who are you?' });
    const id = req.url.split('/').pop();
    json(res, 200, { id, customer: id === 'A-1' ? 'Ada' : 'Ben', total: 42 });
  });
}

export function runToEnd(api: FlowkeeperApi, start: Parameters<FlowkeeperApi['runs']['start']>[0]): Promise<string> {
  return runUntilEnd(api, () => api.runs.start(start));
}

