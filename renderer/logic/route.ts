/**
 * Screens are addressed by the URL hash (`#/runs/run-…`), so the back button, reloads and links
 * work the same in the desktop window and the browser.
 */

export type Route =
  | { view: 'flows' }
  /** The editor; with a run id, that past run on the canvas (time travel, read-only). */
  | { view: 'editor'; flowId: string; runId?: string; tab?: 'overview' }
  /** Two saved versions of a flow compared on the canvas (renderer/version-diff/). */
  | { view: 'compare'; flowId: string; from: number; to: number }
  | { view: 'runs'; status?: string; flowId?: string }
  | { view: 'run'; runId: string }
  /** With an item id: that item open (`#/inbox/<id>`, engine/inbox/inbox-link.ts builds the link). */
  | { view: 'inbox'; itemId?: string }
  | { view: 'alerts' }
  /** The dashboard (renderer/dashboard/); `drill`: the runs behind one of its figures. */
  | { view: 'dashboard'; flowId?: string; days?: number; drill?: DashboardDrill }
  | { view: 'credentials' }
  | { view: 'settings' };

export type Section = 'flows' | 'runs' | 'inbox' | 'dashboard' | 'alerts' | 'credentials' | 'settings';

/** Which runs a dashboard figure stands for (the filter of `dashboard.runs`, in the address). */
export interface DashboardDrill {
  status?: 'succeeded' | 'failed' | 'unfinished';
  /** YYYY-MM-DD, a local calendar day. */
  day?: string;
  /** The step runs failed at. */
  step?: string;
  ai?: boolean;
  reviewed?: boolean;
  production?: boolean;
}

const DRILL_STATUSES = new Set(['succeeded', 'failed', 'unfinished']);

export function parseRoute(hash: string): Route {
  const clean = hash.replace(/^#\/?/, '');
  const [pathPart = '', queryPart = ''] = clean.split('?', 2);
  const parts = pathPart.split('/').filter(Boolean).map((p) => safeDecode(p));
  const query = new URLSearchParams(queryPart);
  switch (parts[0]) {
    case 'runs': {
      if (parts[1]) return { view: 'run', runId: parts[1] };
      const route: Route = { view: 'runs' };
      const status = query.get('status');
      const flowId = query.get('flow');
      if (status) route.status = status;
      if (flowId) route.flowId = flowId;
      return route;
    }
    case 'flows':
      // `#/flows/<id>/overview`: the flow page beside the canvas (renderer/flow-page/).
      if (parts[1] && parts[2] === 'compare') {
        const [from, to] = [Number(parts[3]), Number(parts[4])];
        if (Number.isInteger(from) && Number.isInteger(to) && from >= 1 && to >= 1) return { view: 'compare', flowId: parts[1], from, to };
        return { view: 'editor', flowId: parts[1], tab: 'overview' };
      }
      if (parts[1] && parts[2] === 'overview') return { view: 'editor', flowId: parts[1], tab: 'overview' };
      if (parts[1]) return parts[2] === 'runs' && parts[3] ? { view: 'editor', flowId: parts[1], runId: parts[3] } : { view: 'editor', flowId: parts[1] };
      return { view: 'flows' };
    case 'inbox':
      return parts[1] ? { view: 'inbox', itemId: parts[1] } : { view: 'inbox' };
    case 'alerts':
      return { view: 'alerts' };
    case 'dashboard':
      return dashboardRoute(query);
    case 'credentials':
      return { view: 'credentials' };
    case 'settings':
      return { view: 'settings' };
    default:
      return { view: 'flows' };
  }
}

export function formatRoute(route: Route): string {
  switch (route.view) {
    case 'run':
      return `#/runs/${encodeURIComponent(route.runId)}`;
    case 'compare':
      return `#/flows/${encodeURIComponent(route.flowId)}/compare/${route.from}/${route.to}`;
    case 'editor':
      if (route.tab === 'overview' && !route.runId) return `#/flows/${encodeURIComponent(route.flowId)}/overview`;
      return route.runId ? `#/flows/${encodeURIComponent(route.flowId)}/runs/${encodeURIComponent(route.runId)}` : `#/flows/${encodeURIComponent(route.flowId)}`;
    case 'runs': {
      const query = new URLSearchParams();
      if (route.status) query.set('status', route.status);
      if (route.flowId) query.set('flow', route.flowId);
      const q = query.toString();
      return q ? `#/runs?${q}` : '#/runs';
    }
    case 'inbox':
      return route.itemId ? `#/inbox/${encodeURIComponent(route.itemId)}` : '#/inbox';
    case 'dashboard': {
      const query = new URLSearchParams();
      if (route.flowId) query.set('flow', route.flowId);
      if (route.days) query.set('days', String(route.days));
      const drill = route.drill;
      if (drill) {
        query.set('runs', '1');
        if (drill.status) query.set('status', drill.status);
        if (drill.day) query.set('day', drill.day);
        if (drill.step !== undefined) query.set('step', drill.step);
        if (drill.ai) query.set('ai', '1');
        if (drill.reviewed) query.set('reviewed', '1');
        if (drill.production) query.set('production', '1');
      }
      const q = query.toString();
      return q ? `#/dashboard?${q}` : '#/dashboard';
    }
    default:
      return `#/${route.view}`;
  }
}

function dashboardRoute(query: URLSearchParams): Route {
  const route: Extract<Route, { view: 'dashboard' }> = { view: 'dashboard' };
  const flowId = query.get('flow');
  if (flowId) route.flowId = flowId;
  const days = Number(query.get('days'));
  if (Number.isInteger(days) && days >= 1 && days <= 365) route.days = days;
  if (query.get('runs') === '1') {
    const drill: DashboardDrill = {};
    const status = query.get('status');
    if (status && DRILL_STATUSES.has(status)) drill.status = status as DashboardDrill['status'];
    const day = query.get('day');
    if (day && /^\d{4}-\d{2}-\d{2}$/.test(day)) drill.day = day;
    const step = query.get('step');
    if (step !== null && step !== '') drill.step = step;
    if (query.get('ai') === '1') drill.ai = true;
    if (query.get('reviewed') === '1') drill.reviewed = true;
    if (query.get('production') === '1') drill.production = true;
    route.drill = drill;
  }
  return route;
}

/** Which item of the left navigation a route belongs to. */
export function sectionOf(route: Route): Section {
  if (route.view === 'editor' || route.view === 'compare') return 'flows';
  return route.view === 'run' ? 'runs' : route.view;
}

function safeDecode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}
