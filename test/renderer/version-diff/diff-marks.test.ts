import { describe, expect, it } from 'vitest';
import type { Flow } from '../../../engine/model/flow.ts';
import { diffFlows } from '../../../engine/model/flow-diff.ts';
import { CARD_BOX, diffPicture, placeGhosts } from '../../../renderer/version-diff/diff-marks.ts';

type Nodes = Pick<Flow, 'nodes' | 'edges'>;
const node = (id: string, x: number, y: number, config: Record<string, unknown> = {}, name = id) => ({ id, type: 'transform.set', name, position: { x, y }, config }) as Flow['nodes'][number];
const flow = (nodes: Flow['nodes'], edges: Array<Partial<Flow['edges'][number]> & { source: string; target: string }>): Nodes & Record<string, unknown> =>
  ({ format: 'flowkeeper/flow', formatVersion: 1, id: 'f', name: 'F', nodes, edges }) as unknown as Nodes & Record<string, unknown>;

describe('diffPicture', () => {
  const older = flow([node('start', 0, 0), node('tag', 300, 0, { fields: [{ name: 'a', value: '1' }] }), node('old', 600, 0), node('still', 0, 300)], [
    { source: 'start', target: 'tag' },
    { source: 'tag', target: 'old' },
  ]);
  const newer = flow([node('start', 0, 0), node('tag', 300, 0, { fields: [{ name: 'a', value: '2' }] }), node('still', 40, 340), node('new', 600, 200)], [
    { source: 'start', target: 'tag' },
    { source: 'tag', target: 'new' },
  ]);
  const picture = diffPicture(older, newer, diffFlows(older, newer));
  const mark = (id: string) => picture.nodes.find((n) => n.node.id === id)?.mark;

  it('marks each step of the newer version and adds the removed ones as ghosts', () => {
    expect(mark('start')).toBe('same');
    expect(mark('tag')).toBe('changed');
    expect(mark('new')).toBe('added');
    expect(mark('old')).toBe('removed');
    expect(picture.nodes.find((n) => n.node.id === 'tag')?.changedFields).toBe(1);
    expect(picture.nodes).toHaveLength(5);
  });

  it('never calls a step that only moved "changed"', () => {
    expect(mark('still')).toBe('moved');
  });

  it('draws a ghost where the removed step was when nothing sits there now', () => {
    expect(picture.nodes.find((n) => n.node.id === 'old')?.position).toEqual({ x: 600, y: 0 });
  });

  it('marks connections added, removed and unchanged, each once', () => {
    const edges = picture.edges.map((e) => `${e.source}->${e.target}:${e.mark}`).sort();
    expect(edges).toEqual(['start->tag:same', 'tag->new:added', 'tag->old:removed']);
    expect(new Set(picture.edges.map((e) => e.id)).size).toBe(picture.edges.length);
  });
});

describe('placeGhosts', () => {
  it('moves a ghost below a step that now sits where it was, and below another ghost', () => {
    const placed = placeGhosts([{ x: 0, y: 0 }], [{ x: 10, y: 10 }, { x: 0, y: 0 }]);
    expect(placed[0]).toEqual({ x: 10, y: 10 + CARD_BOX.height + 20 });
    // The second one clears the step and the first ghost.
    expect(placed[1]!.y).toBeGreaterThanOrEqual(placed[0]!.y + CARD_BOX.height);
    for (const p of placed) expect(Math.abs(p.y) >= CARD_BOX.height + 20 || Math.abs(p.x) >= CARD_BOX.width + 20).toBe(true);
  });

  it('leaves a ghost whose place is free where it was', () => {
    expect(placeGhosts([{ x: 0, y: 0 }], [{ x: 500, y: 0 }])).toEqual([{ x: 500, y: 0 }]);
  });
});
