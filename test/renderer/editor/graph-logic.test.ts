import { describe, expect, it } from 'vitest';
import type { NodeTypeInfo } from '../../../engine/model/contract.ts';
import { FlowSchema, type Flow } from '../../../engine/model/flow.ts';
import { configSummary, connectionProblem, copySelection, defaultConfig, makesCycle, outputPorts, parseClipboard, remapPaste, uniqueNodeId } from '../../../renderer/editor/graph-logic.ts';

function info(type: string, inputs: string[], outputs: string[], extra: Partial<NodeTypeInfo> = {}): NodeTypeInfo {
  return { type, version: 1, title: type, category: 'x', icon: 'x', description: '', inputs, outputs, dynamicOutputs: false, effects: 'pure', trigger: inputs.length === 0, credentials: [], configSchema: {}, ...extra };
}
const catalog = new Map([
  ['trigger.manual', info('trigger.manual', [], ['out', 'error'])],
  ['http.request', info('http.request', ['in'], ['out', 'error'])],
  ['flow.switch', info('flow.switch', ['in'], ['error'], { dynamicOutputs: true })],
]);
const flow: Flow = FlowSchema.parse({
  format: 'flowkeeper/flow',
  formatVersion: 1,
  id: 'f',
  name: 'F',
  nodes: [
    { id: 'start', type: 'trigger.manual' },
    { id: 'fetch', type: 'http.request', config: { url: 'http://x/a', method: 'POST' } },
    { id: 'fetch-2', type: 'http.request' },
    { id: 'route', type: 'flow.switch', config: { rules: [{ port: 'big', condition: 'x' }], fallback: true } },
  ],
  edges: [
    { source: 'start', target: 'fetch' },
    { source: 'fetch', target: 'fetch-2' },
  ],
});

describe('editing rules', () => {
  it('gives readable unique ids', () => {
    expect(uniqueNodeId('http.request', new Set())).toBe('http-request');
    expect(uniqueNodeId('http.request', new Set(['http-request', 'http-request-2']))).toBe('http-request-3');
    expect(uniqueNodeId('2fa', new Set())).toBe('step-2fa');
  });

  it('takes defaults from the config schema', () => {
    expect(defaultConfig(info('t', ['in'], ['out'], { configSchema: { properties: { method: { default: 'GET' }, url: { type: 'string' } } } }))).toEqual({ method: 'GET' });
  });

  it('derives a switch’s ports from its rules and always shows error', () => {
    expect(outputPorts(catalog.get('flow.switch'), flow.nodes[3]!, flow.edges)).toEqual(['big', 'fallback', 'error']);
    expect(outputPorts(catalog.get('http.request'), flow.nodes[1]!, flow.edges)).toEqual(['out', 'error']);
  });

  it('refuses missing ports, triggers as targets, duplicates and loops, with a reason', () => {
    expect(connectionProblem(flow, catalog, { source: 'fetch', sourcePort: 'nope', target: 'route', targetPort: 'in' })).toMatch(/no output called “nope”/);
    expect(connectionProblem(flow, catalog, { source: 'fetch', sourcePort: 'out', target: 'start', targetPort: 'in' })).toMatch(/starts a flow/);
    expect(connectionProblem(flow, catalog, { source: 'fetch', sourcePort: 'out', target: 'route', targetPort: 'other' })).toMatch(/no input called “other”/);
    expect(connectionProblem(flow, catalog, { source: 'start', sourcePort: 'out', target: 'fetch', targetPort: 'in' })).toMatch(/already connected/);
    expect(connectionProblem(flow, catalog, { source: 'fetch-2', sourcePort: 'out', target: 'fetch', targetPort: 'in' })).toMatch(/loop/);
    expect(connectionProblem(flow, catalog, { source: 'fetch-2', sourcePort: 'error', target: 'route', targetPort: 'in' })).toBeUndefined();
    expect(makesCycle([{ source: 'a', target: 'b' }], 'b', 'a')).toBe(true);
    expect(makesCycle([{ source: 'a', target: 'b' }], 'a', 'c')).toBe(false);
  });

  it('copies and pastes with new ids and the edges between the copied nodes', () => {
    const clip = parseClipboard(JSON.stringify(copySelection(flow, new Set(['fetch', 'fetch-2']))))!;
    expect(clip.edges).toHaveLength(1);
    const pasted = remapPaste(clip, new Set(flow.nodes.map((n) => n.id)), { x: 40, y: 40 });
    expect(pasted.nodes.map((n) => n.id)).toEqual(['fetch-3', 'fetch-4']);
    expect(pasted.nodes[0]!.position).toEqual({ x: 40, y: 40 });
    expect(pasted.edges).toEqual([expect.objectContaining({ source: 'fetch-3', target: 'fetch-4' })]);
    expect(parseClipboard('hello')).toBeUndefined();
  });

  it('summarises a node in one line', () => {
    expect(configSummary(flow.nodes[1]!)).toBe('POST http://x/a');
    expect(configSummary(flow.nodes[2]!)).toBe('No address yet');
    expect(configSummary(flow.nodes[3]!)).toBe('1 rule');
  });
});
