/**
 * A small local "accounting + CRM" API the example flows run against, so they work offline.
 *
 *   npx tsx examples/demo-api/server.ts [--port 4010]
 *
 * GET  /invoices?status=open     open invoices (with lines)
 * POST /approvals                approve an invoice (honours Idempotency-Key: a repeat is not applied twice)
 * POST /flags                    flag an invoice for a person to look at
 * GET  /leads                    new sales leads
 * POST /crm/contacts             create a contact (Idempotency-Key honoured)
 * POST /chat/messages            post a message to a team channel
 * GET  /stats                    what the server received (for tests and demos)
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface DemoApi {
  url: string;
  stats: { approvals: unknown[]; flags: unknown[]; contacts: unknown[]; messages: unknown[]; duplicatesIgnored: number; requests: number };
  close(): Promise<void>;
}

const invoices = [
  { id: 'INV-1001', vendor: 'Paper & Co', amount: 180.5, currency: 'EUR', status: 'open', dueDate: '2026-12-01', lines: [{ sku: 'A4-500', qty: 10, price: 18.05 }] },
  { id: 'INV-1002', vendor: 'CloudHost Ltd', amount: 2450, currency: 'EUR', status: 'open', dueDate: '2026-11-28', lines: [{ sku: 'VM-L', qty: 5, price: 490 }] },
  { id: 'INV-1003', vendor: 'Unknown Vendor GmbH', amount: 9800, currency: 'EUR', status: 'open', dueDate: '2026-11-25', lines: [{ sku: 'CONSULT', qty: 14, price: 700 }] },
  { id: 'INV-1004', vendor: 'Coffee Supplies', amount: 64.2, currency: 'EUR', status: 'open', dueDate: '2026-12-10', lines: [{ sku: 'BEANS-1KG', qty: 3, price: 21.4 }] },
];

const leads = [
  { email: 'ana@bigcorp.example', company: 'BigCorp', employees: 1200, country: 'DE', message: 'We need SSO and an SLA.' },
  { email: 'tom@smallshop.example', company: 'Small Shop', employees: 4, country: 'NL', message: 'How much is it?' },
  { email: 'li@midsize.example', company: 'Midsize AG', employees: 150, country: 'CH', message: 'Can we get a demo next week?' },
];

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function readBody(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      try {
        resolve(text ? JSON.parse(text) : {});
      } catch {
        resolve({ raw: text });
      }
    });
  });
}

export async function startDemoApi(port = 0): Promise<DemoApi> {
  const stats: DemoApi['stats'] = { approvals: [], flags: [], contacts: [], messages: [], duplicatesIgnored: 0, requests: 0 };
  const seenKeys = new Map<string, unknown>();
  const server = createServer((req, res) => {
    stats.requests++;
    const url = new URL(req.url ?? '/', 'http://localhost');
    void (async () => {
      const key = req.headers['idempotency-key'];
      if (req.method === 'POST' && typeof key === 'string' && seenKeys.has(key)) {
        stats.duplicatesIgnored++;
        return send(res, 200, seenKeys.get(key));
      }
      let answer: [number, unknown];
      if (req.method === 'GET' && url.pathname === '/invoices') {
        const status = url.searchParams.get('status');
        answer = [200, invoices.filter((i) => !status || i.status === status)];
      } else if (req.method === 'POST' && url.pathname === '/approvals') {
        const body = await readBody(req);
        stats.approvals.push(body);
        answer = [201, { approved: true, invoiceId: (body as { invoiceId?: string }).invoiceId, approvalId: `APR-${stats.approvals.length}` }];
      } else if (req.method === 'POST' && url.pathname === '/flags') {
        const body = await readBody(req);
        stats.flags.push(body);
        answer = [201, { flagged: true, invoiceId: (body as { invoiceId?: string }).invoiceId }];
      } else if (req.method === 'GET' && url.pathname === '/leads') {
        answer = [200, leads];
      } else if (req.method === 'POST' && url.pathname === '/crm/contacts') {
        const body = await readBody(req);
        stats.contacts.push(body);
        answer = [201, { contactId: `C-${stats.contacts.length}`, ...(body as object) }];
      } else if (req.method === 'POST' && url.pathname === '/chat/messages') {
        const body = await readBody(req);
        stats.messages.push(body);
        answer = [201, { ok: true }];
      } else if (req.method === 'GET' && url.pathname === '/stats') {
        answer = [200, stats];
      } else {
        answer = [404, { error: `No route ${req.method} ${url.pathname}` }];
      }
      if (typeof key === 'string' && answer[0] < 300) seenKeys.set(key, answer[1]);
      send(res, answer[0], answer[1]);
    })();
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const actual = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${actual}`,
    stats,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const flag = process.argv.indexOf('--port');
  const port = flag >= 0 ? Number(process.argv[flag + 1]) : 4010;
  const api = await startDemoApi(port);
  process.stdout.write(`Demo API listening on ${api.url} (Ctrl-C to stop)\n`);
}
