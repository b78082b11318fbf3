/**
 * What the flows list says about a flow's start: "Starts by hand" for a flow without a trigger
 * that fires by itself (no switch: it would mean nothing), otherwise the on/off switch and, while
 * on, its triggers' health in plain words ("Listening · last fired 3 min ago", "Stopped: …").
 * Pure, so it is tested without a page.
 */
import type { FlowSummary, FlowTriggerStatus, TriggerHealth } from '../../engine/model/contract.ts';
import { formatWhen, withoutStack } from './format.ts';

export type HealthTone = 'success' | 'warning' | 'danger' | 'neutral';

export interface HealthLine {
  tone: HealthTone;
  text: string;
  /** More, for a tooltip (the heartbeat). */
  detail?: string;
}

export type FlowStartView = { kind: 'by-hand'; text: string } | { kind: 'switch'; on: boolean; lines: HealthLine[] };

export function describeFlowStart(flow: Pick<FlowSummary, 'active' | 'startsByItself'>, status: FlowTriggerStatus | undefined, now: Date = new Date()): FlowStartView {
  // Switched on earlier, its trigger since removed: keep the switch, so it can be switched off.
  if (!flow.startsByItself && flow.active) return { kind: 'switch', on: true, lines: [{ tone: 'warning', text: 'Switched on, but nothing in it fires by itself any more: switch it off, or add a trigger such as “On a schedule”' }] };
  if (!flow.startsByItself) return { kind: 'by-hand', text: 'Starts by hand' };
  if (!flow.active) return { kind: 'switch', on: false, lines: [{ tone: 'neutral', text: 'Off: starts only when someone runs it' }] };
  const lines: HealthLine[] = [];
  if (status?.note) lines.push({ tone: status.runsHere ? 'danger' : 'neutral', text: withoutStack(status.note) });
  const triggers = status?.triggers ?? [];
  for (const trigger of triggers) {
    const line = describeTrigger(trigger, now);
    lines.push(triggers.length > 1 ? { ...line, text: `${trigger.title}: ${line.text}` } : line);
  }
  if (lines.length === 0) lines.push({ tone: 'neutral', text: 'Starting…' });
  return { kind: 'switch', on: true, lines };
}

function describeTrigger(t: TriggerHealth, now: Date): HealthLine {
  if (t.state === 'failed') return { tone: 'danger', text: `Stopped: ${t.lastError ? withoutStack(t.lastError.message) : 'it could not start.'}` };
  if (t.state === 'starting') return { tone: 'neutral', text: 'Starting…' };
  const fired = t.lastFiredAt ? `last fired ${formatWhen(t.lastFiredAt, now)}` : 'not fired yet';
  const parts = [`Listening · ${fired}`];
  // A trigger that keeps working despite a recent error (a dropped connection it retries) says so.
  if (t.lastError && Date.parse(t.lastError.at) >= Date.parse(t.since)) {
    return { tone: 'warning', text: `${parts[0]} · last problem ${formatWhen(t.lastError.at, now)}: ${withoutStack(t.lastError.message)}` };
  }
  // Not every trigger beats (a webhook waits silently), so an old heartbeat is no alarm: it is detail.
  return { tone: 'success', text: parts[0]!, ...(t.heartbeatAt ? { detail: `Last sign of life ${formatWhen(t.heartbeatAt, now)}` } : {}) };
}
