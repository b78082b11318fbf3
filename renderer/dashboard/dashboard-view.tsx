/**
 * The dashboard: how the flows did over the last days — runs, success rate, time to finish, AI
 * cost, what waits for a person, and each flow's success metric against its target; flows that
 * fail or miss their target first, in red. Every figure opens the runs behind it (a list on this
 * screen, from `dashboard.runs`, each run opening its page). Figures come from `dashboard.get`
 * (the run index: no trace is read), refreshed when runs change.
 */
import './dashboard.css';
import { useCallback, useEffect, useId, useMemo, useRef, useState } from 'react';
import type { Dashboard, DashboardFigures, DashboardFlow } from '../../engine/model/dashboard.ts';
import type { RunSummaryInfo } from '../../engine/model/contract.ts';
import { getApi } from '../api.ts';
import { EmptyState } from '../components/empty-state.tsx';
import { ErrorBox } from '../components/error-box.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import { toErrorView, type ErrorView } from '../logic/errors.ts';
import { formatTimestamp, formatWhen, plural } from '../logic/format.ts';
import { formatRoute, type DashboardDrill, type Route } from '../logic/route.ts';
import { spendMoney, formatTokens } from '../logic/ai-spend.ts';
import { go } from '../stores/nav-store.ts';
import { useAlerts } from '../alerts/alerts-store.ts';
import { DayChart, type ChartSeries } from './day-chart.tsx';
import { describeDrill, drillFilter, duration, failedDeliveryLine, HEALTH_LABEL, HEALTH_TONE, metricFigure, metricLine, percent, rowTone, shortDay } from './dashboard-logic.ts';

const DAY_CHOICES = [7, 14, 30, 90];
const DEFAULT_DAYS = 14;
const PAGE = 50;
const timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone;

export interface DashboardViewProps {
  flowId?: string | undefined;
  days?: number | undefined;
  drill?: DashboardDrill | undefined;
}

export function DashboardView({ flowId, days = DEFAULT_DAYS, drill }: DashboardViewProps) {
  const [data, setData] = useState<Dashboard | undefined>();
  const [error, setError] = useState<ErrorView | undefined>();
  const [tick, setTick] = useState(0);
  const daysId = useId();

  useEffect(() => {
    let live = true;
    getApi()
      .dashboard.get({ days, timeZone, ...(flowId ? { flowId } : {}) })
      .then((d) => live && (setData(d), setError(undefined)))
      .catch((e: unknown) => live && setError(toErrorView(e)));
    return () => {
      live = false;
    };
  }, [flowId, days, tick]);

  // Runs finishing elsewhere change the figures: one refresh per burst of changes.
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const off = getApi().onEvent((event) => {
      if (event.type !== 'runs.changed' && event.type !== 'inbox.changed') return;
      clearTimeout(timer);
      timer = setTimeout(() => setTick((t) => t + 1), 1000);
    });
    return () => {
      off();
      clearTimeout(timer);
    };
  }, []);

  const here = useCallback((change: Partial<Extract<Route, { view: 'dashboard' }>>): Route => {
    const next = { view: 'dashboard' as const, ...(flowId ? { flowId } : {}), ...(days !== DEFAULT_DAYS ? { days } : {}), ...change };
    return next;
  }, [flowId, days]);
  const open = useCallback((d: DashboardDrill, forFlow?: string) => go({ ...here({ drill: d }), ...(forFlow ? { flowId: forFlow } : {}) }), [here]);

  const flow: DashboardFlow | undefined = flowId ? data?.flows.find((f) => f.flowId === flowId) : undefined;
  const title = flowId ? `Dashboard: ${flow?.name ?? flowId}` : 'Dashboard';

  return (
    <section className="view dashboard" aria-labelledby="dashboard-title" data-testid="dashboard">
      <header className="view-header">
        <div>
          <h1 id="dashboard-title">{title}</h1>
          <p className="view-subtitle">{flowId ? 'How this flow did, day by day. Click any figure to see the runs behind it.' : 'How your flows did, day by day. Click any figure to see the runs behind it.'}</p>
        </div>
      </header>
      <div className="toolbar">
        <label htmlFor={daysId} className="toolbar-label">
          Period
        </label>
        <select id={daysId} className="input input-inline" value={days} onChange={(e) => go({ ...here({}), days: Number(e.target.value) === DEFAULT_DAYS ? undefined : Number(e.target.value) } as Route)}>
          {(DAY_CHOICES.includes(days) ? DAY_CHOICES : [...DAY_CHOICES, days].sort((a, b) => a - b)).map((n) => (
            <option key={n} value={n}>
              Last {n} days
            </option>
          ))}
        </select>
        {flowId ? (
          <span className="chip">
            Flow: {flow?.name ?? flowId}
            <button type="button" className="chip-remove" aria-label="Show all flows" onClick={() => go({ view: 'dashboard', ...(days !== DEFAULT_DAYS ? { days } : {}) })}>
              ×
            </button>
          </span>
        ) : null}
      </div>

      <FailedDeliveries flowId={flowId} />
      {error ? <ErrorBox error={error} onRetry={() => setTick((t) => t + 1)} /> : null}
      {!data && !error ? <p className="muted loading">Loading the dashboard…</p> : null}
      {data ? <DashboardBody data={data} flow={flow} flowId={flowId} days={days} drill={drill} open={open} here={here} /> : null}
    </section>
  );
}

/** Alert messages that could not be sent: an owner who is not told is worse than a red figure. */
function FailedDeliveries({ flowId }: { flowId: string | undefined }) {
  const failed = useAlerts((s) => s.list.failedDeliveries);
  const shown = flowId ? failed.filter((d) => d.flowId === flowId) : failed;
  const line = failedDeliveryLine(shown);
  if (!line) return null;
  return (
    <div className="dashboard-delivery-warning" role="status" data-testid="dashboard-failed-deliveries">
      <span>{line}</span>{' '}
      <a href={formatRoute({ view: 'alerts' })}>See what to do on the Alerts screen</a>
    </div>
  );
}

interface BodyProps {
  data: Dashboard;
  flow: DashboardFlow | undefined;
  flowId: string | undefined;
  days: number;
  drill: DashboardDrill | undefined;
  open: (drill: DashboardDrill, forFlow?: string) => void;
  here: (change: Partial<Extract<Route, { view: 'dashboard' }>>) => Route;
}

function DashboardBody({ data, flow, flowId, days, drill, open, here }: BodyProps) {
  const figures: DashboardFigures = flow ?? data.overall;
  const health = flow?.health ?? data.overall.health;
  const fresh = data.overall.runs.total === 0 && data.flows.every((f) => f.runs.total === 0);
  if (fresh && !flowId) {
    return (
      <EmptyState
        title="No runs yet"
        action={
          <button type="button" className="button button-primary" onClick={() => go({ view: 'flows' })}>
            Go to Flows
          </button>
        }
      >
        <p>No flow has run in the last {plural(days, 'day')}. Once your flows run, this page shows how many runs there were, how many failed and where, how long they took, what the AI steps cost, what waits for a person, and whether each flow meets its target.</p>
      </EmptyState>
    );
  }
  const stepName = drill?.step !== undefined ? figures.failuresByStep.find((s) => s.nodeId === drill.step)?.name : undefined;
  return (
    <>
      {health.state === 'failing' || health.state === 'below-target' ? (
        <div className={`dashboard-banner tone-${HEALTH_TONE[health.state]}`} role="status">
          {health.reasons.map((r) => (
            <p key={r}>{r}</p>
          ))}
        </div>
      ) : null}

      {drill ? <DrillDown drill={drill} flowId={flowId} days={days} title={describeDrill(drill, stepName, flow?.name, days, shortDay)} close={here({})} /> : null}

      <Tiles figures={figures} open={open} />

      <div className="dashboard-charts">
        <RunsChart figures={figures} open={open} />
        <DurationChart figures={figures} open={open} />
        {flow?.metric ? <MetricChart flow={flow} open={open} /> : null}
      </div>

      {!flowId ? <FlowRows flows={data.flows} days={days} open={open} /> : null}

      <h2 className="dashboard-section-title">Where runs fail</h2>
      {figures.failuresByStep.length === 0 ? (
        <p className="muted">No step failed in the last {plural(days, 'day')}.</p>
      ) : (
        <ul className="dashboard-failures">
          {figures.failuresByStep.map((s) => (
            <li key={s.nodeId}>
              <button type="button" className="dash-link" onClick={() => open({ step: s.nodeId })}>
                {s.name}
              </button>{' '}
              — {[s.runs > 0 ? `${plural(s.runs, 'run')} stopped here` : '', s.items > 0 ? `${plural(s.items, 'item')} failed here while the run went on` : ''].filter(Boolean).join('; ')}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

function Tiles({ figures, open }: { figures: DashboardFigures; open: BodyProps['open'] }) {
  const { runs, reviews, ai } = figures;
  const ended = runs.succeeded + runs.failed + runs.cancelled;
  const oldest = reviews.oldest;
  return (
    <div className="dashboard-tiles">
      <button type="button" className="dashboard-tile" onClick={() => open({})}>
        <span className="dashboard-tile-label">Runs</span>
        <span className="dashboard-tile-value">{runs.total.toLocaleString('en-US')}</span>
        <span className="dashboard-tile-sub">
          {runs.succeeded.toLocaleString('en-US')} succeeded · {(runs.failed + runs.cancelled).toLocaleString('en-US')} failed
        </span>
      </button>
      <button type="button" className={`dashboard-tile${runs.failed + runs.cancelled > 0 ? ' tone-danger' : ''}`} onClick={() => open({ status: 'failed' })}>
        <span className="dashboard-tile-label">Succeeded</span>
        <span className="dashboard-tile-value">{percent(figures.successRate)}</span>
        <span className="dashboard-tile-sub">{ended === 0 ? 'no run finished yet' : `of ${plural(ended, 'finished run')}`}</span>
      </button>
      <button type="button" className="dashboard-tile" onClick={() => open({})}>
        <span className="dashboard-tile-label">95 % of runs finish within</span>
        <span className="dashboard-tile-value">{duration(figures.duration.p95Ms)}</span>
        <span className="dashboard-tile-sub">half finish within {duration(figures.duration.p50Ms)}</span>
      </button>
      <button type="button" className="dashboard-tile" onClick={() => open({ ai: true })}>
        <span className="dashboard-tile-label">AI cost</span>
        <span className="dashboard-tile-value">{spendMoney(ai)}</span>
        <span className="dashboard-tile-sub">{ai.calls === 0 ? 'no AI calls' : formatTokens(ai.promptTokens + ai.completionTokens)}</span>
      </button>
      <a className={`dashboard-tile${reviews.overdue > 0 ? ' tone-danger' : ''}`} href={oldest ? formatRoute({ view: 'run', runId: oldest.runId }) : formatRoute({ view: 'inbox' })}>
        <span className="dashboard-tile-label">Waiting for a person</span>
        <span className="dashboard-tile-value">{reviews.open.toLocaleString('en-US')}</span>
        <span className="dashboard-tile-sub" title={oldest ? formatTimestamp(oldest.createdAt) : undefined}>
          {oldest ? `oldest since ${formatWhen(oldest.createdAt)}${reviews.overdue > 0 ? ` · ${reviews.overdue} overdue` : ''}` : 'nothing waiting'}
        </span>
      </a>
      <button type="button" className="dashboard-tile" onClick={() => open({ reviewed: true })}>
        <span className="dashboard-tile-label">Approved as proposed</span>
        <span className="dashboard-tile-value">{percent(reviews.agreement)}</span>
        <span className="dashboard-tile-sub">{reviews.decided === 0 ? 'no decisions yet' : `of ${plural(reviews.decided, 'decision')}${reviews.autoApproved > 0 ? ` · ${reviews.autoApproved} let through` : ''}`}</span>
      </button>
    </div>
  );
}

const count = (n: number) => Math.round(n).toLocaleString('en-US');

function RunsChart({ figures, open }: { figures: DashboardFigures; open: BodyProps['open'] }) {
  const days = useMemo(() => figures.days.map((d) => d.day), [figures]);
  const series = useMemo<ChartSeries[]>(
    () => [
      { label: 'Succeeded', color: 'var(--success)', values: figures.days.map((d) => d.succeeded) },
      { label: 'Failed', color: 'var(--danger)', values: figures.days.map((d) => d.failed) },
      { label: 'Still going', color: 'var(--border-strong)', values: figures.days.map((d) => d.unfinished) },
    ],
    [figures],
  );
  const busiest = figures.days.reduce((best, d) => (d.succeeded + d.failed + d.unfinished > best.n ? { day: d.day, n: d.succeeded + d.failed + d.unfinished } : best), { day: '', n: 0 });
  const statuses = ['succeeded', 'failed', 'unfinished'] as const;
  return (
    <DayChart
      title="Runs per day"
      summary={`${plural(figures.runs.total, 'run')}, ${figures.runs.failed + figures.runs.cancelled} failed${busiest.n > 0 ? `; the busiest day was ${shortDay(busiest.day)} with ${busiest.n}` : ''}.`}
      days={days}
      kind="stacked-bars"
      series={series}
      format={count}
      onDay={(day) => open({ day })}
      onCell={(day, i) => open({ day, status: statuses[i] })}
    />
  );
}

function DurationChart({ figures, open }: { figures: DashboardFigures; open: BodyProps['open'] }) {
  const days = useMemo(() => figures.days.map((d) => d.day), [figures]);
  const series = useMemo<ChartSeries[]>(
    () => [
      { label: 'Half finish within', color: 'var(--accent)', values: figures.days.map((d) => d.p50Ms) },
      { label: '95 % finish within', color: 'var(--warning)', values: figures.days.map((d) => d.p95Ms) },
    ],
    [figures],
  );
  return (
    <DayChart
      title="Time from start to finish"
      summary={`95 % of runs finished within ${duration(figures.duration.p95Ms)}, half within ${duration(figures.duration.p50Ms)}.`}
      days={days}
      kind="lines"
      series={series}
      format={(v) => duration(v)}
      onDay={(day) => open({ day })}
    />
  );
}

function MetricChart({ flow, open }: { flow: DashboardFlow; open: BodyProps['open'] }) {
  const metric = flow.metric!;
  const days = useMemo(() => metric.series.map((p) => p.day), [metric]);
  const series = useMemo<ChartSeries[]>(
    () => [
      { label: 'Success metric', color: 'var(--accent)', values: metric.series.map((p) => p.value) },
      { label: 'Target', color: 'var(--text-muted)', values: metric.series.map(() => metric.target), dash: true },
    ],
    [metric],
  );
  return (
    <DayChart
      title={`Success metric: ${metric.label}`}
      summary={`Over the last ${plural(metric.windowDays, 'day')}: ${metricLine(metric)}${metric.met === false ? ', below target' : metric.met ? ', on target' : ''}.`}
      days={days}
      kind="lines"
      series={series}
      format={(v) => metricFigure(metric, v)}
      onDay={(day) => open({ day, production: true })}
    />
  );
}

function FlowRows({ flows, days, open }: { flows: DashboardFlow[]; days: number; open: BodyProps['open'] }) {
  if (flows.length === 0) return null;
  return (
    <>
      <h2 className="dashboard-section-title">Flows</h2>
      <div className="table-scroll">
        <table className="table dashboard-flows">
          <thead>
            <tr>
              <th scope="col">Flow</th>
              <th scope="col" className="num">
                Runs
              </th>
              <th scope="col" className="num">
                Succeeded
              </th>
              <th scope="col" className="num">
                95 % within
              </th>
              <th scope="col" className="num">
                AI cost
              </th>
              <th scope="col" className="num">
                Waiting
              </th>
              <th scope="col">Success metric</th>
            </tr>
          </thead>
          <tbody>
            {flows.map((f) => (
              <tr key={f.flowId} className={rowTone(f)} data-flow-id={f.flowId} data-health={f.health.state}>
                <td>
                  <a className="cell-title" href={formatRoute({ view: 'dashboard', flowId: f.flowId, ...(days !== DEFAULT_DAYS ? { days } : {}) })}>
                    {f.name}
                  </a>
                  {f.deleted ? <span className="cell-sub"> (deleted)</span> : null}
                  <div>
                    <StatusBadge status={f.health.state} look={{ label: HEALTH_LABEL[f.health.state], tone: HEALTH_TONE[f.health.state] }} />
                  </div>
                  {f.health.reasons.length > 0 && f.health.state !== 'idle' ? <div className="dashboard-reasons">{f.health.reasons.join(' ')}</div> : null}
                </td>
                <td className="num">
                  <button type="button" className="dash-link" onClick={() => open({}, f.flowId)} aria-label={`${f.name}: ${plural(f.runs.total, 'run')}. Show them`}>
                    {f.runs.total.toLocaleString('en-US')}
                  </button>
                </td>
                <td className="num">
                  <button type="button" className="dash-link" onClick={() => open({ status: 'failed' }, f.flowId)} aria-label={`${f.name}: ${percent(f.successRate)} succeeded. Show the failed runs`}>
                    {percent(f.successRate)}
                  </button>
                </td>
                <td className="num">{duration(f.duration.p95Ms)}</td>
                <td className="num">
                  <button type="button" className="dash-link" onClick={() => open({ ai: true }, f.flowId)} aria-label={`${f.name}: AI cost ${spendMoney(f.ai)}. Show the runs that used AI`}>
                    {spendMoney(f.ai)}
                  </button>
                </td>
                <td className="num">{f.reviews.open.toLocaleString('en-US')}</td>
                <td>
                  {f.metric ? (
                    <button type="button" className="dash-link" onClick={() => open({ production: true }, f.flowId)} title={f.metric.label} aria-label={`${f.name}: success metric ${metricLine(f.metric)}. Show the runs it counts`}>
                      {metricLine(f.metric)}
                    </button>
                  ) : (
                    <span className="muted">No success metric set</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

function DrillDown({ drill, flowId, days, title, close }: { drill: DashboardDrill; flowId: string | undefined; days: number; title: string; close: Route }) {
  const [runs, setRuns] = useState<RunSummaryInfo[] | undefined>();
  const [total, setTotal] = useState(0);
  const [error, setError] = useState<ErrorView | undefined>();
  const [limit, setLimit] = useState(PAGE);
  const key = JSON.stringify([drill, flowId, days]);
  const box = useRef<HTMLElement>(null);

  // A figure clicked further down opens its runs up here: bring them into view.
  useEffect(() => {
    setLimit(PAGE);
    box.current?.scrollIntoView({ block: 'nearest' });
  }, [key]);
  useEffect(() => {
    let live = true;
    getApi()
      .dashboard.runs({ ...drillFilter(drill, flowId), days, timeZone, limit })
      .then((r) => live && (setRuns(r.runs), setTotal(r.total), setError(undefined)))
      .catch((e: unknown) => live && setError(toErrorView(e)));
    return () => {
      live = false;
    };
    // `key` stands for drill, flowId and days (a new object each render).
  }, [key, limit]);

  return (
    <section className="dashboard-drill" aria-labelledby="drill-title" ref={box}>
      <div className="dashboard-drill-head">
        <h2 id="drill-title">
          {title}
          {runs ? ` (${total.toLocaleString('en-US')})` : ''}
        </h2>
        <a className="button button-small" href={formatRoute(close)}>
          Close
        </a>
      </div>
      {error ? <ErrorBox error={error} /> : null}
      {!runs && !error ? <p className="muted loading">Loading the runs…</p> : null}
      {runs && runs.length === 0 ? <p className="muted">No runs here.</p> : null}
      {runs && runs.length > 0 ? (
        <div className="table-scroll">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Status</th>
                <th scope="col">Flow</th>
                <th scope="col">Started</th>
                <th scope="col">Note</th>
              </tr>
            </thead>
            <tbody>
              {runs.map((run) => (
                <tr key={run.runId} data-run-id={run.runId}>
                  <td>
                    <StatusBadge status={run.status} />
                  </td>
                  <td>
                    <a className="cell-title" href={formatRoute({ view: 'run', runId: run.runId })}>
                      {run.flowName}
                    </a>
                  </td>
                  <td title={formatTimestamp(run.createdAt)} className="nowrap">
                    {formatWhen(run.createdAt)}
                  </td>
                  <td>
                    <div className="cell-note" title={run.attention ?? run.error ?? ''}>
                      {run.attention ?? run.error ?? ''}
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {runs && total > runs.length ? (
        <button type="button" className="button button-small" onClick={() => setLimit((l) => Math.min(1000, l + PAGE))} disabled={limit >= 1000}>
          Show more ({(total - runs.length).toLocaleString('en-US')} left)
        </button>
      ) : null}
    </section>
  );
}
