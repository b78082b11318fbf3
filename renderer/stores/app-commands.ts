/**
 * Commands from the desktop app's menu, pushed as `{ type: 'app.command', command }` events:
 * flow.new, flow.open, flow.save, flow.export. The flow editor is a later issue, so "new" and
 * "save" explain that instead of doing nothing.
 */
import { getApi } from '../api.ts';
import { downloadText } from '../download.ts';
import { toErrorView } from '../logic/errors.ts';
import { useFlows } from './flows-store.ts';
import { go, useNav } from './nav-store.ts';
import { notify } from './notice-store.ts';
import { useRun } from './run-store.ts';

/** The flow the person is looking at: the open run's flow, else the one last picked in Flows. */
function currentFlowId(): string | undefined {
  const route = useNav.getState().route;
  if (route.view === 'run') return useRun.getState().detail?.flowId;
  if (route.view === 'runs' && route.flowId) return route.flowId;
  return useFlows.getState().selectedId;
}

export async function exportFlow(flowId: string): Promise<void> {
  try {
    const file = await getApi().flows.export({ id: flowId });
    downloadText(file.fileName, file.text);
    notify(`Saved ${file.fileName} to your downloads.`);
  } catch (error) {
    const view = toErrorView(error);
    notify(`Could not export the flow: ${view.message}${view.hint ? ` ${view.hint}` : ''}`, 'danger', 9000);
  }
}

export function handleAppCommand(command: unknown): void {
  switch (command) {
    case 'flow.open':
      go({ view: 'flows' });
      useFlows.getState().setImportOpen(true);
      break;
    case 'flow.export': {
      const flowId = currentFlowId();
      if (flowId) void exportFlow(flowId);
      else notify('Pick a flow in Flows first, then export it.', 'info');
      break;
    }
    case 'flow.new':
      notify('Drawing a new flow arrives with the flow editor. For now, import a flow file (File → Open).', 'info', 8000);
      break;
    case 'flow.save':
      notify('Nothing to save here: imported flows are saved as soon as they are imported.', 'info');
      break;
    default:
      // An older window and a newer app: ignore commands this page does not know.
      break;
  }
}
