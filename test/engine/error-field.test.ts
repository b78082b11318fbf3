/**
 * A node error names the config field it is about (`error.field` on node.failed), so the
 * inspector can mark it after a failed run: found by the runner for expression errors, given by
 * the node for its own checks, and absent when no one field is to blame.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Engine, FileTraceStore, NodeError, NodeRegistry, defineNode, validateFlow, type Flow, type RunEvent } from '../../engine/index.ts';
import { fieldHolding, withFailingField } from '../../engine/runner/error-field.ts';
import { builtinNodes } from '../../nodes/index.ts';
import { tempDir } from '../helpers/engine.ts';

const unplaced = defineNode({
  type: 'test.unplaced',
  version: 1,
  title: 'Unplaced',
  category: 'transform',
  icon: 'x',
  description: 'Fails with an error no field is to blame for.',
  config: z.object({ note: z.string().default('') }),
  inputs: ['in'],
  outputs: ['out'],
  effects: 'pure',
  async run() {
    throw new NodeError({ message: 'The server answered 500.', code: 'HTTP_STATUS', retryable: false, status: 500 });
  },
});
const registry = new NodeRegistry([...builtinNodes, unplaced]);

let cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(cleanups.map((c) => c()));
  cleanups = [];
});

async function failedEventOf(node: Record<string, unknown>, errorPort = false): Promise<Extract<RunEvent, { type: 'node.failed' }>> {
  const { dir, cleanup } = await tempDir();
  cleanups.push(cleanup);
  const store = new FileTraceStore(dir);
  const engine = new Engine({ store, registry });
  const edges = [{ source: 'start', sourcePort: 'out', target: 'step', targetPort: 'in' }];
  if (errorPort) {
    edges.push({ source: 'step', sourcePort: 'error', target: 'catch', targetPort: 'in' });
  }
  const result = validateFlow(
    {
      format: 'flowkeeper/flow',
      formatVersion: 1,
      id: 'error-field',
      name: 'Error field',
      nodes: [{ id: 'start', type: 'trigger.manual' }, { id: 'step', ...node }, ...(errorPort ? [{ id: 'catch', type: 'transform.set', config: { fields: [] } }] : [])],
      edges,
    },
    registry,
    { expressions: false },
  );
  if (!result.ok) throw new Error(result.problems.map((p) => `${p.path}: ${p.message}`).join('\n'));
  const outcome = await engine.startRun(result.flow as Flow, { input: { amount: 1 } });
  const failed = (await store.load(outcome.runId)).events.find((e): e is Extract<RunEvent, { type: 'node.failed' }> => e.type === 'node.failed');
  if (!failed) throw new Error('the step did not fail');
  return failed;
}

describe('the config field a node error is about', () => {
  it('finds the one text holding a failing expression, down to the list entry', () => {
    const config = { fields: [{ name: 'a', value: '{{ amount }}' }, { name: 't', value: 'total: {{ amount * }}' }] };
    expect(fieldHolding(config, 'amount *')).toBe('fields[1].value');
    expect(fieldHolding({ expression: '$sum(x)' }, '$sum(x)')).toBe('expression');
  });

  it('names the top-level field when the expression sits in several places under it, nothing when under several', () => {
    expect(fieldHolding({ headers: [{ name: 'a', value: '{{ x }}' }, { name: 'b', value: '{{ x }}' }] }, 'x')).toBe('headers');
    expect(fieldHolding({ url: '{{ x }}', body: '{{ x }}' }, 'x')).toBeUndefined();
    expect(fieldHolding({ url: 'https://a' }, 'x')).toBeUndefined();
  });

  it('keeps a field the node named, and leaves errors other than expressions alone', () => {
    const named = { message: 'm', code: 'CONFIG', retryable: false, field: 'url' };
    expect(withFailingField(named, { url: '{{ x }}' })).toBe(named);
    const network = { message: 'm', code: 'NETWORK', retryable: true, details: { expression: 'x' } };
    expect(withFailingField(network, { url: '{{ x }}' }).field).toBeUndefined();
  });

  it('records the field of a broken expression on node.failed', async () => {
    const failed = await failedEventOf({ type: 'transform.set', name: 'Compute total', config: { fields: [{ name: 'ok', value: 'fixed' }, { name: 't', value: '{{ amount * }}' }] } });
    expect(failed.error.code).toBe('EXPRESSION');
    expect(failed.error.field).toBe('fields[1].value');
  });

  it('records the field a node names in its own error (an HTTP address that is not one)', async () => {
    const failed = await failedEventOf({ type: 'http.request', config: { method: 'GET', url: 'not an address' } });
    expect(failed.error.code).toBe('CONFIG');
    expect(failed.error.field).toBe('url');
  });

  it('keeps the field when the failed items go to the error port', async () => {
    const failed = await failedEventOf({ type: 'transform.jsonata', config: { expression: '$nope(' } }, true);
    expect(failed.routedToErrorPort).toBe(true);
    expect(failed.error.field).toBe('expression');
  });

  it('names no field when none is to blame', async () => {
    const failed = await failedEventOf({ type: 'test.unplaced', config: {} });
    expect(failed.error.code).toBe('HTTP_STATUS');
    expect(failed.error.field).toBeUndefined();
  });
});
