/**
 * The flow being edited, with its undo history. Every editing action goes through `commit`, which
 * records the flow before the change, so undo/redo cover all of them and a paste or an auto-layout
 * (many changes at once) is one step. A drag moves nodes live without history; its end commits the
 * position from before the drag as one step. Kept apart from run state and UI state so a drag
 * only touches this store.
 */
import { create } from 'zustand';
import type { Problem } from '../../engine/model/validate.ts';
import type { Flow, FlowNode } from '../../engine/model/flow.ts';

const HISTORY_LIMIT = 200;

export interface EditorStore {
  flow: Flow | undefined;
  /** The version last saved (or loaded); the next save expects the store to still be there. */
  savedVersion: number;
  /** Edits not saved yet. */
  dirty: boolean;
  /** Bumped on each change, so a save can tell whether more edits came in while it ran. */
  revision: number;
  problems: Problem[];
  past: Flow[];
  future: Flow[];
  /** The flow as it was when the current drag started. */
  dragStart: Flow | undefined;
  load(flow: Flow, version: number, problems: Problem[]): void;
  /** One undo step: `change` gets the current flow and returns the next one. */
  commit(change: (flow: Flow) => Flow): void;
  /** Live move during a drag (no history until `endDrag`). */
  moveLive(positions: ReadonlyMap<string, { x: number; y: number }>): void;
  endDrag(): void;
  undo(): void;
  redo(): void;
  markSaved(version: number, revision: number, problems: Problem[]): void;
  setProblems(problems: Problem[]): void;
}

export const useEditor = create<EditorStore>((set, get) => ({
  flow: undefined,
  savedVersion: 0,
  dirty: false,
  revision: 0,
  problems: [],
  past: [],
  future: [],
  dragStart: undefined,
  load(flow, version, problems) {
    set({ flow, savedVersion: version, dirty: false, revision: 0, problems, past: [], future: [], dragStart: undefined });
  },
  commit(change) {
    const { flow, past, revision } = get();
    if (!flow) return;
    const next = change(flow);
    if (next === flow) return;
    set({ flow: next, past: [...past, flow].slice(-HISTORY_LIMIT), future: [], dirty: true, revision: revision + 1 });
  },
  moveLive(positions) {
    const { flow, dragStart } = get();
    if (!flow) return;
    const nodes = flow.nodes.map((n) => {
      const p = positions.get(n.id);
      return p && (p.x !== n.position.x || p.y !== n.position.y) ? { ...n, position: { x: p.x, y: p.y } } : n;
    });
    set({ flow: { ...flow, nodes }, dragStart: dragStart ?? flow });
  },
  endDrag() {
    const { flow, dragStart, past, revision } = get();
    if (!flow || !dragStart) return;
    const moved = flow.nodes.some((n, i) => n !== dragStart.nodes[i]);
    set(moved ? { dragStart: undefined, past: [...past, dragStart].slice(-HISTORY_LIMIT), future: [], dirty: true, revision: revision + 1 } : { dragStart: undefined });
  },
  undo() {
    const { flow, past, future, revision } = get();
    const previous = past.at(-1);
    if (!flow || !previous) return;
    set({ flow: keepVersion(previous, flow), past: past.slice(0, -1), future: [flow, ...future], dirty: true, revision: revision + 1 });
  },
  redo() {
    const { flow, past, future, revision } = get();
    const next = future[0];
    if (!flow || !next) return;
    set({ flow: keepVersion(next, flow), past: [...past, flow], future: future.slice(1), dirty: true, revision: revision + 1 });
  },
  markSaved(version, revision, problems) {
    const { flow } = get();
    if (!flow) return;
    // Saving bumps the stored version; history entries keep their content, not their version.
    set({ flow: { ...flow, version }, savedVersion: version, problems, dirty: get().revision !== revision });
  },
  setProblems(problems) {
    set({ problems });
  },
}));

/** Undo restores content; the saved version number moves on (it counts saves, not edits). */
function keepVersion(target: Flow, current: Flow): Flow {
  return target.version === current.version ? target : { ...target, version: current.version };
}

/** Replace one node (by id) through `commit`. */
export function updateNode(id: string, change: (node: FlowNode) => FlowNode): void {
  useEditor.getState().commit((flow) => {
    let changed = false;
    const nodes = flow.nodes.map((n) => {
      if (n.id !== id) return n;
      const next = change(n);
      if (next !== n) changed = true;
      return next;
    });
    return changed ? { ...flow, nodes } : flow;
  });
}
