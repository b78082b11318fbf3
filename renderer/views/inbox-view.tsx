/**
 * Inbox: items review steps are waiting on, across all runs. A list (filters, soonest due first,
 * bulk approve) beside the open item (renderer/inbox/inbox-detail.tsx); the decided items in a
 * second tab. Keys: J / K next and previous, A approve, R reject; after a decision the next item opens.
 * A link to one item (`#/inbox/<id>`, engine/inbox/inbox-link.ts) opens it, also when it is not in
 * the list (decided already, or not this reviewer's: then the plain refusal). Opening decides nothing.
 */
import { useEffect, useId, useMemo, useRef, useState } from 'react';
import type { InboxItem } from '../../engine/model/contract.ts';
import { Dialog } from '../components/dialog.tsx';
import { EmptyState } from '../components/empty-state.tsx';
import { ErrorBox } from '../components/error-box.tsx';
import { formatTimestamp, formatWhen, plural } from '../logic/format.ts';
import { formatRoute } from '../logic/route.ts';
import { InboxDetail, type DetailActions } from '../inbox/inbox-detail.tsx';
import { InboxHistory } from '../inbox/inbox-history.tsx';
import { NO_FILTERS, assigneesOf, describeDue, filterInbox, nextAfter, sortByDue, type AgeFilter, type DueFilter, type InboxFilters } from '../inbox/inbox-filters.ts';
import { useInboxKeys } from '../inbox/use-inbox-keys.ts';
import { useInbox, type BulkResult } from '../stores/inbox-store.ts';
import { useSession } from '../stores/session-store.ts';
import { notify } from '../stores/notice-store.ts';

export function InboxView({ itemId }: { itemId?: string } = {}) {
  const { items, loaded, error, load, detail, detailError, open } = useInbox();
  const session = useSession((s) => s.session);
  const groups = useSession((s) => s.groups);
  const reviewer = session?.role === 'reviewer';
  const me = session?.name ?? '';
  const [tab, setTab] = useState<'waiting' | 'decided'>('waiting');
  const [filters, setFilters] = useState<InboxFilters>(NO_FILTERS);
  const [selectedId, setSelectedId] = useState<string | undefined>(undefined);
  const [checked, setChecked] = useState<ReadonlySet<string>>(new Set());
  const [bulkOpen, setBulkOpen] = useState(false);
  const actions = useRef<DetailActions>(null);
  const listRef = useRef<HTMLUListElement>(null);

  useEffect(() => {
    void load();
  }, [load]);

  const shown = useMemo(
    () => sortByDue(filterInbox(items, filters, { now: Date.now(), me, groups, ...(session?.role === 'reviewer' && session.group ? { myGroup: session.group } : {}) })),
    [items, filters, me, groups, session],
  );

  // A link to one item opens it.
  useEffect(() => {
    if (itemId === undefined) return;
    setTab('waiting');
    setSelectedId(itemId);
  }, [itemId]);

  // Keep a selection that exists: the first item when none, or when the selected one left the list
  // (the item a link points to stays open: it is shown even when it is not in the list).
  useEffect(() => {
    if (tab !== 'waiting') return;
    if (selectedId !== undefined && selectedId === itemId) return;
    if (selectedId === undefined || !shown.some((i) => i.id === selectedId)) setSelectedId(shown[0]?.id);
  }, [shown, selectedId, tab, itemId]);

  useEffect(() => {
    void open(selectedId);
  }, [selectedId, open]);

  // Boxes for items that left the list are dropped.
  useEffect(() => {
    setChecked((current) => {
      const next = new Set([...current].filter((id) => items.some((i) => i.id === id)));
      return next.size === current.size ? current : next;
    });
  }, [items]);

  /** Set when a person picked the item (not the first one opening by itself), so a narrow window scrolls to it. */
  const [picked, setPicked] = useState(false);
  const select = (id: string | undefined, focus = false) => {
    setSelectedId(id);
    setPicked(true);
    if (focus && id) listRef.current?.querySelector<HTMLElement>(`[data-item-id="${CSS.escape(id)}"] .inbox-pick`)?.focus();
  };
  const move = (step: 1 | -1) => {
    if (shown.length === 0) return;
    const index = shown.findIndex((i) => i.id === selectedId);
    const next = shown[Math.min(shown.length - 1, Math.max(0, index === -1 ? 0 : index + step))];
    select(next?.id, true);
  };
  const afterDecision = (id: string) => select(nextAfter(shown, id), true);

  useInboxKeys(tab === 'waiting' && !bulkOpen, {
    next: () => move(1),
    previous: () => move(-1),
    approve: () => actions.current?.approve(),
    reject: () => actions.current?.reject(),
  });

  const flows = useMemo(() => [...new Map(items.map((i) => [i.flowId, i.flowName] as const)).entries()].sort((a, b) => a[1].localeCompare(b[1])), [items]);
  const assignees = useMemo(() => assigneesOf(items), [items]);
  const filtered = filters !== NO_FILTERS && (filters.flowId !== undefined || filters.assignee !== 'all' || filters.due !== 'any' || filters.age !== 'any');
  const selectedForBulk = shown.filter((i) => checked.has(i.id));
  // The linked item is not among the waiting ones: shown on its own (decided, or not this person's).
  const linkedOutside = itemId !== undefined && selectedId === itemId && loaded && !items.some((i) => i.id === itemId);
  const linkedFinal = detail && detail.id === itemId ? detail.decisions.find((d) => d.final) : undefined;
  const linkedPane = !linkedOutside ? null : (
    <div className="inbox-linked" data-testid="inbox-linked">
      {detailError ? (
        <ErrorBox error={detailError} onRetry={() => void open(itemId)} />
      ) : detail && detail.id === itemId ? (
        linkedFinal || detail.runStatus === 'succeeded' || detail.runStatus === 'failed' || detail.runStatus === 'cancelled' ? (
          <div className="card">
            <h2 className="cell-title">{detail.title}</h2>
            <p>
              {linkedFinal
                ? `This item was already decided: ${(detail.choices.find((c) => c.id === linkedFinal.outcome)?.label ?? linkedFinal.outcome).toLowerCase()} by ${linkedFinal.by}, ${formatWhen(linkedFinal.at)}. Nothing is waiting for a decision here.`
                : `Its run has ended (${detail.runStatus}), so this item can no longer be decided.`}
            </p>
          </div>
        ) : (
          <InboxDetail detail={detail} owner={!reviewer} me={me} onDecided={afterDecision} actionsRef={actions} reveal={picked} />
        )
      ) : (
        <p className="muted loading">Opening the item…</p>
      )}
    </div>
  );

  return (
    <section className="view view-inbox" aria-labelledby="inbox-title">
      <header className="view-header">
        <div>
          <h1 id="inbox-title">Inbox</h1>
          <p className="view-subtitle">{reviewer ? `Hello ${me}. These items are waiting for your decision.` : 'Things your flows want a person to check before they carry on.'}</p>
        </div>
      </header>

      {!reviewer && session && me === '' ? (
        <div className="banner" role="note">
          <span>Decisions are recorded with the name of the person who made them. Set your name in Settings before you decide.</span>
          <a className="button button-small" href={formatRoute({ view: 'settings' })}>
            Open Settings
          </a>
        </div>
      ) : null}

      <div className="tabs" role="tablist" aria-label="Inbox">
        <button type="button" role="tab" id="inbox-tab-waiting" aria-selected={tab === 'waiting'} aria-controls="inbox-panel" className="tab" onClick={() => setTab('waiting')}>
          Waiting{items.length > 0 ? ` (${items.length})` : ''}
        </button>
        <button type="button" role="tab" id="inbox-tab-decided" aria-selected={tab === 'decided'} aria-controls="inbox-panel" className="tab" onClick={() => setTab('decided')}>
          Decided
        </button>
      </div>

      <div id="inbox-panel" role="tabpanel" aria-labelledby={tab === 'waiting' ? 'inbox-tab-waiting' : 'inbox-tab-decided'} className="inbox-panel">
        {tab === 'decided' ? (
          <InboxHistory reviewer={reviewer} />
        ) : (
          <>
            {error ? <ErrorBox error={error} onRetry={() => void load()} /> : null}
            {!loaded ? <p className="muted loading">Loading the inbox…</p> : null}

            {items.length === 0 ? linkedPane : null}
            {loaded && !error && items.length === 0 ? (
              <EmptyState title="Nothing is waiting for you">
                {reviewer ? (
                  <p>When a flow needs your decision — an invoice to approve, an AI-written reply to check — it appears here. This page updates by itself.</p>
                ) : (
                  <>
                    <p>
                      When a flow has a review step, each item it wants a person to look at — an invoice to approve, an AI-written reply to check — lands here. You approve, edit or
                      reject it, and the run carries on from there, even days later.
                    </p>
                    <p>Add a review step to a flow to start using the inbox. Decided items are under “Decided”.</p>
                  </>
                )}
              </EmptyState>
            ) : null}

            {items.length > 0 ? (
              <>
                <Filters filters={filters} onChange={setFilters} flows={flows} assignees={assignees} me={me} reviewer={reviewer} />
                <div className="inbox-columns">
                  <div className="inbox-list-col">
                    <div className="inbox-list-head">
                      <span className="muted" aria-live="polite">
                        {filtered ? `${shown.length} of ${plural(items.length, 'item')}` : plural(items.length, 'item')} · soonest due first
                      </span>
                      <button type="button" className="button button-small" disabled={selectedForBulk.length === 0} onClick={() => setBulkOpen(true)}>
                        Approve selected{selectedForBulk.length > 0 ? ` (${selectedForBulk.length})` : ''}
                      </button>
                    </div>
                    {shown.length === 0 ? (
                      <EmptyState title="No items match these filters" action={<button type="button" className="button" onClick={() => setFilters(NO_FILTERS)}>Show all items</button>}>
                        <p>{plural(items.length, 'item')} {items.length === 1 ? 'is' : 'are'} waiting, but none fits what you chose above.</p>
                      </EmptyState>
                    ) : (
                      <ul className="inbox-list" ref={listRef} aria-label="Waiting items">
                        {shown.map((item) => (
                          <ListRow
                            key={item.id}
                            item={item}
                            selected={item.id === selectedId}
                            checked={checked.has(item.id)}
                            onSelect={() => select(item.id)}
                            onCheck={(on) =>
                              setChecked((current) => {
                                const next = new Set(current);
                                if (on) next.add(item.id);
                                else next.delete(item.id);
                                return next;
                              })
                            }
                          />
                        ))}
                      </ul>
                    )}
                    <p className="field-help inbox-keys">
                      Keys: <kbd>J</kbd> next, <kbd>K</kbd> previous, <kbd>A</kbd> approve, <kbd>R</kbd> reject.
                    </p>
                  </div>
                  <div className="inbox-detail-col" aria-live="polite">
                    {linkedPane}
                    {!linkedOutside && detailError && selectedId ? <ErrorBox error={detailError} onRetry={() => void open(selectedId)} /> : null}
                    {linkedOutside ? null : detail && detail.id === selectedId ? (
                      <InboxDetail detail={detail} owner={!reviewer} me={me} onDecided={afterDecision} actionsRef={actions} reveal={picked} />
                    ) : !detailError && selectedId ? (
                      <p className="muted loading">Opening the item…</p>
                    ) : null}
                  </div>
                </div>
              </>
            ) : null}
          </>
        )}
      </div>

      <BulkApprove open={bulkOpen} items={selectedForBulk} onClose={() => setBulkOpen(false)} onDone={() => setChecked(new Set())} />
    </section>
  );
}

function ListRow({ item, selected, checked, onSelect, onCheck }: { item: InboxItem; selected: boolean; checked: boolean; onSelect(): void; onCheck(on: boolean): void }) {
  const due = describeDue(item.dueAt, Date.now());
  const checkId = useId();
  return (
    <li className={`inbox-item${selected ? ' selected' : ''}`} data-item-id={item.id}>
      <input id={checkId} type="checkbox" checked={checked} onChange={(e) => onCheck(e.target.checked)} aria-label={`Select "${item.title}" for approving together`} />
      <button type="button" className="inbox-pick" onClick={onSelect} aria-current={selected ? 'true' : undefined}>
        <span className="cell-title">{item.title || item.stepName}</span>
        <span className="cell-sub">
          {item.flowName} · {item.stepName}
          {item.assignee ? ` · for ${item.assignee}` : ''}
        </span>
        <span className="cell-sub">
          <span title={formatTimestamp(item.createdAt)}>waiting since {formatWhen(item.createdAt)}</span>
          {due ? <span className={due.overdue ? 'tone-text-warning' : undefined}> · {due.text}</span> : null}
        </span>
      </button>
    </li>
  );
}

function Filters({ filters, onChange, flows, assignees, me, reviewer }: { filters: InboxFilters; onChange(f: InboxFilters): void; flows: Array<[string, string]>; assignees: string[]; me: string; reviewer: boolean }) {
  const id = useId();
  const assigneeValue = typeof filters.assignee === 'object' ? `name:${filters.assignee.name}` : filters.assignee;
  return (
    <div className="toolbar inbox-filters" role="group" aria-label="Filters">
      {flows.length > 1 ? (
        <span className="filter">
          <label className="toolbar-label" htmlFor={`${id}-flow`}>
            Flow
          </label>
          <select id={`${id}-flow`} className="input input-inline" value={filters.flowId ?? ''} onChange={(e) => onChange({ ...filters, ...(e.target.value ? { flowId: e.target.value } : { flowId: undefined }) })}>
            <option value="">All flows</option>
            {flows.map(([flowId, name]) => (
              <option key={flowId} value={flowId}>
                {name}
              </option>
            ))}
          </select>
        </span>
      ) : null}
      {/* A reviewer's link lists only their own items: nothing to choose. */}
      {reviewer ? null : (
        <span className="filter">
          <label className="toolbar-label" htmlFor={`${id}-assignee`}>
            For
          </label>
          <select
            id={`${id}-assignee`}
            className="input input-inline"
            value={assigneeValue}
            onChange={(e) => {
              const v = e.target.value;
              onChange({ ...filters, assignee: v.startsWith('name:') ? { name: v.slice(5) } : (v as 'all' | 'mine' | 'anyone') });
            }}
          >
            <option value="all">Everyone</option>
            {me ? <option value="mine">Me and my groups</option> : null}
            <option value="anyone">Not assigned</option>
            {assignees.map((a) => (
              <option key={a} value={`name:${a}`}>
                {a}
              </option>
            ))}
          </select>
        </span>
      )}
      <span className="filter">
        <label className="toolbar-label" htmlFor={`${id}-due`}>
          Due
        </label>
        <select id={`${id}-due`} className="input input-inline" value={filters.due} onChange={(e) => onChange({ ...filters, due: e.target.value as DueFilter })}>
          <option value="any">Any time</option>
          <option value="overdue">Overdue</option>
          <option value="today">By the end of today</option>
          <option value="week">Within a week</option>
          <option value="none">No due time</option>
        </select>
      </span>
      <span className="filter">
        <label className="toolbar-label" htmlFor={`${id}-age`}>
          Waiting
        </label>
        <select id={`${id}-age`} className="input input-inline" value={filters.age} onChange={(e) => onChange({ ...filters, age: e.target.value as AgeFilter })}>
          <option value="any">Any length</option>
          <option value="day">More than a day</option>
          <option value="week">More than a week</option>
        </select>
      </span>
    </div>
  );
}

/** Approving several at once: says how many, then leaves whatever could not be approved in the queue, with why. */
function BulkApprove({ open, items, onClose, onDone }: { open: boolean; items: InboxItem[]; onClose(): void; onDone(): void }) {
  const approveMany = useInbox((s) => s.approveMany);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<BulkResult | undefined>(undefined);
  const close = () => {
    setResult(undefined);
    onClose();
  };
  const start = async () => {
    setBusy(true);
    const outcome = await approveMany(items.map((i) => i.id));
    setBusy(false);
    onDone();
    if (outcome.failed.length === 0) {
      notify(`Approved ${plural(outcome.approved, 'item')}.`);
      close();
    } else setResult(outcome);
  };
  return (
    <Dialog open={open} title={result ? 'Some items were not approved' : `Approve ${plural(items.length, 'item')}?`} onClose={close}>
      {result ? (
        <>
          <p>
            {plural(result.approved, 'item')} approved. {plural(result.failed.length, 'item')} could not be approved and {result.failed.length === 1 ? 'stays' : 'stay'} in the inbox:
          </p>
          <ul className="bulk-failures">
            {result.failed.map((f) => (
              <li key={f.id}>
                <strong>{f.title}</strong>: {f.error.message}
                {f.error.hint ? <span className="muted"> {f.error.hint}</span> : null}
              </li>
            ))}
          </ul>
          <div className="form-actions">
            <button type="button" className="button button-primary" onClick={close}>
              Close
            </button>
          </div>
        </>
      ) : (
        <>
          <p>Each one continues on its Approve path with its values as they are. Items that need a comment, a correction or someone else's approval stay in the inbox.</p>
          <div className="form-actions">
            <button type="button" className="button" onClick={close} disabled={busy}>
              Cancel
            </button>
            <button type="button" className="button button-primary" onClick={() => void start()} disabled={busy || items.length === 0}>
              {busy ? 'Approving…' : `Approve ${plural(items.length, 'item')}`}
            </button>
          </div>
        </>
      )}
    </Dialog>
  );
}
