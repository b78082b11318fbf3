/**
 * Shared set-up for the inspector's component tests: the real catalogue entries of the built-in
 * nodes (as `catalog.list` describes them) and an inspector API whose preview is the engine's
 * own (node preview hooks over the real expression evaluator), recording every call.
 */
import { render } from '@testing-library/react';
import type { ReactElement } from 'react';
import { describeNodeType } from '../../../engine/index.ts';
import { evaluateDeep } from '../../../engine/expressions.ts';
import type { CredentialInfo, NodeTypeInfo } from '../../../engine/model/contract.ts';
import type { Flow, FlowNode } from '../../../engine/model/flow.ts';
import { builtinNodes } from '../../../nodes/index.ts';
import { InspectorApiContext, type InspectorApi } from '../../../renderer/inspector/inspector-api.ts';
import { Inspector, type InspectorProps } from '../../../renderer/inspector/inspector.tsx';

export const catalogue: NodeTypeInfo[] = builtinNodes.map(describeNodeType);

export function typeInfo(type: string): NodeTypeInfo {
  const info = catalogue.find((t) => t.type === type);
  if (!info) throw new Error(`no node type ${type}`);
  return info;
}

export interface RecordingApi extends InspectorApi {
  previews: Array<{ type: string; config: Record<string, unknown>; item: unknown }>;
  saved: Array<{ id: string; type: string; label: string; values: Record<string, string> }>;
}

export function recordingApi(): RecordingApi {
  const api: RecordingApi = {
    previews: [],
    saved: [],
    catalog: {
      async preview(args) {
        const { type, config, item = {} } = args!;
        api.previews.push({ type, config, item });
        const def = builtinNodes.find((d) => d.type === type)!;
        if (!def.preview) return { available: false, problems: [] };
        const parsed = def.config.safeParse(config);
        if (!parsed.success) return { available: true, problems: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message, severity: 'error' as const })) };
        const preview = await def.preview({ config: parsed.data, item, evaluate: (value) => evaluateDeep(value, { item, bindings: { input: item, nodes: {} } }) });
        return { available: true, preview: preview as never, problems: [] };
      },
    },
    credentials: {
      async set(args) {
        const { id, type, label = '', values } = args!;
        api.saved.push({ id, type, label, values });
        return { id, type, label, fields: Object.keys(values), updatedAt: '2026-01-01T00:00:00.000Z' };
      },
    },
  };
  return api;
}

export function flowWith(nodes: FlowNode[], edges: Flow['edges'] = []): Flow {
  return { format: 'flowkeeper/flow', formatVersion: 1, id: 'test-flow', name: 'Test flow', description: '', owner: '', version: 1, settings: { concurrency: 4 }, nodes, edges } as unknown as Flow;
}

export function node(id: string, type: string, config: Record<string, unknown>, name?: string): FlowNode {
  return { id, type, version: 1, position: { x: 0, y: 0 }, config, ...(name ? { name } : {}) };
}

export const credentials: CredentialInfo[] = [
  { id: 'acme-token', type: 'http.bearer', label: 'Acme API token', fields: ['token'], updatedAt: '2026-01-01T00:00:00.000Z' },
  { id: 'acme-basic', type: 'http.basic', label: 'Acme login', fields: ['username', 'password'], updatedAt: '2026-01-01T00:00:00.000Z' },
  { id: 'openai-key', type: 'llm.api', label: 'OpenAI key', fields: ['apiKey'], updatedAt: '2026-01-01T00:00:00.000Z' },
];

export function renderInspector(props: Partial<InspectorProps> & Pick<InspectorProps, 'node'>, api: InspectorApi = recordingApi()) {
  const calls: Array<Parameters<InspectorProps['onChange']>[0]> = [];
  const full: InspectorProps = {
    flow: props.flow ?? flowWith([props.node]),
    nodeType: props.nodeType ?? typeInfo(props.node.type),
    problems: [],
    credentials,
    onChange: (patch) => calls.push(patch),
    ...props,
  };
  const element: ReactElement = (
    <InspectorApiContext.Provider value={api}>
      <Inspector {...full} />
    </InspectorApiContext.Provider>
  );
  const result = render(element);
  return { ...result, calls, props: full, rerenderWith: (next: Partial<InspectorProps>) => result.rerender(<InspectorApiContext.Provider value={api}><Inspector {...full} {...next} /></InspectorApiContext.Provider>) };
}
