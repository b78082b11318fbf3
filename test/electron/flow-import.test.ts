import { describe, expect, it, vi } from 'vitest';
import type { ApiReply, MethodName } from '../../engine/model/contract.ts';
import { MAX_FLOW_FILE_BYTES, importFlowInteractively, type FlowImportDeps } from '../../electron/flow-import.ts';

function deps(overrides: Partial<FlowImportDeps> = {}, replies: ApiReply[] = [{ ok: true, result: { flow: { name: 'Invoice triage' }, version: 3, problems: [] } }]) {
  const calls: Array<{ method: MethodName; args: unknown }> = [];
  const messages: Array<Parameters<FlowImportDeps['message']>[0]> = [];
  const d: FlowImportDeps = {
    chooseFile: async () => '/home/ada/invoice-triage.json',
    fileSize: async () => 1234,
    readText: async () => '{"id":"invoice-triage"}',
    call: async (method, args) => {
      calls.push({ method, args });
      return replies.shift() ?? { ok: false, error: { code: 'UNEXPECTED', message: 'no more replies' } };
    },
    message: vi.fn(async (options) => {
      messages.push(options);
      return 0;
    }),
    ...overrides,
  };
  return { d, calls, messages };
}

describe('File ▸ Import flow…', () => {
  it('imports the chosen file through flows.import and says so', async () => {
    const { d, calls, messages } = deps();
    expect(await importFlowInteractively(d)).toEqual({ status: 'imported', name: 'Invoice triage', version: 3 });
    expect(calls).toEqual([{ method: 'flows.import', args: { text: '{"id":"invoice-triage"}' } }]);
    expect(messages).toEqual([{ type: 'info', message: 'Imported "Invoice triage" (version 3).' }]);
  });

  it('does nothing when the dialog is cancelled', async () => {
    const { d, calls, messages } = deps({ chooseFile: async () => undefined });
    expect(await importFlowInteractively(d)).toEqual({ status: 'cancelled' });
    expect(calls).toEqual([]);
    expect(messages).toEqual([]);
  });

  it('lists the problems of an invalid flow, with where they are', async () => {
    const { d, messages } = deps({}, [{ ok: false, error: { code: 'FLOW_INVALID', message: 'The flow file has problems; nothing was imported.', hint: 'Fix the problems listed and import again.', problems: [{ path: 'nodes[2].config.url', message: 'Enter a URL.', severity: 'error' }] } }]);
    expect(await importFlowInteractively(d)).toMatchObject({ status: 'failed', error: { code: 'FLOW_INVALID' } });
    expect(messages[0]).toEqual({ type: 'error', message: 'The flow was not imported. The flow file has problems; nothing was imported.', detail: 'Fix the problems listed and import again.\n• nodes[2].config.url: Enter a URL.' });
  });

  it('offers to import as a new version when the flow exists, and respects "Cancel"', async () => {
    const exists: ApiReply = { ok: false, error: { code: 'FLOW_EXISTS', message: 'A flow with the id "invoice-triage" already exists.' } };
    const accepted = deps({}, [exists, { ok: true, result: { flow: { name: 'Invoice triage' }, version: 4, problems: [] } }]);
    expect(await importFlowInteractively(accepted.d)).toMatchObject({ status: 'imported', version: 4 });
    expect(accepted.calls.map((call) => call.args)).toEqual([{ text: '{"id":"invoice-triage"}' }, { text: '{"id":"invoice-triage"}', overwrite: true }]);
    expect(accepted.messages[0]).toMatchObject({ type: 'question', buttons: ['Import as new version', 'Cancel'] });

    const declined = deps({ message: async () => 1 }, [exists]);
    expect(await importFlowInteractively(declined.d)).toEqual({ status: 'cancelled' });
    expect(declined.calls).toHaveLength(1);
  });

  it('refuses files over the contract limit before reading them, and reports unreadable files', async () => {
    const readText = vi.fn(async () => '');
    const big = deps({ fileSize: async () => MAX_FLOW_FILE_BYTES + 1, readText });
    expect(await importFlowInteractively(big.d)).toMatchObject({ status: 'failed', error: { code: 'FILE_TOO_LARGE' } });
    expect(readText).not.toHaveBeenCalled();

    const unreadable = deps({ readText: () => Promise.reject(new Error('EACCES: permission denied')) });
    expect(await importFlowInteractively(unreadable.d)).toMatchObject({ status: 'failed', error: { code: 'FILE_UNREADABLE', message: expect.stringContaining('EACCES') } });
    expect(unreadable.calls).toEqual([]);
  });
});
