/**
 * A page that shows the inspector as the editor's right-hand panel, for screenshots and manual
 * checks (scripts/inspector-screenshots.ts builds and drives it). The catalogue and the API's
 * preview come from the script (the real node definitions and expression evaluator in Node).
 */
import '../../../../renderer/styles.css';
import { createRoot } from 'react-dom/client';
import { useState } from 'react';
import type { CredentialInfo, NodeTypeInfo } from '../../../../engine/model/contract.ts';
import type { Flow, FlowNode } from '../../../../engine/model/flow.ts';
import type { Problem } from '../../../../engine/model/validate.ts';
import { InspectorApiContext, type InspectorApi } from '../../../../renderer/inspector/inspector-api.ts';
import { Inspector } from '../../../../renderer/inspector/inspector.tsx';

declare global {
  interface Window {
    harnessCatalogue: NodeTypeInfo[];
    harnessPreview(args: unknown): Promise<Awaited<ReturnType<InspectorApi['catalog']['preview']>>>;
  }
}

const credentials: CredentialInfo[] = [
  { id: 'acme-key', type: 'http.header', label: 'Acme accounting key', fields: ['value'], updatedAt: '2026-01-01T00:00:00.000Z' },
  { id: 'acme-token', type: 'http.bearer', label: 'Acme API token', fields: ['token'], updatedAt: '2026-01-01T00:00:00.000Z' },
  { id: 'openai', type: 'llm.api', label: 'OpenAI (team account)', fields: ['apiKey'], updatedAt: '2026-01-01T00:00:00.000Z' },
];

const start: FlowNode = { id: 'start', type: 'trigger.manual', version: 1, name: 'Start', position: { x: 0, y: 0 }, config: { fields: [{ name: 'apiBase', label: 'Accounting API address', type: 'text' }] } };
const fetch: FlowNode = {
  id: 'create-invoice',
  type: 'http.request',
  version: 1,
  name: 'Create the invoice',
  position: { x: 300, y: 0 },
  config: { method: 'POST', url: '{{ $input.apiBase }}/invoices', auth: 'header', authHeaderName: 'X-Api-Key', bodyType: 'json', body: { customer: '{{ customer.id }}', amount: '{{ total }}' }, headers: [{ name: 'Accept', value: 'application/json' }] },
};
const ai: FlowNode = {
  id: 'sort-email',
  type: 'llm.generate',
  version: 1,
  name: 'Sort the e-mail',
  position: { x: 600, y: 0 },
  config: { task: 'classify', provider: 'openai', credential: 'openai', model: 'gpt-4o-mini', prompt: 'Subject: {{ subject }}\n\n{{ body }}', labels: ['billing', 'bug', 'question'] },
};
const flow = { format: 'flowkeeper/flow', formatVersion: 1, id: 'demo', name: 'Demo', description: '', owner: '', version: 3, settings: { concurrency: 4 }, nodes: [start, fetch, ai], edges: [{ source: 'start', sourcePort: 'out', target: 'create-invoice', targetPort: 'in' }, { source: 'create-invoice', sourcePort: 'out', target: 'sort-email', targetPort: 'in' }] } as unknown as Flow;

const scenarios: Record<string, { node: FlowNode; problems: Problem[]; sampleItem: unknown }> = {
  http: {
    node: fetch,
    problems: [{ path: 'nodes[1].config.credential', message: 'Choose which stored credential to sign in with.', severity: 'error', nodeId: 'create-invoice' }],
    sampleItem: { customer: { id: 'C-1042', name: 'Ana Ruiz' }, total: 129.5 },
  },
  ai: { node: ai, problems: [], sampleItem: { subject: 'Invoice 7 charged twice', body: 'Hello, I was charged twice for invoice 7. Can you help?' } },
};

const api: InspectorApi = {
  catalog: { preview: (args) => window.harnessPreview(args) },
  credentials: { set: async (args) => ({ id: args!.id, type: args!.type, label: args!.label ?? '', fields: Object.keys(args!.values), updatedAt: new Date(0).toISOString() }) },
};

function Harness() {
  const scenario = scenarios[location.hash.slice(1)] ?? scenarios.http!;
  const [node, setNode] = useState(scenario.node);
  const nodeType = window.harnessCatalogue.find((t) => t.type === node.type)!;
  return (
    <InspectorApiContext.Provider value={api}>
      <div style={{ display: 'flex', minHeight: '100vh' }}>
        <div style={{ flex: 1, background: 'var(--bg)', borderRight: '1px solid var(--border)', display: 'grid', placeItems: 'center', color: 'var(--text-muted)' }}>canvas</div>
        <aside style={{ width: 380, flex: 'none', background: 'var(--surface)' }}>
          <Inspector flow={flow} node={node} nodeType={nodeType} problems={scenario.problems} credentials={credentials} sampleItem={scenario.sampleItem} onChange={(patch) => setNode((n) => ({ ...n, ...patch }))} />
        </aside>
      </div>
    </InspectorApiContext.Provider>
  );
}

createRoot(document.getElementById('root')!).render(<Harness />);
