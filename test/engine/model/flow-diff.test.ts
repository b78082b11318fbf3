/** The comparison of two flow versions, on hand-built flows: what the CLI prints and the canvas will draw. */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { describeDiff, diffFlows, summarizeDiff } from '../../../engine/model/flow-diff.ts';
import type { AnyNodeDefinition } from '../../../engine/model/node-kit.ts';

function base(): Record<string, unknown> {
  return {
    format: 'flowkeeper/flow',
    formatVersion: 1,
    id: 'invoices',
    name: 'Invoices',
    version: 1,
    settings: { concurrency: 4 },
    charter: { owner: { name: 'Ana', email: 'ana@example.com' }, waivers: [{ check: 'review-step', reason: 'read only', by: 'Ana', at: '2026-01-01' }] },
    nodes: [
      { id: 'start', type: 'trigger.manual', position: { x: 0, y: 0 }, config: {} },
      { id: 'fetch', type: 'http.request', name: 'Fetch invoices', position: { x: 200, y: 0 }, config: { url: 'https://a.example/v1', method: 'GET', headers: [{ name: 'A', value: '1' }] } },
      { id: 'mark', type: 'transform.set', position: { x: 400, y: 0 }, config: { fields: [] } },
    ],
    edges: [
      { source: 'start', target: 'fetch' },
      { source: 'fetch', target: 'mark' },
    ],
  };
}

describe('diffFlows', () => {
  it('finds nothing between a flow and itself, whatever its version number or key order', () => {
    const a = base();
    const b = { ...structuredClone(a), version: 7, nodes: (a.nodes as object[]).map((n) => Object.fromEntries(Object.entries(n).reverse())) };
    const diff = diffFlows(a, b);
    expect(diff.identical).toBe(true);
    expect(summarizeDiff(diff)).toBe('no changes');
    expect(describeDiff(diff)).toEqual(['The two versions are the same.']);
  });

  it('lists steps added, removed and changed field by field, with moves apart', () => {
    const a = base();
    const b = structuredClone(a) as { nodes: Array<Record<string, unknown>>; edges: Array<Record<string, unknown>> };
    const fetch = b.nodes[1]!;
    fetch.config = { url: 'https://a.example/v2', method: 'GET', headers: [{ name: 'A', value: '2' }], timeoutMs: 5000 };
    fetch.name = 'Fetch open invoices';
    b.nodes[2]!.position = { x: 420, y: 40 };
    b.nodes = b.nodes.filter((n) => n.id !== 'start');
    b.nodes.push({ id: 'hook', type: 'trigger.webhook', name: 'New invoice', config: {} }, { id: 'notify', type: 'email.send', config: {} });
    b.edges = [{ source: 'hook', target: 'fetch' }, { source: 'fetch', target: 'mark' }, { source: 'mark', sourcePort: 'out', target: 'notify' }];
    const diff = diffFlows(a, b as unknown as Record<string, unknown>);

    expect(diff.identical).toBe(false);
    expect(diff.nodesAdded).toEqual([
      { nodeId: 'hook', name: 'New invoice', type: 'trigger.webhook' },
      { nodeId: 'notify', name: 'notify', type: 'email.send' },
    ]);
    expect(diff.nodesRemoved).toEqual([{ nodeId: 'start', name: 'start', type: 'trigger.manual' }]);
    expect(diff.nodesChanged).toEqual([
      {
        nodeId: 'fetch',
        name: 'Fetch open invoices',
        type: 'http.request',
        changes: [
          { path: 'config.headers', before: [{ name: 'A', value: '1' }], after: [{ name: 'A', value: '2' }] },
          { path: 'config.timeoutMs', after: 5000 },
          { path: 'config.url', before: 'https://a.example/v1', after: 'https://a.example/v2' },
          { path: 'name', before: 'Fetch invoices', after: 'Fetch open invoices' },
        ],
      },
    ]);
    // A move is not a change: "mark" is only moved.
    expect(diff.nodesMoved).toEqual([{ nodeId: 'mark', name: 'mark', type: 'transform.set', before: { x: 400, y: 0 }, after: { x: 420, y: 40 } }]);
    expect(diff.edgesAdded).toEqual([
      { source: 'hook', sourcePort: 'out', target: 'fetch', targetPort: 'in' },
      { source: 'mark', sourcePort: 'out', target: 'notify', targetPort: 'in' },
    ]);
    expect(diff.edgesRemoved).toEqual([{ source: 'start', sourcePort: 'out', target: 'fetch', targetPort: 'in' }]);
    expect(summarizeDiff(diff)).toBe('added “New invoice”, “notify”, removed “start”, changed “Fetch open invoices”, 3 connections changed, moved 1 step');
    const words = describeDiff(diff);
    expect(words).toContain('Added step “New invoice” (trigger.webhook).');
    expect(words).toContain('  config.url: "https://a.example/v1" → "https://a.example/v2"');
    expect(words).toContain('  config.timeoutMs: (not set) → 5000');
    expect(words).toContain('Disconnected start → fetch.');
    expect(words.at(-1)).toBe('Moved 1 step on the canvas (“mark”).');
  });

  it('lists charter changes (owner, metric, alert route, waivers by check) and settings', () => {
    const a = base();
    const b = structuredClone(a) as Record<string, unknown> & { charter: Record<string, unknown> };
    b.charter.owner = { name: 'Ben', email: 'ana@example.com' };
    b.charter.metric = { kind: 'runs-without-person', target: 0.8 };
    b.charter.alerts = { desktop: true };
    b.charter.waivers = [];
    b.settings = { concurrency: 2 };
    b.name = 'Invoices (EU)';
    const diff = diffFlows(a, b);
    expect(diff.charter).toEqual([
      { path: 'alerts', after: { desktop: true } },
      { path: 'metric', after: { kind: 'runs-without-person', target: 0.8, windowDays: 7 } },
      { path: 'owner.name', before: 'Ana', after: 'Ben' },
      { path: 'waivers', before: { 'review-step': { check: 'review-step', reason: 'read only', by: 'Ana', at: '2026-01-01' } } },
    ]);
    expect(diff.settings).toEqual([{ path: 'concurrency', before: 4, after: 2 }]);
    expect(diff.flow).toEqual([{ path: 'name', before: 'Invoices', after: 'Invoices (EU)' }]);
    expect(summarizeDiff(diff)).toBe('renamed the flow, charter: alert route, success metric, owner, waivers, settings changed');
    expect(describeDiff(diff)).toContain('Charter owner — owner.name: "Ana" → "Ben"');
  });

  it('compares a version saved with problems (no nodes list, odd values) without throwing', () => {
    const diff = diffFlows({ id: 'x', name: 'X' }, { id: 'x', name: 'X', nodes: [{ id: 'a', type: 't' }, 'junk'], edges: null });
    expect(diff.nodesAdded).toEqual([{ nodeId: 'a', name: 'a', type: 't' }]);
    expect(summarizeDiff(diff)).toBe('added “a”');
  });

  it('fills in defaults first: a hand-written step and the editor\'s full save of it compare equal', () => {
    const catalog = { get: (type: string) => (type === 'transform.set' ? ({ config: z.object({ fields: z.array(z.unknown()).default([]), keep: z.boolean().default(true) }) } as unknown as AnyNodeDefinition) : undefined) };
    const hand = { id: 'f', name: 'F', nodes: [{ id: 'mark', type: 'transform.set', config: {} }], edges: [] };
    const saved = { id: 'f', name: 'F', description: '', owner: '', settings: { concurrency: 4 }, nodes: [{ id: 'mark', type: 'transform.set', version: 1, position: { x: 0, y: 0 }, config: { fields: [], keep: true } }], edges: [] };
    expect(diffFlows(hand, saved, catalog).identical).toBe(true);
    // Without the catalog only the flow format's own defaults are known.
    expect(diffFlows(hand, saved).nodesChanged[0]?.changes.map((c) => c.path)).toEqual(['config.fields', 'config.keep']);
  });

  it('reads no charter as an empty one: the first save of a charter with nothing filled in changes nothing, filling the owner in does', () => {
    const none = { id: 'f', name: 'F', nodes: [], edges: [] };
    const empty = { ...none, charter: { owner: { name: '', email: '' }, backupOwner: { name: '', email: '' }, mustNever: '', reviewers: '', waivers: [] } };
    expect(diffFlows(none, empty).identical).toBe(true);
    expect(summarizeDiff(diffFlows(none, empty))).toBe('no changes');
    const owned = { ...none, charter: { owner: { name: 'Ana', email: 'ana@example.com' } } };
    expect(summarizeDiff(diffFlows(none, owned))).toBe('charter: owner');
  });
});
