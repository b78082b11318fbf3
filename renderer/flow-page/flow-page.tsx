/**
 * The flow page ("Overview", beside the canvas): at a glance, does the flow run against live
 * systems, where a person reviews, who owns it, how it is watched, what success means and whether
 * it is met; the production checklist with a way to fix each item; switching it on (refused, with
 * the missing items, until the checklist passes); and the charter form.
 *
 * The checklist is asked of the API for the flow as edited (`charter.readiness` with the draft),
 * the metric for the saved flow (`charter.metric`, from the run index).
 */
import './flow-page.css';
import { useEffect, useState } from 'react';
import type { MetricResult, Readiness, ReadinessItem } from '../../engine/model/charter.ts';
import type { Flow } from '../../engine/model/flow.ts';
import { getApi } from '../api.ts';
import { toErrorView, type ErrorView } from '../logic/errors.ts';
import { switchRefusal, SwitchRefusalPanel, type SwitchRefusal } from '../components/switch-refusal.tsx';
import { describeLiveVersion } from '../logic/live-version.ts';
import { notify } from '../stores/notice-store.ts';
import { flushSave } from '../editor/autosave.ts';
import { useCatalog } from '../editor/catalog-store.ts';
import { useEditor } from '../editor/editor-store.ts';
import { CharterForm } from './charter-form.tsx';
import { DriftSection } from './drift-section.tsx';
import { charterOf, formOf, showFigure } from './charter-logic.ts';
import { VersionList } from './version-list.tsx';
import { HandoverSection } from '../handover/export-dialog.tsx';

type Checklist = Readiness & { active: boolean };

export interface FlowPageProps {
  flowId: string;
  /** Shows a step on the canvas (switches to it and selects the step). */
  onShowStep: (nodeId: string | undefined) => void;
}

export function FlowPage({ flowId, onShowStep }: FlowPageProps) {
  const flow = useEditor((s) => s.flow);
  const revision = useEditor((s) => s.revision);
  const savedVersion = useEditor((s) => s.savedVersion);
  const [checklist, setChecklist] = useState<Checklist | undefined>();
  const [checkError, setCheckError] = useState<ErrorView | undefined>();
  const [metric, setMetric] = useState<MetricResult | null | undefined>();
  const [refused, setRefused] = useState<SwitchRefusal | undefined>();
  const [switching, setSwitching] = useState(false);
  const [listTick, setListTick] = useState(0);
  // Which version runs while on (`flows.list`'s activeVersion): pinned by the app's switch.
  const [activeVersion, setActiveVersion] = useState<number | undefined>();

  useEffect(() => {
    let live = true;
    getApi()
      .flows.list({})
      .then((list) => live && setActiveVersion(list.find((f) => f.id === flowId)?.activeVersion))
      .catch(() => live && setActiveVersion(undefined));
    return () => {
      live = false;
    };
  }, [flowId, savedVersion, listTick]);

  // The checklist follows every edit (debounced), before it is saved.
  useEffect(() => {
    const current = useEditor.getState().flow;
    if (!current) return;
    let live = true;
    const timer = setTimeout(() => {
      getApi()
        .charter.readiness({ flowId, flow: current })
        .then((r) => live && (setChecklist(r), setCheckError(undefined)))
        .catch((e: unknown) => live && setCheckError(toErrorView(e)));
    }, 250);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [flowId, revision, listTick]);

  useEffect(() => {
    let live = true;
    getApi()
      .charter.metric({ flowId })
      .then((m) => live && setMetric(m))
      .catch(() => live && setMetric(null));
    return () => {
      live = false;
    };
  }, [flowId, savedVersion]);

  // A refusal shown earlier keeps only what is still missing, and goes once nothing is.
  useEffect(() => {
    if (!checklist) return;
    setRefused((r) => {
      if (!r || r.missing.length === 0) return r;
      const still = r.missing.filter((m) => checklist.missing.includes(m));
      if (still.length === r.missing.length) return r;
      const words = r.message.startsWith('Not put live') ? 'Not put live' : 'Not switched on';
      return still.length === 0 ? undefined : { message: `${words}: ${still.length === 1 ? 'one thing is' : `${still.length} things are`} still missing.`, missing: still };
    });
  }, [checklist]);

  if (!flow) return null;

  const showField = (field: string) => {
    const target = document.getElementById(`charter-${field}`);
    const page = target?.closest('.flow-page');
    if (!target || !page) return;
    // Scrolls the page itself (not the editor's frame), bringing the field to the middle.
    const offset = target.getBoundingClientRect().top - page.getBoundingClientRect().top;
    page.scrollTo({ top: page.scrollTop + offset - page.clientHeight / 2, behavior: 'smooth' });
    target.focus({ preventScroll: true });
  };
  const fix = (item: ReadinessItem) => {
    if (item.fix.kind === 'node') onShowStep(item.fix.nodeId);
    else if (item.fix.kind === 'canvas') onShowStep(undefined);
    else showField(item.fix.field);
  };

  /**
   * Saves first, then switches on the saved version, pinned: later autosaves do not go live until
   * someone presses "Put version … live" (`putLive`, the same call on a flow already on).
   */
  const switchOn = async (putLive = false) => {
    const refusedWords = putLive ? 'Not put live' : 'Not switched on';
    setSwitching(true);
    setRefused(undefined);
    try {
      if (!(await flushSave())) {
        notify('Save the flow first: see the message next to “Saved”.', 'danger');
        return;
      }
      const version = useEditor.getState().savedVersion;
      await getApi().flows.activate({ id: flowId, version });
      notify(putLive ? `Version ${version} of “${flow.name}” is live now.` : `“${flow.name}” is switched on (version ${version}): its triggers fire by themselves while Flowkeeper runs. Later edits go live only when you put them live.`, 'success');
    } catch (e) {
      setRefused(switchRefusal(e, refusedWords));
    } finally {
      setSwitching(false);
      setListTick((t) => t + 1);
    }
  };
  const switchOff = async () => {
    setSwitching(true);
    try {
      await getApi().flows.deactivate({ id: flowId });
      notify(`“${flow.name}” is switched off. Runs in progress continue.`);
    } catch (e) {
      notify(toErrorView(e).message, 'danger', 10_000);
    } finally {
      setSwitching(false);
      setListTick((t) => t + 1);
    }
  };

  const items = checklist?.items ?? [];
  const missing = items.filter((i) => !i.ok);
  const behind = describeLiveVersion({ active: checklist?.active, activeVersion, latest: savedVersion });
  return (
    <div className="flow-page" data-testid="flow-page">
      <section className={`flow-page-status card ${checklist?.active ? 'is-on' : ''}`} aria-label="Switched on or off">
        <div className="flow-page-status-text">
          <strong>{checklist?.active ? 'Switched on' : 'Switched off'}</strong>
          <span className="muted">
            {checklist === undefined
              ? 'Checking…'
              : checklist.ready
                ? checklist.active
                  ? 'Its triggers fire by themselves while Flowkeeper runs.'
                  : 'Ready for production: every item of the checklist is there.'
                : checklist.active
                  ? `It stays on, but ${missing.length === 1 ? 'one item of its checklist is' : `${missing.length} items of its checklist are`} missing now.`
                  : `${missing.length === 1 ? 'One item is' : `${missing.length} items are`} missing before it can be switched on.`}
          </span>
          {behind ? (
            <span className="flow-page-live-behind" data-testid="live-behind">
              {behind.text}
            </span>
          ) : checklist?.active && activeVersion !== undefined ? (
            <span className="muted">Version {activeVersion} is live.</span>
          ) : null}
        </div>
        {checklist?.active ? (
          <div className="flow-page-status-actions">
            {behind ? (
              <button type="button" className="button button-primary" disabled={switching} onClick={() => void switchOn(true)}>
                {behind.button}
              </button>
            ) : null}
            <button type="button" className="button" disabled={switching} onClick={() => void switchOff()}>
              Switch off
            </button>
          </div>
        ) : (
          <button type="button" className="button button-primary" disabled={switching || checklist === undefined} onClick={() => void switchOn()}>
            {switching ? 'Switching on…' : 'Switch on'}
          </button>
        )}
      </section>
      {refused ? (
        <SwitchRefusalPanel refused={refused} className="flow-page-refused" next="Fix them in the checklist below, then switch it on again." />
      ) : null}
      {checkError ? <div className="panel panel-danger">{checkError.message}</div> : null}

      <Glance flow={flow} checklist={checklist} metric={metric} onShowStep={onShowStep} />

      <section className="card flow-page-checklist" aria-labelledby="checklist-title">
        <h3 className="card-title" id="checklist-title">
          Production checklist
        </h3>
        {checklist === undefined ? (
          <p className="muted">Checking…</p>
        ) : (
          <ul className="checklist">
            {items.map((item) => (
              <li key={item.check} className={`checklist-item ${item.ok ? 'is-ok' : 'is-missing'}`} data-check={item.check}>
                <span className="checklist-mark" aria-hidden="true">
                  {item.ok ? '✓' : '!'}
                </span>
                <div className="checklist-text">
                  <span className="checklist-title">
                    {item.title}
                    <span className="visually-hidden">{item.ok ? ' (done)' : ' (missing)'}</span>
                  </span>
                  <span className="checklist-message">{item.message}</span>
                </div>
                {!item.ok || item.waived ? (
                  <button type="button" className="button button-small" onClick={() => fix(item)}>
                    {fixLabel(item)}
                  </button>
                ) : null}
              </li>
            ))}
          </ul>
        )}
      </section>

      <CharterForm flow={flow} items={items} />

      <DriftSection flowId={flowId} flow={flow} savedVersion={savedVersion} />
      <HandoverSection flowId={flowId} flowName={flow.name} />

      <VersionList flowId={flowId} savedVersion={savedVersion} activeVersion={checklist?.active ? activeVersion : undefined} onChanged={() => setListTick((t) => t + 1)} />
    </div>
  );
}

function fixLabel(item: ReadinessItem): string {
  if (item.waived) return 'See the reason';
  if (item.fix.kind === 'node') return 'Show the step';
  if (item.fix.kind === 'canvas') return 'Open the canvas';
  return 'Fill it in';
}

function Glance({ flow, checklist, metric, onShowStep }: { flow: Flow; checklist: Checklist | undefined; metric: MetricResult | null | undefined; onShowStep: (id: string) => void }) {
  const byType = useCatalog((s) => s.byType);
  const charter = charterOf(flow);
  const item = (check: string) => checklist?.items.find((i) => i.check === check);
  const live = item('live-trigger');
  const connectors = flow.nodes.filter((n) => byType.get(n.type)?.category === 'integration');
  const reviews = flow.nodes.filter((n) => byType.get(n.type)?.category === 'review');
  const name = (n: Flow['nodes'][number]) => n.name || byType.get(n.type)?.title || n.id;
  const effect = (n: Flow['nodes'][number]) => {
    const e = byType.get(n.type)?.effects;
    return e === 'write' ? 'writes' : e === 'read' ? 'reads' : 'reads or writes';
  };
  const route = charter.alerts;
  const ways = [
    route?.email ? `E-mail to ${route.email.to.length > 0 ? route.email.to.join(', ') : 'the owner and the backup owner'}` : undefined,
    route?.webhook ? (route.webhook.format === 'slack' ? 'A Slack message' : `A webhook (${route.webhook.url || 'no address yet'})`) : undefined,
    route?.desktop ? 'A notification on this computer' : undefined,
  ].filter((w): w is string => w !== undefined);
  return (
    <div className="glance" aria-label="At a glance">
      <GlanceCard title="What starts it, what it touches" ok={live?.ok}>
        {live === undefined ? <p className="muted">…</p> : live.ok ? <p>Starts by itself:</p> : <p>Only by hand: nothing starts it by itself yet.</p>}
        {live?.ok ? (
          <ul className="glance-list">
            {flow.nodes
              .filter((n) => live.nodeIds?.includes(n.id))
              .map((n) => (
                <li key={n.id}>
                  <button type="button" className="link-button" onClick={() => onShowStep(n.id)}>
                    {name(n)}
                  </button>{' '}
                  <span className="muted">{byType.get(n.type)?.title}</span>
                </li>
              ))}
          </ul>
        ) : null}
        <p className="muted glance-small">{checklist?.active ? 'Switched on: it runs for real, by itself.' : 'Switched off: it runs only when someone starts it by hand.'}</p>
        {connectors.length > 0 ? (
          <ul className="glance-list">
            {connectors.map((n) => (
              <li key={n.id}>
                <button type="button" className="link-button" onClick={() => onShowStep(n.id)}>
                  {name(n)}
                </button>{' '}
                <span className="muted">{effect(n)}</span>
              </li>
            ))}
          </ul>
        ) : (
          <p className="muted">No connectors: it talks to no outside system.</p>
        )}
      </GlanceCard>
      <GlanceCard title="Where a person reviews" ok={item('review-step')?.ok}>
        {reviews.length > 0 ? (
          <ul className="glance-list">
            {reviews.map((n) => (
              <li key={n.id}>
                <button type="button" className="link-button" onClick={() => onShowStep(n.id)}>
                  {name(n)}
                </button>
              </li>
            ))}
          </ul>
        ) : (
          <p>Nowhere: no step asks a person.</p>
        )}
        <p className="muted">{charter.reviewers ? `Reviewed by ${charter.reviewers}.` : 'Reviewers not named yet.'}</p>
      </GlanceCard>
      <GlanceCard title="Who owns it" ok={item('owner')?.ok === true && item('backup-owner')?.ok === true}>
        <p>{charter.owner.name ? `${charter.owner.name}${charter.owner.email ? ` · ${charter.owner.email}` : ''}` : 'Nobody yet.'}</p>
        <p className="muted">{charter.backupOwner.name ? `Backup: ${charter.backupOwner.name}${charter.backupOwner.email ? ` · ${charter.backupOwner.email}` : ''}` : 'No backup owner.'}</p>
        {charter.mustNever ? <p className="glance-never">Must never: {charter.mustNever}</p> : null}
      </GlanceCard>
      <GlanceCard title="How it is watched" ok={item('alert-route')?.ok}>
        {ways.length > 0 ? (
          <ul className="glance-list">
            {ways.map((w) => (
              <li key={w}>{w}</li>
            ))}
          </ul>
        ) : (
          <p>Nobody is told when it fails.</p>
        )}
      </GlanceCard>
      <GlanceCard title="What success means" ok={metric ? (metric.met ?? undefined) : item('metric')?.ok === false ? false : undefined}>
        <MetricGlance flow={flow} metric={metric} />
      </GlanceCard>
    </div>
  );
}

function GlanceCard({ title, ok, children }: { title: string; ok: boolean | undefined; children: React.ReactNode }) {
  return (
    <section className={`card glance-card ${ok === true ? 'is-ok' : ok === false ? 'is-missing' : ''}`}>
      <h3 className="card-title">{title}</h3>
      {children}
    </section>
  );
}

function MetricGlance({ flow, metric }: { flow: Flow; metric: MetricResult | null | undefined }) {
  const charter = charterOf(flow);
  if (!charter.metric) return <p>Not agreed yet: pick what to measure below.</p>;
  if (metric === undefined) return <p className="muted">Computing…</p>;
  if (metric === null) return <p>{formOf(charter.metric.kind).title}: saved with the flow in a moment.</p>;
  const goal = `${metric.better === 'lower' ? 'at most' : 'at least'} ${showFigure(metric, metric.target)}`;
  return (
    <>
      <p className="glance-metric-label">{metric.label}.</p>
      {metric.value === null ? (
        <p className="muted">No production runs in the last {metric.windowDays} days yet, so nothing to judge.</p>
      ) : (
        <p>
          <strong className={metric.met ? 'is-good' : 'is-bad'}>{showFigure(metric, metric.value)}</strong> over the last {metric.windowDays} days — target {goal}
          {metric.met ? ', met.' : ', not met.'}
        </p>
      )}
      {metric.baseline !== undefined ? <p className="muted">Before this flow: {showFigure(metric, metric.baseline)}.</p> : null}
      {metric.runs > 0 ? <Series metric={metric} /> : null}
      {metric.runs === 0 && metric.excluded.notProduction + metric.excluded.failed === 0 ? null : (
      <p className="muted glance-small">
        {metric.runs} production {metric.runs === 1 ? 'run' : 'runs'} counted
        {metric.excluded.notProduction + metric.excluded.failed > 0 ? `; left out: ${metric.excluded.notProduction} started by hand or test runs, ${metric.excluded.failed} failed` : ''}.
      </p>
      )}
    </>
  );
}

/** One bar per day of the window; days without a figure are a thin grey mark. */
function Series({ metric }: { metric: MetricResult }) {
  const values = metric.series.map((p) => p.value ?? 0);
  const max = Math.max(metric.target, ...values) || 1;
  const width = 12;
  const height = 40;
  return (
    <svg className="glance-series" viewBox={`0 0 ${metric.series.length * (width + 3)} ${height}`} role="img" aria-label={`Per day: ${metric.series.map((p) => `${p.day} ${p.value === null ? 'no runs' : showFigure(metric, p.value)}`).join(', ')}`}>
      <line x1="0" x2={metric.series.length * (width + 3)} y1={height - (metric.target / max) * height} y2={height - (metric.target / max) * height} className="glance-series-target" />
      {metric.series.map((p, i) => {
        const h = p.value === null ? 1 : Math.max(1, (p.value / max) * height);
        return <rect key={p.day} x={i * (width + 3)} y={height - h} width={width} height={h} className={p.value === null ? 'is-empty' : ''} />;
      })}
    </svg>
  );
}
