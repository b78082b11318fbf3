/**
 * The compare screen's side panel: every change in words (diff-words.ts), grouped — steps with
 * their settings `before → after`, connections, the flow's own fields, the charter, settings.
 * A step's entry is a button that selects and shows the step on the canvas; long values are
 * shortened with "Show all".
 */
import { useEffect, useRef, useState } from 'react';
import type { FlowDiff } from '../../engine/model/flow-diff.ts';
import type { ChangeEntry, ChangeGroup, FieldLine, ValueText } from './diff-words.ts';
import { diffHeadline } from './diff-words.ts';

const KIND_SIGN: Record<ChangeEntry['kind'], string> = {
  'step-added': '+',
  'step-removed': '−',
  'step-changed': '✎',
  'connection-added': '+',
  'connection-removed': '−',
  flow: '✎',
  charter: '✎',
  settings: '✎',
};
const KIND_TONE: Record<ChangeEntry['kind'], 'added' | 'removed' | 'changed'> = {
  'step-added': 'added',
  'step-removed': 'removed',
  'step-changed': 'changed',
  'connection-added': 'added',
  'connection-removed': 'removed',
  flow: 'changed',
  charter: 'changed',
  settings: 'changed',
};

export interface DiffPanelProps {
  diff: FlowDiff;
  groups: ChangeGroup[];
  from: number;
  to: number;
  /** Names of steps that only moved. */
  moved: string[];
  selected: string | undefined;
  onShow(nodeId: string): void;
}

export function DiffPanel({ diff, groups, from, to, moved, selected, onShow }: DiffPanelProps) {
  return (
    <aside className="side-panel diff-panel" aria-labelledby="diff-panel-title" data-testid="diff-panel">
      <h2 id="diff-panel-title" className="diff-panel-title">
        {from === to ? `Version ${from}` : `From version ${from} to version ${to}`}
      </h2>
      <p className="diff-headline" data-testid="diff-headline">
        {from === to ? 'You picked the same version twice: choose another one above to see what changed.' : diffHeadline(diff)}
      </p>
      {diff.identical && from !== to ? (
        <div className="empty-state diff-empty" data-testid="diff-empty">
          <h3>Nothing to compare</h3>
          <p className="muted">
            Both versions do the same: the same steps with the same settings, connections, charter and flow settings.{' '}
            {moved.length > 0 ? 'Only the places of some steps on the canvas differ.' : 'Saving without a change, or rolling back to an earlier version, gives such a pair.'}
          </p>
        </div>
      ) : null}
      {groups.map((group) => (
        <section key={group.title} className="diff-group" aria-labelledby={`diff-group-${group.title}`}>
          <h3 className="diff-group-title" id={`diff-group-${group.title}`}>
            {group.title}
          </h3>
          <ul className="diff-entries">
            {group.entries.map((entry) => (
              <Entry key={entry.key} entry={entry} selected={entry.nodeId !== undefined && entry.nodeId === selected && entry.kind.startsWith('step')} onShow={onShow} />
            ))}
          </ul>
        </section>
      ))}
      {moved.length > 0 ? (
        <p className="muted diff-moved" data-testid="diff-moved">
          ↔ Moved on the canvas only (what they do is the same): {moved.map((m) => `“${m}”`).join(', ')}.
        </p>
      ) : null}
    </aside>
  );
}

function Entry({ entry, selected, onShow }: { entry: ChangeEntry; selected: boolean; onShow(nodeId: string): void }) {
  const ref = useRef<HTMLLIElement>(null);
  // A step clicked on the canvas brings its entry into view.
  useEffect(() => {
    if (selected) ref.current?.scrollIntoView({ block: 'nearest' });
  }, [selected]);
  const tone = KIND_TONE[entry.kind];
  const head = (
    <>
      <span className={`diff-sign diff-sign-${tone}`} aria-hidden="true">
        {KIND_SIGN[entry.kind]}
      </span>
      <span className="diff-entry-title">{entry.title}</span>
      {entry.typeTitle ? <span className="muted diff-entry-type">{entry.typeTitle}</span> : null}
    </>
  );
  const onlyField = entry.kind === 'flow' || entry.kind === 'charter' || entry.kind === 'settings';
  return (
    <li ref={ref} className={`diff-entry diff-entry-${tone}${selected ? ' is-selected' : ''}`} data-testid="diff-entry" data-kind={entry.kind}>
      {entry.nodeId ? (
        <button type="button" className="diff-entry-head diff-entry-button" onClick={() => onShow(entry.nodeId!)} title={entry.kind.startsWith('connection') ? 'Show the step it leads to on the canvas' : 'Show this step on the canvas'}>
          {head}
        </button>
      ) : (
        <div className="diff-entry-head">{head}</div>
      )}
      {entry.fields.length > 0 ? (
        <dl className="diff-fields">
          {entry.fields.map((f) => (
            <Field key={f.label} field={f} withLabel={!onlyField} />
          ))}
        </dl>
      ) : null}
    </li>
  );
}

function Field({ field, withLabel }: { field: FieldLine; withLabel: boolean }) {
  const [open, setOpen] = useState(false);
  const cut = field.before.cut || field.after.cut;
  return (
    <div className="diff-field" data-testid="diff-field">
      {withLabel ? <dt className="diff-field-label">{field.label}</dt> : <dt className="visually-hidden">{field.label}</dt>}
      <dd className="diff-field-values">
        <Value text={field.before} open={open} which="before" />
        <span className="diff-arrow" aria-label="changed to">
          →
        </span>
        <Value text={field.after} open={open} which="after" />
        {cut ? (
          <button type="button" className="diff-show-all" aria-expanded={open} onClick={() => setOpen((o) => !o)}>
            {open ? 'Show less' : 'Show all'}
          </button>
        ) : null}
      </dd>
    </div>
  );
}

function Value({ text, open, which }: { text: ValueText; open: boolean; which: 'before' | 'after' }) {
  const label = which === 'before' ? 'Before' : 'After';
  if (open && text.cut) {
    return (
      <pre className={`diff-value diff-value-${which} diff-value-full`} aria-label={label}>
        {text.full}
      </pre>
    );
  }
  return (
    <span className={`diff-value diff-value-${which}`}>
      <span className="visually-hidden">{label}: </span>
      {text.short}
    </span>
  );
}
