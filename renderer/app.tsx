/** The app shell: left navigation, connection state, the open screen and short notices. */
import { useEffect, useRef, type ReactNode } from 'react';
import { getConnection, refusalReason } from './api.ts';
import { ConnectionIndicator } from './components/connection-indicator.tsx';
import { formatRoute, sectionOf, type Route, type Section } from './logic/route.ts';
import { useConnection } from './stores/connection-store.ts';
import { useInbox } from './stores/inbox-store.ts';
import { useNav } from './stores/nav-store.ts';
import { useNotices } from './stores/notice-store.ts';
import { useSession } from './stores/session-store.ts';
import { AccessRefused } from './components/access-refused.tsx';
import { CredentialsView } from './views/credentials-view.tsx';
import { DashboardView } from './dashboard/dashboard-view.tsx';
import { EditorView } from './editor/editor-view.tsx';
import { VersionDiffView } from './version-diff/version-diff-view.tsx';
import { FlowsView } from './views/flows-view.tsx';
import { InboxView } from './views/inbox-view.tsx';
import { RunDetailView } from './views/run-detail-view.tsx';
import { RunsView } from './views/runs-view.tsx';
import { SettingsView } from './views/settings-view.tsx';
import { AlertsView } from './alerts/alerts-view.tsx';
import { useAlerts } from './alerts/alerts-store.ts';

const SECTIONS: Array<{ section: Section; label: string; icon: ReactNode }> = [
  { section: 'flows', label: 'Flows', icon: <path d="M4 6h5v4H4zM15 14h5v4h-5zM9 8h3a2 2 0 0 1 2 2v4a2 2 0 0 0 2 2" /> },
  { section: 'runs', label: 'Runs', icon: <path d="M5 4l12 8-12 8z" /> },
  { section: 'inbox', label: 'Inbox', icon: <path d="M3 13l3-8h12l3 8v6H3zM3 13h5l1 3h6l1-3h5" /> },
  { section: 'dashboard', label: 'Dashboard', icon: <path d="M4 20V10M10 20V4M16 20v-7M22 20H2" /> },
  { section: 'alerts', label: 'Alerts', icon: <path d="M6 16V11a6 6 0 0 1 12 0v5l2 2H4zM10 20h4" /> },
  { section: 'credentials', label: 'Credentials', icon: <path d="M14 10a4 4 0 1 0-3.5 4L9 16H7v2H5v2H3v-3l6.5-6.5M15.5 7.5h.01" /> },
  { section: 'settings', label: 'Settings', icon: <path d="M4 7h10M18 7h2M4 17h4M12 17h8M14 5v4M8 15v4" /> },
];

const TITLES: Record<Section, string> = { flows: 'Flows', runs: 'Runs', inbox: 'Inbox', dashboard: 'Dashboard', alerts: 'Alerts', credentials: 'Credentials', settings: 'Settings' };

export function App() {
  const navRoute = useNav((s) => s.route);
  const state = useConnection((s) => s.status.state);
  const inboxCount = useInbox((s) => s.items.length);
  const loadInbox = useInbox((s) => s.load);
  const openAlerts = useAlerts((s) => s.list.open.length);
  const loadAlerts = useAlerts((s) => s.load);
  const session = useSession((s) => s.session);
  const loadSession = useSession((s) => s.load);
  // A reviewer's link opens only the inbox: no flows, runs, credentials or settings in the rail.
  const reviewer = session?.role === 'reviewer';
  const sections = reviewer ? SECTIONS.filter((s) => s.section === 'inbox') : SECTIONS;
  // (A link to one item keeps its item.)
  const route: Route = reviewer ? (navRoute.view === 'inbox' ? navRoute : { view: 'inbox' }) : navRoute;
  const mainRef = useRef<HTMLElement>(null);
  const section = sectionOf(route);
  const place = route.view === 'run' ? `run:${route.runId}` : route.view === 'editor' ? `editor:${route.flowId}` : route.view === 'compare' ? `compare:${route.flowId}` : section;

  useEffect(() => {
    void loadInbox();
  }, [loadInbox]);

  // The rail's alert badge; a reviewer's link has no alerts to see.
  useEffect(() => {
    if (session && !reviewer) void loadAlerts();
  }, [session, reviewer, loadAlerts]);

  useEffect(() => {
    if (state === 'connected' && !session) void loadSession();
  }, [state, session, loadSession]);

  // Moving to another screen moves keyboard focus there too (not on filter changes).
  const firstRender = useRef(true);
  useEffect(() => {
    if (!place.startsWith('editor:') && !place.startsWith('compare:')) document.title = `${TITLES[section]} — Flowkeeper`;
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    mainRef.current?.focus({ preventScroll: true });
    mainRef.current?.scrollTo({ top: 0 });
  }, [place, section]);

  return (
    <div className="app">
      <button type="button" className="skip-link" onClick={() => mainRef.current?.focus()}>
        Skip to content
      </button>
      <aside className="sidebar">
        <div className="brand">
          <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" className="brand-mark">
            <path d="M4 12h4l3-7 3 14 3-7h3" />
          </svg>
          <span className="brand-name">Flowkeeper</span>
        </div>
        <nav aria-label="Main">
          <ul className="nav">
            {sections.map((item) => (
              <li key={item.section}>
                <a href={formatRoute({ view: item.section } as Route)} className="nav-link" title={item.label} aria-current={section === item.section ? 'page' : undefined}>
                  <svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true" className="nav-icon">
                    {item.icon}
                  </svg>
                  <span className="nav-label">{item.label}</span>
                  {item.section === 'inbox' && inboxCount > 0 ? (
                    <span className="nav-count" aria-label={`${inboxCount} waiting`}>
                      {inboxCount}
                    </span>
                  ) : null}
                  {item.section === 'alerts' && openAlerts > 0 ? (
                    <span className="nav-count nav-count-alert" aria-label={`${openAlerts} open`}>
                      {openAlerts}
                    </span>
                  ) : null}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div className="sidebar-foot">
          <ConnectionIndicator />
        </div>
      </aside>
      <main className={`main${route.view === 'editor' || route.view === 'compare' ? ' main-editor' : ''}`} id="main" ref={mainRef} tabIndex={-1}>
        {state === 'unauthorized' ? (
          <Unauthorized />
        ) : (
          <>
            {state === 'reconnecting' ? <ReconnectingBanner /> : null}
            {!session ? <p className="muted loading view">Loading…</p> : <Screen route={route} />}
          </>
        )}
      </main>
      <Notices />
    </div>
  );
}

function Screen({ route }: { route: Route }) {
  switch (route.view) {
    case 'flows':
      return <FlowsView />;
    case 'editor':
      return <EditorView flowId={route.flowId} {...(route.runId ? { runId: route.runId } : {})} {...(route.tab ? { tab: route.tab } : {})} />;
    case 'compare':
      return <VersionDiffView flowId={route.flowId} from={route.from} to={route.to} />;
    case 'runs':
      return <RunsView {...(route.status ? { status: route.status } : {})} {...(route.flowId ? { flowId: route.flowId } : {})} />;
    case 'run':
      return <RunDetailView runId={route.runId} />;
    case 'inbox':
      return <InboxView {...(route.itemId ? { itemId: route.itemId } : {})} />;
    case 'alerts':
      return <AlertsView />;
    case 'dashboard':
      return <DashboardView flowId={route.flowId} days={route.days} drill={route.drill} />;
    case 'credentials':
      return <CredentialsView />;
    case 'settings':
      return <SettingsView />;
  }
}

function ReconnectingBanner() {
  return (
    <div className="banner" role="status">
      <span>The connection to Flowkeeper was lost. Reconnecting… Runs keep going meanwhile.</span>
      <button type="button" className="button button-small" onClick={() => getConnection().reconnect()}>
        Reconnect now
      </button>
    </div>
  );
}

function Unauthorized() {
  return <AccessRefused reason={refusalReason()} host={window.location.host} onRetry={() => getConnection().reconnect()} />;
}

function Notices() {
  const notices = useNotices((s) => s.notices);
  const dismiss = useNotices((s) => s.dismiss);
  return (
    <div className="notices" aria-live="polite" aria-atomic="false">
      {notices.map((n) => (
        <div key={n.id} className={`notice tone-${n.tone}`}>
          <span>{n.text}</span>
          <button type="button" className="icon-button" aria-label="Dismiss" onClick={() => dismiss(n.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
