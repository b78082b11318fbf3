/**
 * The steps one can add, grouped by category with a search over titles and descriptions. Drag an
 * entry onto the canvas, or click it (or press Enter) to add it after the selected step.
 */
import { useMemo } from 'react';
import type { NodeTypeInfo } from '../../engine/model/contract.ts';
import { addNode } from './editor-actions.ts';
import { NodeIcon } from './node-icon.tsx';
import { useCatalog } from './catalog-store.ts';
import { useEditorUi } from './ui-store.ts';

/** The drag payload type, so the canvas ignores drops of anything else. */
export const PALETTE_MIME = 'application/x-flowkeeper-node-type';

const CATEGORY_TITLES: Record<string, string> = {
  trigger: 'Start the flow',
  integration: 'Talk to other apps',
  llm: 'AI',
  transform: 'Change data',
  flow: 'Decide and route',
  human: 'People',
  review: 'People',
};
const ORDER = ['trigger', 'integration', 'llm', 'transform', 'flow', 'human', 'review'];

export function Palette({ readOnly }: { readOnly: boolean }) {
  const types = useCatalog((s) => s.types);
  const search = useEditorUi((s) => s.search);
  const setSearch = useEditorUi((s) => s.setSearch);
  const groups = useMemo(() => group(types, search), [types, search]);
  return (
    <aside className="palette" aria-label="Steps you can add">
      <h2 className="palette-title">Add a step</h2>
      <input className="input palette-search" type="search" placeholder="Search steps" aria-label="Search steps" value={search} onChange={(e) => setSearch(e.target.value)} onKeyDown={(e) => e.stopPropagation()} />
      {groups.length === 0 ? <p className="muted">No step matches “{search}”.</p> : null}
      {groups.map(([category, list]) => (
        <section key={category} className="palette-group">
          <h3>{CATEGORY_TITLES[category] ?? category}</h3>
          <ul>
            {list.map((t) => (
              <li key={t.type}>
                <button
                  type="button"
                  className="palette-item"
                  draggable={!readOnly}
                  disabled={readOnly}
                  data-node-type={t.type}
                  onDragStart={(e) => {
                    e.dataTransfer.setData(PALETTE_MIME, t.type);
                    e.dataTransfer.effectAllowed = 'move';
                  }}
                  onClick={() => addNode(t.type)}
                  title={`${t.description} Drag it onto the canvas, or click to add it after the selected step.`}
                >
                  <span className="palette-item-icon">
                    <NodeIcon name={t.icon} />
                  </span>
                  <span className="palette-item-text">
                    <span className="palette-item-title">{t.title}</span>
                    <span className="palette-item-desc">{t.description}</span>
                  </span>
                </button>
              </li>
            ))}
          </ul>
        </section>
      ))}
    </aside>
  );
}

function group(types: readonly NodeTypeInfo[], search: string): Array<[string, NodeTypeInfo[]]> {
  const q = search.trim().toLowerCase();
  const hits = q ? types.filter((t) => `${t.title} ${t.description} ${t.category}`.toLowerCase().includes(q)) : types;
  const byCategory = new Map<string, NodeTypeInfo[]>();
  for (const t of hits) byCategory.set(t.category, [...(byCategory.get(t.category) ?? []), t]);
  return [...byCategory.entries()].sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b));
}

function rank(category: string): number {
  const i = ORDER.indexOf(category);
  return i === -1 ? ORDER.length : i;
}
