/**
 * `flowkeeper status`: one headline per flow — on or off, ready or how many checklist items are
 * missing, owner, runs today and how many succeeded, and the success metric against its target
 * (engine/charter/status.ts, from the flow files and the run index; no trace is read).
 */
import { ActiveFlows, dataDirStores, flowHeadlines, resolveDataDir, type FlowHeadline } from '../engine/index.ts';
import { duration, percent } from '../engine/charter/readiness.ts';
import type { Command } from './commands.ts';
import { specs } from './command-specs.ts';
import { registry, UsageError } from './context.ts';

export const statusCommand: Command = {
  ...specs.status,
  async run(ctx) {
    if (ctx.positionals.length > 0) throw new UsageError(`Unexpected argument "${ctx.positionals[0]}".`);
    const data = dataDirStores(resolveDataDir(ctx.values['data-dir'] as string | undefined), { catalog: registry });
    const flowId = ctx.values.flow as string | undefined;
    if (flowId !== undefined) await data.flows.get(flowId); // an unknown flow is an error, not an empty list
    const active = new Set(Object.keys(await new ActiveFlows(data.layout.triggers).read()));
    const headlines = await flowHeadlines({ flows: data.flows, runIndex: data.runIndex, catalog: registry, active, now: Date.now() }, flowId);
    if (ctx.json) {
      ctx.io.out(JSON.stringify(headlines, null, 2));
      return 0;
    }
    if (headlines.length === 0) {
      ctx.io.out('No flows yet. Create one in the app, or import a flow file.');
      return 0;
    }
    for (const line of headlineTable(headlines)) ctx.io.out(line);
    return 0;
  },
};

/** One line per flow, columns aligned: id, on/off, ready, owner, today, metric. */
export function headlineTable(headlines: readonly FlowHeadline[]): string[] {
  const rows = headlines.map((h) => [
    h.flowId,
    h.active ? 'on' : 'off',
    h.problem ? 'has problems' : h.ready ? 'ready' : `${h.missing.length} missing`,
    h.owner || 'no owner',
    today(h),
    metricText(h),
  ]);
  const header = ['FLOW', 'SWITCH', 'CHECKLIST', 'OWNER', 'TODAY', 'SUCCESS METRIC'];
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)];
}

function today(h: FlowHeadline): string {
  const { runs } = h.today;
  if (runs === 0) return 'no runs';
  const rate = h.successRate === null ? 'none finished' : `${percent(h.successRate)} ok`;
  return `${runs} ${runs === 1 ? 'run' : 'runs'}, ${rate}${h.today.running > 0 ? `, ${h.today.running} still going` : ''}`;
}

function metricText(h: FlowHeadline): string {
  const m = h.metric;
  if (!m) return 'none set';
  const per = m.period === undefined ? '' : `/${m.period}`;
  const show = (v: number) => (m.unit === 'share' ? percent(v) : m.unit === 'ms' ? duration(v) : `${Math.round(v * 10) / 10}${m.unit === 'minutes' ? ' min' : ''}${per}`);
  const goal = `${m.better === 'lower' ? '≤' : '≥'} ${show(m.target)}`;
  if (m.value === null) return `no production runs in ${m.windowDays} days (target ${goal})`;
  return `${show(m.value)} (target ${goal}) ${m.met ? 'met' : 'below target'}`;
}
