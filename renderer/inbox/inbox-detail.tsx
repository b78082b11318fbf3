/**
 * One inbox item, with what a reviewer needs to decide: the text, line items, the AI step's
 * answer, the fields they may correct, the upstream steps' data, and the decision buttons.
 * Deciding is always an explicit click or key press (A approve, R reject); opening never decides.
 */
import { useEffect, useId, useImperativeHandle, useMemo, useRef, useState, type Ref } from 'react';
import type { InboxItemDetail } from '../../engine/model/contract.ts';
import { APPROVE, EDIT, REJECT } from '../../engine/model/review.ts';
import { ErrorBox } from '../components/error-box.tsx';
import { JsonView } from '../components/json-view.tsx';
import type { ErrorView } from '../logic/errors.ts';
import { formatTimestamp, formatWhen } from '../logic/format.ts';
import { formatRoute } from '../logic/route.ts';
import { notify } from '../stores/notice-store.ts';
import { useInbox } from '../stores/inbox-store.ts';
import { checkEdits, draftOf, showValue } from './field-values.ts';
import { describeDue } from './inbox-filters.ts';
import { ReviewFields } from './review-fields.tsx';

export interface DetailActions {
  approve(): void;
  reject(): void;
}

interface InboxDetailProps {
  detail: InboxItemDetail;
  /** Reviewer links do not see runs or flows. */
  owner: boolean;
  /** The name decisions are recorded under ('' in the desktop app until set in Settings). */
  me: string;
  onDecided(id: string): void;
  actionsRef?: Ref<DetailActions>;
  /** Scroll it into view when it opens below the list (narrow windows stack the two). */
  reveal?: boolean;
}

export function InboxDetail({ detail, owner, me, onDecided, actionsRef, reveal }: InboxDetailProps) {
  const decide = useInbox((s) => s.decide);
  const initialDrafts = useMemo(() => Object.fromEntries(detail.fields.map((f) => [f.name, draftOf(f, detail.values[f.name])])), [detail]);
  const [drafts, setDrafts] = useState(initialDrafts);
  const [comment, setComment] = useState('');
  const [commentError, setCommentError] = useState<string | undefined>(undefined);
  const [error, setError] = useState<ErrorView | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const [showErrors, setShowErrors] = useState(false);
  /** Bumped to move focus to the first wrong field once it is marked (after the render). */
  const [focusWrong, setFocusWrong] = useState(0);
  const commentRef = useRef<HTMLTextAreaElement>(null);
  const rootRef = useRef<HTMLDivElement>(null);
  const commentId = useId();

  useEffect(() => {
    setDrafts(initialDrafts);
    setComment('');
    setCommentError(undefined);
    setError(undefined);
    setShowErrors(false);
  }, [initialDrafts]);

  useEffect(() => {
    const el = rootRef.current;
    if (!reveal || !el || typeof el.scrollIntoView !== 'function') return;
    if (el.getBoundingClientRect().top > window.innerHeight * 0.6) el.scrollIntoView({ block: 'start' });
  }, [detail.id, reveal]);

  useEffect(() => {
    if (focusWrong > 0) rootRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [focusWrong]);

  const checked = useMemo(() => checkEdits(detail.fields, detail.values, drafts), [detail, drafts]);
  const changed = useMemo(() => new Set(Object.keys(checked.edits)), [checked]);
  const choices = detail.choices.filter((c) => c.id !== EDIT);
  const needsComment = (outcome: string) => detail.commentRequiredFor.includes(outcome);
  const due = describeDue(detail.dueAt, Date.now());
  const finished = detail.runStatus === 'succeeded' || detail.runStatus === 'failed' || detail.runStatus === 'cancelled';

  const run = async (outcome: string) => {
    if (busy) return;
    setError(undefined);
    const approving = outcome === APPROVE;
    if (approving && Object.keys(checked.errors).length > 0) {
      setShowErrors(true);
      setFocusWrong((n) => n + 1);
      return;
    }
    if (needsComment(outcome) && comment.trim() === '') {
      const label = detail.choices.find((c) => c.id === outcome)?.label ?? outcome;
      setCommentError(`"${label}" needs a comment saying why.`);
      commentRef.current?.focus();
      return;
    }
    setBusy(true);
    const result = await decide(detail.id, { outcome, ...(comment.trim() ? { comment: comment.trim() } : {}), ...(approving ? { edits: checked.edits } : {}) });
    setBusy(false);
    if (!result.ok) {
      setError(result.error);
      return;
    }
    const label = approving && changed.size > 0 ? 'Approved with changes' : outcome === APPROVE ? 'Approved' : outcome === REJECT ? 'Rejected' : (detail.choices.find((c) => c.id === outcome)?.label ?? outcome);
    notify(result.stillWaiting && approving ? `${label}: "${detail.title}" — it still needs another person's approval.` : `${label}: "${detail.title}".`);
    onDecided(detail.id);
  };

  useImperativeHandle(actionsRef, () => ({ approve: () => void run(APPROVE), reject: () => void run(REJECT) }));

  return (
    <div className="inbox-detail" ref={rootRef} data-testid="inbox-detail" data-item-id={detail.id}>
      <header className="inbox-detail-head">
        <h2 id="inbox-detail-title">{detail.title || 'Review'}</h2>
        <p className="cell-sub">
          {detail.flowName} · {detail.stepName} · <span title={formatTimestamp(detail.createdAt)}>waiting since {formatWhen(detail.createdAt)}</span>
          {detail.assignee ? <> · for {detail.assignee}</> : null}
          {due ? <span className={due.overdue ? 'tone-text-warning' : undefined}> · {due.text}</span> : null}
        </p>
        {detail.escalatedFrom ? <p className="muted">Passed on from {detail.escalatedFrom} because nobody decided in time.</p> : null}
        {detail.approvals.needed > 1 ? (
          <p className="muted">
            Needs {detail.approvals.needed} different people to approve.{' '}
            {detail.approvals.given.length > 0 ? `Approved so far by ${detail.approvals.given.map((g) => g.by).join(', ')}.` : 'Nobody has approved it yet.'}
          </p>
        ) : null}
        {detail.forbidStarter && detail.startedBy ? <p className="muted">{detail.startedBy} started this run, so someone else has to approve it.</p> : null}
      </header>

      {detail.body ? <p className="inbox-body">{detail.body}</p> : null}

      {detail.table && detail.table.length > 0 ? <LineItems rows={detail.table} /> : null}

      {detail.ai ? (
        <section className="inbox-ai" aria-label="The AI step's answer">
          <h3 className="section-title">The AI step's answer</h3>
          <p className="inbox-ai-answer">{showValue(detail.ai.answer)}</p>
          {detail.ai.reason !== undefined && detail.ai.reason !== null && detail.ai.reason !== '' ? <p className="muted">Why: {showValue(detail.ai.reason)}</p> : null}
        </section>
      ) : null}

      {finished ? (
        <p className="muted" role="status">
          This run has ended ({detail.runStatus}), so this item can no longer be decided.
        </p>
      ) : (
        <form
          className="inbox-decide"
          onSubmit={(e) => {
            e.preventDefault();
            void run(APPROVE);
          }}
        >
          <ReviewFields fields={detail.fields} drafts={drafts} errors={showErrors ? checked.errors : {}} changed={changed} onChange={(name, value) => setDrafts((d) => ({ ...d, [name]: value }))} disabled={busy} />
          <div className="field">
            <label className="field-label" htmlFor={commentId}>
              Comment
              <span className="required">{detail.commentRequiredFor.length > 0 ? ` (needed to ${detail.commentRequiredFor.map((o) => (detail.choices.find((c) => c.id === o)?.label ?? o).toLowerCase()).join(' or ')})` : ' (optional)'}</span>
            </label>
            <textarea
              id={commentId}
              ref={commentRef}
              className="input"
              rows={2}
              value={comment}
              onChange={(e) => {
                setComment(e.target.value);
                setCommentError(undefined);
              }}
              aria-invalid={commentError ? true : undefined}
              aria-describedby={commentError ? `${commentId}-error` : undefined}
              disabled={busy}
            />
            {commentError ? (
              <span className="field-error" id={`${commentId}-error`}>
                {commentError}
              </span>
            ) : null}
          </div>
          {error ? <ErrorBox error={error} /> : null}
          <div className="inbox-actions">
            {choices.map((choice) => (
              <button
                key={choice.id}
                type={choice.id === APPROVE ? 'submit' : 'button'}
                className={`button${choice.id === APPROVE ? ' button-primary' : choice.id === REJECT ? ' button-danger-outline' : ''}`}
                onClick={choice.id === APPROVE ? undefined : () => void run(choice.id)}
                disabled={busy}
                data-outcome={choice.id}
              >
                {choice.id === APPROVE && changed.size > 0 ? 'Approve with changes' : choice.label}
                {choice.id === APPROVE ? <kbd aria-hidden="true">A</kbd> : choice.id === REJECT ? <kbd aria-hidden="true">R</kbd> : null}
              </button>
            ))}
          </div>
          <p className="field-help">{me ? `Your decision is recorded as ${me}.` : 'Set your name in Settings: every decision is recorded with the name of the person who made it.'}</p>
        </form>
      )}

      <details className="inbox-data">
        <summary>The item as it arrived</summary>
        <JsonView value={detail.item} label="The item as it arrived" />
      </details>
      {Object.keys(detail.upstream).length > 0 ? (
        <details className="inbox-data">
          <summary>Data from the steps before ({Object.keys(detail.upstream).length})</summary>
          {Object.entries(detail.upstream).map(([stepId, items]) => (
            <div key={stepId} className="inbox-upstream">
              <h3 className="section-title">{detail.stepNames[stepId] ?? stepId}</h3>
              <JsonView value={items} label={`Data from ${detail.stepNames[stepId] ?? stepId}`} />
            </div>
          ))}
        </details>
      ) : null}
      {owner ? (
        <a className="button button-small button-quiet" href={formatRoute({ view: 'run', runId: detail.runId })}>
          Open the run
        </a>
      ) : null}
    </div>
  );
}

function LineItems({ rows }: { rows: ReadonlyArray<Record<string, unknown>> }) {
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  return (
    <div className="table-scroll">
      <table className="table inbox-table">
        <caption className="section-title">Line items</caption>
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c} scope="col">
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row, i) => (
            <tr key={i}>
              {columns.map((c) => (
                <td key={c}>{showValue(row[c])}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
