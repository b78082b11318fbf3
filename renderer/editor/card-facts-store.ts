/**
 * What the canvas cards read from the flow being edited besides their own step: the problems list
 * and the edges (a switch's ports follow its wired outputs). Kept apart from editor-store so that
 * a drag, which replaces the flow's nodes on every mouse move, notifies none of the 1,000 cards:
 * this store changes only when the problems or the edges do (bench figure 9).
 */
import { create } from 'zustand';
import type { Edge } from '../../engine/model/flow.ts';
import type { Problem } from '../../engine/model/validate.ts';
import { useEditor } from './editor-store.ts';

export interface CardFacts {
  problems: readonly Problem[];
  edges: readonly Edge[];
}

const NO_EDGES: readonly Edge[] = [];

const factsOf = (s: { problems: readonly Problem[]; flow?: { edges: readonly Edge[] } | undefined }): CardFacts => ({ problems: s.problems, edges: s.flow?.edges ?? NO_EDGES });

export const useCardFacts = create<CardFacts>(() => factsOf(useEditor.getState()));

useEditor.subscribe((s) => {
  const facts = useCardFacts.getState();
  const next = factsOf(s);
  if (next.problems !== facts.problems || next.edges !== facts.edges) useCardFacts.setState(next, true);
});
