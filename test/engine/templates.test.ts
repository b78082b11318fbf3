import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultTemplatesDir, loadTemplates } from '../../engine/templates.ts';
import { tempDir } from '../helpers/engine.ts';

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

describe('flow templates', () => {
  it('lists the shipped examples', async () => {
    const templates = await loadTemplates(defaultTemplatesDir());
    expect(templates.map((t) => t.id)).toEqual(['invoice-triage', 'lead-routing', 'reply-approval', 'support-triage']);
  });

  it('skips folders without a flow and broken files, and answers empty for a missing folder', async () => {
    const t = await tempDir();
    cleanup = t.cleanup;
    await mkdir(join(t.dir, 'a-server'));
    await writeFile(join(t.dir, 'a-server', 'server.ts'), '');
    await mkdir(join(t.dir, 'broken'));
    await writeFile(join(t.dir, 'broken', 'flow.json'), '{ "format": ');
    await mkdir(join(t.dir, 'good'));
    await writeFile(join(t.dir, 'good', 'flow.json'), JSON.stringify({ format: 'flowkeeper/flow', formatVersion: 1, id: 'good', name: 'Good', nodes: [{ id: 'start', type: 'trigger.manual' }], edges: [] }));
    expect((await loadTemplates(t.dir)).map((x) => [x.id, x.nodeCount, x.nodeTypes])).toEqual([['good', 1, ['trigger.manual']]]);
    expect(await loadTemplates(join(t.dir, 'nope'))).toEqual([]);
  });
});
