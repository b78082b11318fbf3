// @vitest-environment jsdom
/**
 * The editor's "Run as demo…" dialog (a DOM component test): it lists the flow's stored reference
 * runs (handed over with a bundle, or chosen for drift checks) labelled as such, before its own
 * finished runs, lists a run of this machine that is also a reference once (as the run), and starts the demo from the one chosen
 * with where it comes from (`from: 'reference'` or `'run'`).
 */
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { createElement } from 'react';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunSummaryInfo } from '../../../engine/model/contract.ts';
import type { ReferenceSummary } from '../../../engine/model/drift.ts';

const started: unknown[] = [];
let references: ReferenceSummary[] = [];
let runs: RunSummaryInfo[] = [];
vi.mock('../../../renderer/api.ts', () => ({
  getApi: () => ({
    references: { list: async () => references },
    runs: {
      list: async () => runs,
      start: async (args: unknown) => {
        started.push(args);
        return { runId: 'run-demo-1' };
      },
    },
  }),
}));

const { DemoRunDialog } = await import('../../../renderer/editor/demo-run-dialog.tsx');

const ref = (runId: string, source: 'bundle' | 'local'): ReferenceSummary => ({ runId, flowVersion: 2, status: 'succeeded', createdAt: '2026-11-30T10:00:00Z', source, addedAt: '2026-12-01T09:00:00Z' });
const run = (runId: string, change: Partial<RunSummaryInfo> = {}) => ({ runId, flowId: 'tickets', flowVersion: 3, status: 'succeeded', mode: 'run', createdAt: '2026-12-01T08:00:00Z', inputSummary: 'ticketId: T-1', ...change }) as unknown as RunSummaryInfo;

function show(onStarted = vi.fn()) {
  render(createElement(DemoRunDialog, { flow: { id: 'tickets', name: 'Ticket reply' }, onClose: () => undefined, onStarted }));
  return onStarted;
}

describe('Run as demo… dialog', () => {
  beforeAll(() => {
    // jsdom has no modal dialogs: open the element as the browser would.
    HTMLDialogElement.prototype.showModal ??= function (this: HTMLDialogElement) {
      this.setAttribute('open', '');
    };
    HTMLDialogElement.prototype.close ??= function (this: HTMLDialogElement) {
      this.removeAttribute('open');
    };
  });
  afterEach(() => {
    cleanup();
    started.length = 0;
  });

  it('lists reference runs labelled as such, each run once, and starts a demo from a reference with from: reference', async () => {
    // run-gone: a run chosen as a reference whose own trace is no longer listed here.
    references = [ref('run-handed-over', 'bundle'), ref('run-local-2', 'local'), ref('run-gone', 'local')];
    runs = [run('run-local-2'), run('run-local-1'), run('run-replay', { mode: 'replay' })];
    const onStarted = show();
    await waitFor(() => expect(document.querySelectorAll('.demo-run-choice')).toHaveLength(4));
    const choices = [...document.querySelectorAll<HTMLElement>('.demo-run-choice')].map((c) => [c.dataset.runId, c.dataset.from, c.querySelector('.cell-sub')?.textContent]);
    expect(choices).toEqual([
      ['run-gone', 'reference', 'v2 · reference run, chosen for drift checks'],
      ['run-handed-over', 'reference', 'v2 · reference run, handed over with the flow'],
      ['run-local-2', 'run', 'v3 · ticketId: T-1 · also a reference run'],
      ['run-local-1', 'run', 'v3 · ticketId: T-1'],
    ]);
    fireEvent.click(document.querySelector<HTMLInputElement>('[data-run-id="run-handed-over"] input')!);
    fireEvent.click(screen.getByRole('button', { name: 'Start the demo' }));
    await waitFor(() => expect(started).toEqual([{ flowId: 'tickets', demo: { runId: 'run-handed-over', from: 'reference' } }]));
    expect(onStarted).toHaveBeenCalledWith('run-demo-1', 'run-handed-over');
  });

  it('a run of this machine starts with from: run; with neither runs nor references it says what to do', async () => {
    references = [];
    runs = [run('run-local-1')];
    show();
    await waitFor(() => expect(document.querySelectorAll('.demo-run-choice')).toHaveLength(1));
    fireEvent.click(screen.getByRole('button', { name: 'Start the demo' }));
    await waitFor(() => expect(started).toEqual([{ flowId: 'tickets', demo: { runId: 'run-local-1', from: 'run' } }]));
    cleanup();

    runs = [];
    show();
    expect((await screen.findByTestId('demo-no-runs')).textContent).toContain('no finished runs and no reference runs yet');
    expect(screen.getByRole('button', { name: 'Start the demo' }).hasAttribute('disabled')).toBe(true);
  });
});
