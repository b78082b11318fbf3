// @vitest-environment jsdom
/**
 * The flows list's on/off switch (a DOM component test; the wording: test/renderer/live-version.test.ts): switching
 * on pins the version shown; when the live version is older than the latest save the list says so
 * and "Put version N live" pins the latest (a refusal keeps the old one live and says "Not put live").
 */
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { createElement } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError, type FlowSummary } from '../../../engine/model/contract.ts';

const calls: Array<{ method: string; args: unknown }> = [];
let refuse: ApiError | undefined;
let listed: FlowSummary[] = [];
vi.mock('../../../renderer/api.ts', () => ({
  getApi: () => ({
    flows: {
      activate: async (args: unknown) => {
        calls.push({ method: 'flows.activate', args });
        if (refuse) throw refuse;
        return { flowId: 'orders', active: true, runsHere: true, triggers: [] };
      },
      deactivate: async (args: unknown) => {
        calls.push({ method: 'flows.deactivate', args });
        return { ok: true };
      },
      list: async () => listed,
    },
    triggers: { status: async () => [] },
  }),
}));

const { FlowStartCell, FlowHealthCell } = await import('../../../renderer/views/flows-view.tsx');
const { formatRoute } = await import('../../../renderer/logic/route.ts');
const { useFlows } = await import('../../../renderer/stores/flows-store.ts');

const summary = (change: Partial<FlowSummary> = {}): FlowSummary => ({ id: 'orders', name: 'New orders', version: 9, nodeCount: 2, updatedAt: '2026-12-01T10:00:00Z', startsByItself: true, ...change }) as FlowSummary;

function show(flow: FlowSummary, cell: typeof FlowStartCell = FlowStartCell): void {
  listed = [flow];
  useFlows.setState({ flows: [flow], switchErrors: {}, switching: {}, health: {} });
  const table = document.createElement('table');
  const row = table.appendChild(document.createElement('tbody')).appendChild(document.createElement('tr'));
  document.body.appendChild(table);
  render(createElement(cell, { flow }), { container: row });
}

describe('the flows list switch', () => {
  beforeEach(() => {
    calls.length = 0;
    refuse = undefined;
  });
  afterEach(() => {
    cleanup();
    document.body.innerHTML = '';
  });

  it('switching on pins the version shown', async () => {
    show(summary());
    fireEvent.click(screen.getByRole('switch'));
    await waitFor(() => expect(calls).toEqual([{ method: 'flows.activate', args: { id: 'orders', version: 9 } }]));
  });

  it('switching off passes no version', async () => {
    show(summary({ active: true, activeVersion: 9, pinned: true }));
    expect(screen.queryByTestId('live-behind')).toBeNull();
    fireEvent.click(screen.getByRole('switch'));
    await waitFor(() => expect(calls).toEqual([{ method: 'flows.deactivate', args: { id: 'orders' } }]));
  });

  it('an older live version: said beside the switch, and "Put version 9 live" pins the latest', async () => {
    show(summary({ active: true, activeVersion: 7, pinned: true }));
    expect(screen.getByTestId('live-behind').textContent).toContain('On: version 7 is live · your edits since (version 9) are not');
    fireEvent.click(screen.getByRole('button', { name: 'Put version 9 live' }));
    await waitFor(() => expect(calls).toEqual([{ method: 'flows.activate', args: { id: 'orders', version: 9 } }]));
  });

  it('a refused "Put live" says "Not put live" with the missing items (the old version stays on)', async () => {
    refuse = new ApiError({ code: 'FLOW_NOT_READY', message: 'The flow "New orders" is not ready to be switched on (1 item is missing):\n- Nobody owns it: name the owner', hint: 'Complete its checklist on the flow page (Overview), save, and switch it on again.', details: { missing: ['Nobody owns it: name the owner'] } });
    show(summary({ active: true, activeVersion: 7, pinned: true }));
    fireEvent.click(screen.getByRole('button', { name: 'Put version 9 live' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Not put live:');
    expect(alert.textContent).toContain('Nobody owns it: name the owner');
    expect(alert.textContent).toContain('Complete its checklist');
    expect(alert.textContent).not.toContain('FLOW_NOT_READY');
    expect(useFlows.getState().switchErrors.orders?.tried).toBe('live');
  });
});

describe('the flows list health badge', () => {
  afterEach(() => {
    cleanup();
    document.body.innerHTML = '';
  });

  it('a flow that starts by itself with its checklist incomplete says so, and opens the checklist', () => {
    show(summary({ readinessMissing: 3 }), FlowHealthCell);
    expect(screen.queryByText('Ready')).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: '3 things to do before switching on' }));
    expect(window.location.hash).toBe(formatRoute({ view: 'editor', flowId: 'orders', tab: 'overview' }));
  });

  it('Ready when the checklist is complete, when it starts by hand, and once it is on', () => {
    for (const change of [{ readinessMissing: 0 }, { startsByItself: false, readinessMissing: 5 }, { active: true, readinessMissing: 1 }]) {
      show(summary(change), FlowHealthCell);
      expect(screen.getByText('Ready')).toBeTruthy();
      cleanup();
      document.body.innerHTML = '';
    }
  });

  it('problems come first', () => {
    show(summary({ readinessMissing: 2, problems: [{ path: 'nodes[1].type', message: 'Unknown step type', severity: 'error' }] }), FlowHealthCell);
    expect(screen.getByText('1 problem')).toBeTruthy();
    expect(screen.queryByText(/to do before switching on/)).toBeNull();
  });
});
