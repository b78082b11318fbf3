/**
 * The charter form: who owns the flow, what success means, what it must never do, who reviews,
 * where alerts go, and waivers — in plain words, no JSON. Every change is an edit of the flow in
 * the editor store (undoable, autosaved, versioned with the flow). Text fields commit when they
 * lose focus, so one undo takes back one field, not one keystroke.
 */
import { useEffect, useId, useState, type ReactNode } from 'react';
import type { Charter, MetricKind, ReadinessItem, Waiver } from '../../engine/model/charter.ts';
import type { Flow } from '../../engine/model/flow.ts';
import { useCredentials } from '../stores/credentials-store.ts';
import { useSession } from '../stores/session-store.ts';
import { useEditor } from '../editor/editor-store.ts';
import { charterOf, formOf, fromShown, METRIC_FORMS, splitAddresses, switchForm, toShown, unitWord } from './charter-logic.ts';

/** Changes the open flow's charter (one undoable edit). */
export function updateCharter(change: (charter: Charter) => Charter): void {
  useEditor.getState().commit((flow: Flow) => {
    const charter = change(charterOf(flow));
    return { ...flow, charter, ...(charter.owner.name.trim() ? { owner: charter.owner.name.trim() } : {}) };
  });
}

export function CharterForm({ flow, items }: { flow: Flow; items: ReadinessItem[] }) {
  const charter = charterOf(flow);
  const failing = (check: string) => items.find((i) => i.check === check && (!i.ok || i.waived));
  return (
    <div className="charter-form">
      <section className="card charter-section" aria-labelledby="charter-people">
        <h3 className="card-title" id="charter-people">
          Who answers for it
        </h3>
        <div className="charter-grid">
          <PersonFields idPrefix="charter-owner" legend="Owner" help="The person who answers when it breaks. Alerts go to them." value={charter.owner} onChange={(owner) => updateCharter((c) => ({ ...c, owner }))} />
          <PersonFields idPrefix="charter-backupOwner" legend="Backup owner" help="Takes over when the owner is away." value={charter.backupOwner} onChange={(backupOwner) => updateCharter((c) => ({ ...c, backupOwner }))} />
        </div>
        <TextField id="charter-reviewers" label="Who reviews its risky output" help="A person or a group from Settings; shown to reviewers and in the runbook." value={charter.reviewers} onCommit={(reviewers) => updateCharter((c) => ({ ...c, reviewers }))} />
        <TextField id="charter-mustNever" label="What it must never do" help="In your own words, e.g. “send a reply to a customer nobody has read”." value={charter.mustNever} multiline onCommit={(mustNever) => updateCharter((c) => ({ ...c, mustNever }))} />
      </section>
      <MetricFields flow={flow} charter={charter} />
      <AlertFields charter={charter} />
      <WaiverFields charter={charter} reviewItem={failing('review-step')} errorItem={failing('error-paths')} />
    </div>
  );
}

function PersonFields({ idPrefix, legend, help, value, onChange }: { idPrefix: string; legend: string; help: string; value: Charter['owner']; onChange: (v: Charter['owner']) => void }) {
  return (
    <fieldset className="fieldset charter-person">
      <legend>{legend}</legend>
      <p className="field-help">{help}</p>
      <TextField id={idPrefix} label="Name" value={value.name} onCommit={(name) => onChange({ ...value, name })} />
      <TextField id={`${idPrefix}-email`} label="E-mail" type="email" value={value.email} onCommit={(email) => onChange({ ...value, email })} />
    </fieldset>
  );
}

function MetricFields({ flow, charter }: { flow: Flow; charter: Charter }) {
  const metric = charter.metric;
  const form = metric ? formOf(metric.kind) : undefined;
  const setMetric = (next: Charter['metric']) => updateCharter((c) => ({ ...c, ...(next ? { metric: next } : { metric: undefined }) }));
  return (
    <section className="card charter-section" aria-labelledby="charter-success">
      <h3 className="card-title" id="charter-success">
        What success means
      </h3>
      <div className="field">
        <label className="field-label" htmlFor="charter-metric">
          What to measure
        </label>
        <select
          id="charter-metric"
          className="input"
          value={metric?.kind ?? ''}
          onChange={(e) => setMetric(e.target.value === '' ? undefined : switchForm(metric, e.target.value as MetricKind))}
        >
          <option value="">Pick what to measure…</option>
          {METRIC_FORMS.map((f) => (
            <option key={f.kind} value={f.kind}>
              {f.title}
            </option>
          ))}
        </select>
        {form ? <p className="field-help">{form.explain}</p> : <p className="field-help">Flowkeeper computes it from the runs a trigger started (runs by hand, test runs and failed runs are left out).</p>}
      </div>
      {metric && form ? (
        <div className="charter-grid">
          {form.needsStep ? (
            <div className="field">
              <label className="field-label" htmlFor="charter-metric-step">
                Step
              </label>
              <select id="charter-metric-step" className="input" value={metric.stepId ?? ''} onChange={(e) => setMetric({ ...metric, ...(e.target.value ? { stepId: e.target.value } : { stepId: undefined }) })}>
                <option value="">Pick a step…</option>
                {flow.nodes.map((n) => (
                  <option key={n.id} value={n.id}>
                    {n.name || n.id}
                  </option>
                ))}
              </select>
            </div>
          ) : null}
          {form.needsMinutesPerRun ? (
            <TextField id="charter-metric-minutes" label="Minutes one run saves" type="number" value={metric.minutesPerRun === undefined ? '' : String(metric.minutesPerRun)} onCommit={(t) => setMetric({ ...metric, ...(fromShown('minutes-saved', t) === undefined ? { minutesPerRun: undefined } : { minutesPerRun: fromShown('minutes-saved', t)! }) })} />
          ) : null}
          {form.needsPeriod ? (
            <div className="field">
              <span className="field-label" id="charter-metric-period">
                Counted
              </span>
              <div className="field-row" role="radiogroup" aria-labelledby="charter-metric-period">
                {(['day', 'week'] as const).map((p) => (
                  <label key={p} className="checkbox-label">
                    <input type="radio" name="charter-metric-period" checked={(metric.period ?? 'day') === p} onChange={() => setMetric({ ...metric, period: p })} /> per {p}
                  </label>
                ))}
              </div>
            </div>
          ) : null}
          <TextField id="charter-metric-target" label={`Target (${unitWord(metric.kind, metric.period)})`} help={metric.kind === 'median-trigger-to-done' ? 'Half the runs should be done within this time.' : 'The value that counts as success.'} type="number" value={toShown(metric.kind, metric.target || undefined)} onCommit={(t) => setMetric({ ...metric, target: fromShown(metric.kind, t) ?? 0 })} />
          <TextField id="charter-metric-baseline" label={`Before this flow (${unitWord(metric.kind, metric.period)})`} help="Optional: how it was done before, so the change shows." type="number" value={toShown(metric.kind, metric.baseline)} onCommit={(t) => setMetric({ ...metric, ...(fromShown(metric.kind, t) === undefined ? { baseline: undefined } : { baseline: fromShown(metric.kind, t)! }) })} />
          <TextField id="charter-metric-window" label="Measured over (days)" type="number" value={String(metric.windowDays)} onCommit={(t) => setMetric({ ...metric, windowDays: Math.min(365, Math.max(1, Math.round(Number(t)) || 7)) })} />
        </div>
      ) : null}
    </section>
  );
}

function AlertFields({ charter }: { charter: Charter }) {
  const credentials = useCredentials((s) => s.credentials);
  const loaded = useCredentials((s) => s.loaded);
  useEffect(() => {
    if (!loaded) void useCredentials.getState().load();
  }, [loaded]);
  const smtp = credentials.filter((c) => c.type === 'smtp');
  const route = charter.alerts ?? { desktop: true };
  const setRoute = (next: NonNullable<Charter['alerts']>) => updateCharter((c) => ({ ...c, alerts: next }));
  const email = route.email;
  const webhook = route.webhook;
  return (
    <section className="card charter-section" aria-labelledby="charter-watch">
      <h3 className="card-title" id="charter-watch">
        How it is watched
      </h3>
      <p className="field-help">When a run fails, stalls or misses the target, Flowkeeper tells the owner once per problem, and again when it clears.</p>
      <fieldset className="fieldset">
        <legend>
          <label className="checkbox-label">
            <input
              id="charter-alerts"
              type="checkbox"
              checked={email !== undefined}
              onChange={(e) => {
                const { email: _e, ...rest } = route;
                setRoute(e.target.checked ? { ...rest, email: { credential: smtp[0]?.id ?? '', to: [] } } : rest);
              }}
            />{' '}
            Send an e-mail
          </label>
        </legend>
        {email ? (
          <div className="charter-grid">
            <div className="field">
              <label className="field-label" htmlFor="charter-alerts-smtp">
                Mail server (SMTP credential)
              </label>
              <select id="charter-alerts-smtp" className="input" value={email.credential} onChange={(e) => setRoute({ ...route, email: { ...email, credential: e.target.value } })}>
                {email.credential === '' ? <option value="">Pick a credential…</option> : null}
                {smtp.map((c) => (
                  <option key={c.id} value={c.id}>
                    {c.label || c.id}
                  </option>
                ))}
                {email.credential !== '' && !smtp.some((c) => c.id === email.credential) ? <option value={email.credential}>{email.credential} (not stored on this computer)</option> : null}
              </select>
              {smtp.length === 0 ? <p className="field-help">No SMTP credential yet: add one under Credentials (type “smtp”).</p> : null}
            </div>
            <TextField id="charter-alerts-to" label="To" help="Addresses separated by commas. Empty: the owner and the backup owner." value={email.to.join(', ')} onCommit={(t) => setRoute({ ...route, email: { ...email, to: splitAddresses(t) } })} />
          </div>
        ) : null}
      </fieldset>
      <fieldset className="fieldset">
        <legend>
          <label className="checkbox-label">
            <input
              type="checkbox"
              checked={webhook !== undefined}
              onChange={(e) => {
                const { webhook: _w, ...rest } = route;
                setRoute(e.target.checked ? { ...rest, webhook: { url: '', format: 'slack' } } : rest);
              }}
            />{' '}
            Post to a webhook (Slack or any)
          </label>
        </legend>
        {webhook ? (
          <div className="charter-grid">
            <TextField id="charter-alerts-url" label="Webhook address" help="For Slack: an incoming-webhook address (https://hooks.slack.com/…)." value={webhook.url} onCommit={(url) => setRoute({ ...route, webhook: { ...webhook, url: url.trim() } })} />
            <div className="field">
              <span className="field-label" id="charter-alerts-format">
                Message format
              </span>
              <div className="field-row" role="radiogroup" aria-labelledby="charter-alerts-format">
                <label className="checkbox-label">
                  <input type="radio" name="charter-alerts-format" checked={webhook.format === 'slack'} onChange={() => setRoute({ ...route, webhook: { ...webhook, format: 'slack' } })} /> Slack message
                </label>
                <label className="checkbox-label">
                  <input type="radio" name="charter-alerts-format" checked={webhook.format === 'json'} onChange={() => setRoute({ ...route, webhook: { ...webhook, format: 'json' } })} /> JSON (the whole alert)
                </label>
              </div>
            </div>
          </div>
        ) : null}
      </fieldset>
      <label className="checkbox-label">
        <input type="checkbox" checked={route.desktop} onChange={(e) => setRoute({ ...route, desktop: e.target.checked })} /> Also show a notification on this computer
      </label>
    </section>
  );
}

function WaiverFields({ charter, reviewItem, errorItem }: { charter: Charter; reviewItem: ReadinessItem | undefined; errorItem: ReadinessItem | undefined }) {
  if (!reviewItem && !errorItem && charter.waivers.length === 0) return null;
  return (
    <section className="card charter-section" aria-labelledby="charter-waivers-title" id="charter-waivers">
      <h3 className="card-title" id="charter-waivers-title">
        Checks you decided to skip
      </h3>
      <p className="field-help">A check can be skipped only with a reason. Who skipped it and when is recorded with the flow.</p>
      {reviewItem || charter.waivers.some((w) => w.check === 'review-step') ? <WaiverField check="review-step" title="No review step before AI output is written" charter={charter} /> : null}
      {errorItem || charter.waivers.some((w) => w.check === 'error-paths') ? <WaiverField check="error-paths" title="Failed writes are not handled by an error path" charter={charter} /> : null}
    </section>
  );
}

function WaiverField({ check, title, charter }: { check: Waiver['check']; title: string; charter: Charter }) {
  const waiver = charter.waivers.find((w) => w.check === check);
  const me = useSession((s) => s.session?.name ?? '');
  const id = useId();
  return (
    <div className="field charter-waiver">
      <TextField
        id={`${id}-reason`}
        label={`Reason for: ${title}`}
        help={waiver && waiver.reason.trim() ? `Recorded${waiver.by ? ` by ${waiver.by}` : ''}${waiver.at ? ` on ${new Date(waiver.at).toLocaleString()}` : ''}. Empty the reason to take the waiver back.` : 'Say why this flow is safe without it.'}
        multiline
        value={waiver?.reason ?? ''}
        onCommit={(reason) =>
          updateCharter((c) => {
            const others = c.waivers.filter((w) => w.check !== check);
            if (reason.trim() === '') return { ...c, waivers: others };
            return { ...c, waivers: [...others, { check, reason: reason.trim(), by: me, at: new Date().toISOString() }] };
          })
        }
      />
    </div>
  );
}

/** A text input that keeps its draft while typing and commits on blur or Enter. */
function TextField({ id, label, help, value, onCommit, type = 'text', multiline = false }: { id: string; label: ReactNode; help?: string; value: string; onCommit: (value: string) => void; type?: 'text' | 'email' | 'number'; multiline?: boolean }) {
  const [draft, setDraft] = useState(value);
  useEffect(() => setDraft(value), [value]);
  const commit = () => {
    if (draft !== value) onCommit(draft);
  };
  return (
    <div className="field">
      <label className="field-label" htmlFor={id}>
        {label}
      </label>
      {multiline ? (
        <textarea id={id} className="input" rows={2} value={draft} onChange={(e) => setDraft(e.target.value)} onBlur={commit} />
      ) : (
        <input
          id={id}
          className="input"
          type={type}
          {...(type === 'number' ? { min: 0, step: 'any', inputMode: 'decimal' as const } : {})}
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
          onBlur={commit}
          onKeyDown={(e) => {
            if (e.key === 'Enter') commit();
          }}
        />
      )}
      {help ? <p className="field-help">{help}</p> : null}
    </div>
  );
}
