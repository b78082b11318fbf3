/**
 * Alerts: one card per open problem of a flow (how often, since when, where it was sent), with
 * the run to open, snooze and mute; messages that could not be sent, with what to do; recently
 * cleared problems and muted flows. Updated live through `alerts.changed`.
 */
import { useEffect } from 'react';
import type { Alert, AlertDelivery } from '../../engine/model/alerts.ts';
import { EmptyState } from '../components/empty-state.tsx';
import { ErrorBox } from '../components/error-box.tsx';
import { formatTimestamp } from '../logic/format.ts';
import { tidyEngineWords } from '../logic/plain-errors.ts';
import { alertHeadline, alertPlace, clockTime, deliveryLine, openLabel, purposeLabel } from './alert-words.ts';
import { useAlerts } from './alerts-store.ts';
import './alerts.css';

export function AlertsView() {
  const { list, loaded, error, actionError, load } = useAlerts();

  useEffect(() => {
    void load();
  }, [load]);

  return (
    <section className="view alerts-view" aria-labelledby="alerts-title">
      <header className="view-header">
        <div>
          <h1 id="alerts-title">Alerts</h1>
          <p className="view-subtitle">One alert per problem: its owner hears once when it starts and once when it clears. Repeats are counted here.</p>
        </div>
      </header>

      {error ? <ErrorBox error={error} onRetry={() => void load()} /> : null}
      {actionError ? <ErrorBox error={actionError} /> : null}
      {!loaded && !error ? <p className="muted loading">Loading alerts…</p> : null}

      {list.elsewhere ? (
        <p className="alerts-elsewhere" role="note">
          {list.elsewhere}
        </p>
      ) : null}

      {list.failedDeliveries.length > 0 ? <FailedDeliveries deliveries={list.failedDeliveries} /> : null}

      {loaded && list.open.length === 0 ? (
        <EmptyState title="No open alerts">
          <p>When a run fails, a run waits for a decision, a review is late or a trigger stops firing, it shows here — once per problem — and the flow's owner is told by e-mail, webhook or a desktop notice, as the flow's charter says.</p>
        </EmptyState>
      ) : null}

      {list.open.length > 0 ? (
        <ul className="alert-list" aria-label="Open alerts">
          {list.open.map((alert) => (
            <OpenAlert key={alert.key} alert={alert} />
          ))}
        </ul>
      ) : null}

      {list.muted.length > 0 ? <MutedFlows muted={list.muted} /> : null}
      {list.recent.length > 0 ? <RecentAlerts alerts={list.recent} /> : null}
    </section>
  );
}

function OpenAlert({ alert }: { alert: Alert }) {
  const { mute, unmute, snooze } = useAlerts();
  const now = new Date();
  const snoozed = alert.snoozedUntil !== undefined && Date.parse(alert.snoozedUntil) > now.getTime();
  const place = alertPlace(alert);
  const detail = alert.detail ? tidyEngineWords(alert.detail) : undefined;
  return (
    <li className={`alert-card${alert.muted || snoozed ? ' alert-quiet' : ''}`} data-alert-key={alert.key}>
      <div className="alert-main">
        <p className="alert-headline" title={`First ${formatTimestamp(alert.firstSeen)} · last ${formatTimestamp(alert.lastSeen)}`}>
          {alertHeadline(alert, now)}
        </p>
        {place || detail ? (
          <p className="alert-detail">
            {place ? <span className="alert-place">{place}</span> : null}
            {place && detail ? ' · ' : null}
            {detail}
          </p>
        ) : null}
        <div className="alert-flags">
          {alert.muted ? <span className="badge tone-neutral">Muted: not sent</span> : null}
          {snoozed ? <span className="badge tone-neutral">Snoozed until {clockTime(alert.snoozedUntil!, now)}</span> : null}
        </div>
        {alert.deliveries.length > 0 ? (
          <ul className="alert-deliveries" aria-label="Messages sent about it">
            {alert.deliveries.map((d) => (
              <li key={d.id} className={d.status === 'failed' ? 'delivery-failed' : undefined}>
                {deliveryLine(d, now)}
              </li>
            ))}
          </ul>
        ) : !alert.muted && !snoozed ? (
          <p className="alert-deliveries muted">Shown here only: this flow has no alert route in its charter.</p>
        ) : null}
      </div>
      <div className="alert-actions">
        <a className="button button-small button-primary" href={alert.link}>
          {openLabel(alert)}
        </a>
        {snoozed ? (
          <button type="button" className="button button-small" onClick={() => void snooze(alert.key, 0, '')}>
            End snooze
          </button>
        ) : (
          <>
            <button type="button" className="button button-small" onClick={() => void snooze(alert.key, 60, '1 hour')}>
              Snooze 1 h
            </button>
            <button type="button" className="button button-small" onClick={() => void snooze(alert.key, 24 * 60, '1 day')}>
              Snooze 1 day
            </button>
          </>
        )}
        {alert.muted ? (
          <button type="button" className="button button-small button-quiet" onClick={() => void unmute(alert.flowId, alert.flowName)}>
            Unmute flow
          </button>
        ) : (
          <button type="button" className="button button-small button-quiet" onClick={() => void mute(alert.flowId, alert.flowName)}>
            Mute flow
          </button>
        )}
      </div>
    </li>
  );
}

function FailedDeliveries({ deliveries }: { deliveries: AlertDelivery[] }) {
  return (
    <section className="delivery-problems" aria-labelledby="delivery-problems-title" role="status">
      <h2 id="delivery-problems-title">{deliveries.length === 1 ? 'A message could not be sent' : `${deliveries.length} messages could not be sent`}</h2>
      <ul>
        {deliveries.slice(0, 5).map((d) => (
          <li key={d.id}>
            <p className="delivery-what">
              {purposeLabel(d.purpose)}: {d.subject} — {d.channel === 'email' ? `e-mail to ${d.to}` : d.to}
            </p>
            <p className="delivery-why">{d.error?.message ?? 'It could not be delivered.'}</p>
            {d.error?.hint ? <p className="error-hint">{d.error.hint}</p> : null}
          </li>
        ))}
      </ul>
      {deliveries.length > 5 ? <p className="muted">and {deliveries.length - 5} more (flowkeeper alerts lists them all).</p> : null}
    </section>
  );
}

function MutedFlows({ muted }: { muted: Array<{ flowId: string; flowName: string; since: string }> }) {
  const unmute = useAlerts((s) => s.unmute);
  return (
    <section className="alerts-section" aria-labelledby="muted-title">
      <h2 id="muted-title">Muted flows</h2>
      <p className="muted">Their problems are still recorded and listed; nobody is told.</p>
      <ul className="muted-list">
        {muted.map((m) => (
          <li key={m.flowId}>
            <span>
              {m.flowName} <span className="muted">since {clockTime(m.since)}</span>
            </span>
            <button type="button" className="button button-small" onClick={() => void unmute(m.flowId, m.flowName)}>
              Unmute
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}

function RecentAlerts({ alerts }: { alerts: Alert[] }) {
  const now = new Date();
  return (
    <section className="alerts-section" aria-labelledby="recent-title">
      <h2 id="recent-title">Recently cleared</h2>
      <ul className="recent-list">
        {alerts.map((alert) => (
          <li key={`${alert.key}@${alert.firstSeen}`}>
            <span className="recent-mark" aria-hidden="true">
              ✓
            </span>
            <span className="recent-text">
              {alertHeadline(alert, now)}
              <span className="muted">
                {' '}
                — cleared {clockTime(alert.resolvedAt ?? alert.lastSeen, now)}
                {alert.resolvedBy ? ` (${alert.resolvedBy})` : ''}
              </span>
            </span>
            <a href={alert.link} className="recent-link">
              {openLabel(alert)}
            </a>
          </li>
        ))}
      </ul>
    </section>
  );
}
