/**
 * The inspector's draft of a node: edits show at once, and reach `onChange` as one call per
 * edit burst — typing into one field is batched until a pause or leaving the field, so each
 * burst is one undo step; a click (a choice, a toggle, adding a row) is a step by itself.
 * Changes from outside (undo, another window) replace the draft when nothing is pending.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { FlowNode } from '../../engine/model/flow.ts';

export interface Draft {
  name: string;
  notes: string;
  config: Record<string, unknown>;
}

export type Patch = { name?: string; notes?: string; config?: Record<string, unknown> };

const BURST_PAUSE_MS = 700;

function fromNode(node: FlowNode): Draft {
  return { name: node.name ?? '', notes: node.notes ?? '', config: node.config };
}

export function useDraft(node: FlowNode, onChange: (patch: Patch) => void, readOnly: boolean) {
  const [draft, setDraftState] = useState<Draft>(() => fromNode(node));
  const current = useRef(draft);
  // The burst remembers the onChange of the node it was typed into: it may be sent after another node is selected.
  const pending = useRef<{ patch: Patch; burst: string; send: (patch: Patch) => void } | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const send = useRef(onChange);
  send.current = onChange;

  const flush = useCallback(() => {
    clearTimeout(timer.current);
    timer.current = undefined;
    const p = pending.current;
    pending.current = null;
    if (p) p.send(p.patch);
  }, []);

  // Another node selected (or the inspector closed): the last burst still goes to its node.
  useEffect(() => {
    const next = fromNode(node);
    current.current = next;
    setDraftState(next);
    return flush;
    // Only a different node resets the draft here; same-node updates are handled below.
  }, [node.id, flush]);

  useEffect(() => {
    if (pending.current) return;
    const next = fromNode(node);
    current.current = next;
    setDraftState(next);
  }, [node]);

  const edit = useCallback(
    (burst: string, change: (d: Draft) => Patch, immediate: boolean) => {
      if (readOnly) return;
      if (pending.current && pending.current.burst !== burst) flush();
      const patch = change(current.current);
      const next: Draft = { ...current.current, ...patch } as Draft;
      current.current = next;
      setDraftState(next);
      pending.current = { patch: { ...pending.current?.patch, ...patch }, burst, send: send.current };
      clearTimeout(timer.current);
      if (immediate) flush();
      else timer.current = setTimeout(flush, BURST_PAUSE_MS);
    },
    [flush, readOnly],
  );

  return { draft, edit, flush };
}
