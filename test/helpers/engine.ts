/** Test helpers: a fresh data folder, the built-in registry, flows built in a few lines. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine, FileTraceStore, NodeRegistry, validateFlow, type EngineOptions, type Flow, type FlowInput } from '../../engine/index.ts';
import { builtinNodes } from '../../nodes/index.ts';

export const registry = new NodeRegistry(builtinNodes);

export async function tempDir(prefix = 'flowkeeper-test-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  // Retries: a run cancelled just before (or a service closed with a grace period) may still be
  // writing its last lines while the folder goes, which rmdir meets as ENOTEMPTY.
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 }) };
}

type NodeSpec = { id: string; type: string; config?: Record<string, unknown> } & Partial<Flow['nodes'][number]>;
type EdgeSpec = string | { source: string; sourcePort?: string; target: string; targetPort?: string };

/**
 * Builds and validates a flow. Edges may be written as "a -> b", "a.true -> b" or "a -> m.b".
 * Expressions are not parsed here, so tests can hand the runner a broken one (its own guard is
 * under test); test/engine/model/expression-validation.test.ts covers validation's check.
 */
export function makeFlow(nodes: NodeSpec[], edges: EdgeSpec[] = [], extra: Partial<FlowInput> = {}): Flow {
  const raw = {
    format: 'flowkeeper/flow',
    formatVersion: 1,
    id: 'test-flow',
    name: 'Test flow',
    ...extra,
    nodes: nodes.map((n) => ({ config: {}, ...n })),
    edges: edges.map((e) => {
      if (typeof e !== 'string') return e;
      const [from, to] = e.split('->').map((s) => s.trim()) as [string, string];
      const [source, sourcePort = 'out'] = from.split('.') as [string, string?];
      const [target, targetPort = 'in'] = to.split('.') as [string, string?];
      return { source, sourcePort, target, targetPort };
    }),
  };
  const result = validateFlow(raw, registry, { expressions: false });
  if (!result.ok) throw new Error(`test flow is invalid:\n${result.problems.map((p) => `${p.path}: ${p.message}`).join('\n')}`);
  return result.flow;
}

export async function testEngine(options: Partial<EngineOptions> = {}): Promise<{ engine: Engine; store: FileTraceStore; dir: string; cleanup: () => Promise<void> }> {
  const { dir, cleanup } = await tempDir();
  const store = new FileTraceStore(dir);
  const engine = new Engine({ store, registry, ...options });
  return { engine, store, dir, cleanup };
}
