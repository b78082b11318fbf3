/**
 * Pushed events keep every store current: runs change status, a run writes events, flows and
 * the inbox change. After a reconnect, whatever was loaded is reloaded (events may have been
 * missed while the connection was down).
 */
import type { ApiEvent } from '../../engine/model/contract.ts';
import { getApi } from '../api.ts';
import { handleAppCommand } from './app-commands.ts';
import { coalesce } from './coalesce.ts';
import { useCredentials } from './credentials-store.ts';
import { useFlows } from './flows-store.ts';
import { useInbox } from './inbox-store.ts';
import { refreshOpenRunSoon, useRun } from './run-store.ts';
import { useRuns } from './runs-store.ts';
import { useSettings } from './settings-store.ts';
import { useAlerts } from '../alerts/alerts-store.ts';
import { notify } from './notice-store.ts';

/** Events this page understands, including the desktop menu's commands. */
type PushedEvent = ApiEvent | { type: 'app.command'; command: unknown };

const reloadRuns = coalesce(() => {
  if (useRuns.getState().loaded) void useRuns.getState().load();
}, 300);
const reloadFlows = coalesce(() => {
  if (useFlows.getState().loaded) void useFlows.getState().load();
}, 300);
const reloadInbox = coalesce(() => {
  if (useInbox.getState().loaded) void useInbox.getState().load();
}, 300);
const reloadAlerts = coalesce(() => {
  if (useAlerts.getState().loaded) void useAlerts.getState().load();
}, 300);

export function startLiveUpdates(): () => void {
  return getApi().onEvent((raw) => {
    const event = raw as PushedEvent;
    switch (event.type) {
      case 'run.event':
        useRun.getState().addLiveEvent(event.runId, event.event);
        break;
      case 'runs.changed':
        reloadRuns();
        if (useRun.getState().runId === event.runId) refreshOpenRunSoon();
        break;
      case 'flows.changed':
        reloadFlows();
        break;
      case 'inbox.changed':
        reloadInbox();
        break;
      case 'alerts.changed':
        reloadAlerts();
        break;
      // An alert or review reminder for this computer: the desktop app also shows it as an OS notification.
      case 'alerts.notify':
        notify(event.title, event.title.startsWith('Recovered') ? 'success' : 'warning', 8000);
        break;
      case 'app.command':
        handleAppCommand(event.command);
        break;
    }
  });
}

/** After the connection comes back: reload what is on screen or was loaded before. */
export function reloadEverything(): void {
  if (useFlows.getState().loaded) void useFlows.getState().load();
  if (useRuns.getState().loaded) void useRuns.getState().load();
  if (useInbox.getState().loaded) void useInbox.getState().load();
  if (useAlerts.getState().loaded) void useAlerts.getState().load();
  if (useCredentials.getState().loaded) void useCredentials.getState().load();
  if (useSettings.getState().settings) void useSettings.getState().load();
  const runId = useRun.getState().runId;
  if (runId) void useRun.getState().open(runId);
}
