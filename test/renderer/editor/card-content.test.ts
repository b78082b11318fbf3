import { describe, expect, it } from 'vitest';
import type { NodeTypeInfo } from '../../../engine/model/contract.ts';
import type { FlowNode } from '../../../engine/model/flow.ts';
import { cardContent, cardRun, problemsOf, type CardRun } from '../../../renderer/editor/card-content.ts';

const http: NodeTypeInfo = { type: 'http.request', version: 1, title: 'HTTP request', category: 'x', icon: 'globe', description: '', inputs: ['in'], outputs: ['out', 'error'], dynamicOutputs: false, effects: 'read', trigger: false, credentials: [], configSchema: {} };
const node = (extra: Partial<FlowNode> = {}): FlowNode => ({ id: 'fetch', type: 'http.request', name: 'Fetch people', position: { x: 0, y: 0 }, config: { url: 'http://x/people' }, ...extra }) as FlowNode;
const idle: CardRun = { status: undefined, done: 0, total: 0, reused: false, pinnedInRun: false, replay: undefined };
const none = { errors: [], warnings: [] };

describe('cardContent (what a card shows, for the card and for its size before it is drawn)', () => {
  it('names the type under a renamed step, summarises its settings, labels its ports', () => {
    const c = cardContent(node(), http, ['out', 'error'], none, idle, false);
    expect(c).toMatchObject({ title: 'Fetch people', shown: 'Fetch people', type: 'HTTP request', summary: 'GET http://x/people', badge: undefined, message: undefined, progress: undefined, notes: [], inputs: ['in'] });
    expect(c.outputs).toEqual([
      { port: 'out', label: 'out' },
      { port: 'error', label: 'on error' },
    ]);
  });

  it('shows no type line under a step named as its type, and no label for a lone out port', () => {
    const c = cardContent(node({ name: 'HTTP request' }), http, ['out'], none, idle, false);
    expect(c.type).toBeUndefined();
    expect(c.outputs).toEqual([{ port: 'out', label: undefined }]);
  });

  it('caps a long name at 60 characters and keeps it whole as the title', () => {
    const long = 'A very long step name that goes on and on past the sixty character limit';
    const c = cardContent(node({ name: long }), http, ['out', 'error'], none, idle, false);
    expect(c.shown).toHaveLength(60);
    expect(c.shown.endsWith('…')).toBe(true);
    expect(c.title).toBe(long);
  });

  it('shows errors before warnings, as a badge and the first message; a run state replaces both', () => {
    const problems = problemsOf(
      [
        { path: 'a', message: 'The address is empty.', severity: 'error', nodeId: 'fetch' },
        { path: 'b', message: 'Second.', severity: 'error', nodeId: 'fetch' },
        { path: 'c', message: 'Not connected.', severity: 'warning', nodeId: 'fetch' },
      ],
      'fetch',
    );
    const c = cardContent(node(), http, ['out', 'error'], problems, idle, false);
    expect(c.badge).toMatchObject({ text: '2 problems', className: 'node-badge status-problem' });
    expect(c.message).toEqual({ className: 'node-card-problem', text: 'The address is empty.' });
    const running = cardRun({ state: { status: 'running', nodes: { fetch: { status: 'running' } } } as never, progress: { fetch: { done: 3, total: 10, seen: {} } }, replay: undefined }, 'fetch');
    const r = cardContent(node(), http, ['out', 'error'], problems, running, true);
    expect(r.badge).toMatchObject({ text: 'Running' });
    expect(r.message).toBeUndefined();
    expect(r.progress).toEqual({ done: 3, total: 10 });
    expect(r.notes.map((n) => n.text)).toEqual(['Pinned test data (test runs skip this step)']);
  });

  it('an unknown type says so and gets one input and out/error', () => {
    const c = cardContent(node({ type: 'nope.gone' }), undefined, ['out', 'error'], none, idle, false);
    expect(c.type).toBe('Unknown step type “nope.gone”');
    expect(c.inputs).toEqual(['in']);
  });
});
