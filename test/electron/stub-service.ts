/**
 * A tiny ApiService for the IPC tests: every handler records its call and answers with a
 * recognisable error (so the test sees which handler was reached), except a few that answer for
 * real. The real service's contract suite lives elsewhere.
 */
import { ApiError, METHOD_NAMES, type ApiEvent, type MethodName } from '../../engine/model/contract.ts';
import type { ApiService, ServiceHandlers } from '../../engine/dispatch.ts';

/** Valid arguments for every method, so dispatch's validation lets each call through. */
export const SAMPLE_ARGS: Record<MethodName, unknown> = {
  'flows.list': {},
  'flows.get': { id: 'invoice-triage' },
  'flows.save': { flow: { id: 'invoice-triage' } },
  'flows.delete': { id: 'invoice-triage' },
  'flows.validate': { flow: {} },
  'flows.import': { text: '{}' },
  'flows.export': { id: 'invoice-triage' },
  'flows.cost': { id: 'invoice-triage' },
  'flows.versions': { id: 'invoice-triage' },
  'flows.diff': { id: 'invoice-triage', from: 1, to: 2 },
  'flows.rollback': { id: 'invoice-triage', version: 1 },
  'flows.templates': {},
  'flows.activate': { id: 'invoice-triage' },
  'flows.deactivate': { id: 'invoice-triage' },
  'runs.start': { flowId: 'invoice-triage' },
  'runs.list': {},
  'runs.setAside': {},
  'runs.get': { runId: 'run-1' },
  'runs.cancel': { runId: 'run-1' },
  'runs.resume': { runId: 'run-1' },
  'runs.replay': { runId: 'run-1' },
  'runs.fork': { runId: 'run-1', fromNodeId: 'fetch' },
  'pins.list': { flowId: 'invoice-triage' },
  'pins.set': { flowId: 'invoice-triage', nodeId: 'fetch', runId: 'run-1' },
  'pins.remove': { flowId: 'invoice-triage', nodeId: 'fetch' },
  'traces.events': { runId: 'run-1' },
  'triggers.status': {},
  'charter.readiness': { flowId: 'invoice-triage' },
  'charter.metric': { flowId: 'invoice-triage' },
  'charter.status': {},
  'dashboard.get': {},
  'dashboard.runs': {},
  'inbox.list': {},
  'inbox.get': { id: 'item-1' },
  'inbox.decide': { id: 'item-1', outcome: 'approve' },
  'inbox.history': {},
  'inbox.stats': { flowId: 'invoice-triage' },
  'credentials.list': {},
  'credentials.set': { id: 'shop', type: 'http.bearer', values: { token: 'secret' } },
  'credentials.status': {},
  'credentials.delete': { id: 'shop' },
  'credentials.connect': { id: 'shop' },
  'credentials.connectResult': { id: 'shop' },
  'catalog.list': {},
  'catalog.preview': { type: 'llm.generate', config: {} },
  'alerts.list': {},
  'alerts.mute': { flowId: 'invoice-triage' },
  'alerts.unmute': { flowId: 'invoice-triage' },
  'alerts.snooze': { key: 'invoice-triage/run-failed', minutes: 60 },
  'handover.export': { flowId: 'invoice-triage' },
  'handover.runbook': { flowId: 'invoice-triage' },
  'handover.open': { text: '{}' },
  'handover.acceptance': { text: '{}' },
  'handover.import': { text: '{}', owner: { name: 'Ada', email: 'ada@example.com' } },
  'settings.get': {},
  'settings.update': { reviewerName: 'Ada' },
};

export interface StubService extends ApiService {
  calls: Array<{ method: MethodName; args: unknown }>;
  emit(event: ApiEvent): void;
  listenerCount(): number;
}

export function stubService(overrides: Partial<Record<MethodName, (args: unknown) => Promise<unknown>>> = {}): StubService {
  const calls: StubService['calls'] = [];
  const listeners = new Set<(event: ApiEvent) => void>();
  const handlers = Object.fromEntries(
    METHOD_NAMES.map((method) => [
      method,
      async (args: unknown) => {
        calls.push({ method, args });
        const override = overrides[method];
        if (override) return override(args);
        throw new ApiError({ code: 'STUB_REACHED', message: `stub ${method}`, details: { method } });
      },
    ]),
  ) as unknown as ServiceHandlers;
  return {
    handlers,
    calls,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    emit(event) {
      for (const listener of listeners) listener(event);
    },
    listenerCount: () => listeners.size,
  };
}
