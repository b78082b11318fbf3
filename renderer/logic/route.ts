/**
 * Screens are addressed by the URL hash (`#/runs/run-…`), so the back button, reloads and links
 * work the same in the desktop window and the browser.
 */

export type Route =
  | { view: 'flows' }
  /** The editor; with a run id, that past run on the canvas (time travel, read-only). */
  | { view: 'editor'; flowId: string; runId?: string; tab?: 'overview' }
  | { view: 'runs'; status?: string; flowId?: string }
  | { view: 'run'; runId: string }
  /** With an item id: that item open (`#/inbox/<id>`, engine/inbox/inbox-link.ts builds the link). */
  | { view: 'inbox'; itemId?: string }
  | { view: 'alerts' }
  | { view: 'credentials' }
  | { view: 'settings' };

export type Section = 'flows' | 'runs' | 'inbox' | 'alerts' | 'credentials' | 'settings';

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
      if (parts[1] && parts[2] === 'overview') return { view: 'editor', flowId: parts[1], tab: 'overview' };
      if (parts[1]) return parts[2] === 'runs' && parts[3] ? { view: 'editor', flowId: parts[1], runId: parts[3] } : { view: 'editor', flowId: parts[1] };
      return { view: 'flows' };
    case 'inbox':
      return parts[1] ? { view: 'inbox', itemId: parts[1] } : { view: 'inbox' };
    case 'alerts':
      return { view: 'alerts' };
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
    default:
      return `#/${route.view}`;
  }
}

/** Which item of the left navigation a route belongs to. */
export function sectionOf(route: Route): Section {
  if (route.view === 'editor') return 'flows';
  return route.view === 'run' ? 'runs' : route.view;
}

function safeDecode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}
