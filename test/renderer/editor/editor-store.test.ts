import { beforeEach, describe, expect, it } from 'vitest';
import { FlowSchema } from '../../../engine/model/flow.ts';
import { useEditor } from '../../../renderer/editor/editor-store.ts';
import { remapPaste, copySelection } from '../../../renderer/editor/graph-logic.ts';

const flow = FlowSchema.parse({ format: 'flowkeeper/flow', formatVersion: 1, id: 'f', name: 'F', version: 3, nodes: [{ id: 'a', type: 'trigger.manual' }, { id: 'b', type: 'http.request', position: { x: 100, y: 0 } }], edges: [{ source: 'a', target: 'b' }] });

beforeEach(() => useEditor.getState().load(flow, 3, []));

describe('editor store: undo history', () => {
  it('undoes and redoes each edit, and a new edit clears the redo list', () => {
    const s = useEditor.getState;
    s().commit((f) => ({ ...f, name: 'G' }));
    s().commit((f) => ({ ...f, edges: [] }));
    expect(s().dirty).toBe(true);
    s().undo();
    expect(s().flow!.edges).toHaveLength(1);
    s().undo();
    expect(s().flow!.name).toBe('F');
    s().redo();
    expect(s().flow!.name).toBe('G');
    s().commit((f) => ({ ...f, description: 'x' }));
    expect(s().future).toEqual([]);
    s().commit((f) => f); // no change, no step
    expect(s().past).toHaveLength(2);
  });

  it('makes a whole drag one step, and a paste of several nodes one step', () => {
    const s = useEditor.getState;
    s().moveLive(new Map([['b', { x: 110, y: 0 }]]));
    s().moveLive(new Map([['b', { x: 150, y: 20 }]]));
    s().endDrag();
    expect(s().past).toHaveLength(1);
    s().undo();
    expect(s().flow!.nodes[1]!.position).toEqual({ x: 100, y: 0 });
    const pasted = remapPaste(copySelection(s().flow!, new Set(['a', 'b'])), new Set(['a', 'b']), { x: 10, y: 10 });
    s().commit((f) => ({ ...f, nodes: [...f.nodes, ...pasted.nodes], edges: [...f.edges, ...pasted.edges] }));
    expect(s().flow!.nodes).toHaveLength(4);
    s().undo();
    expect(s().flow!.nodes).toHaveLength(2);
  });

  it('keeps edits made while a save ran as unsaved, and the saved version moves on through undo', () => {
    const s = useEditor.getState;
    s().commit((f) => ({ ...f, name: 'G' }));
    const revision = s().revision;
    s().commit((f) => ({ ...f, name: 'H' }));
    s().markSaved(4, revision, []);
    expect(s()).toMatchObject({ savedVersion: 4, dirty: true });
    s().undo();
    expect(s().flow).toMatchObject({ name: 'G', version: 4 });
  });
});
