/**
 * The activation gate through the real service and the CLI: a flow is refused for each missing
 * checklist item — the API with FLOW_NOT_READY (the item in the message, the checklist in the
 * details), `flowkeeper flows activate` with the same words and exit 2 — and switched on when
 * complete. A flow already on stays on when a save makes it not ready; its checklist says why.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiError, createService, inProcessApi, type FlowkeeperApi, type FlowkeeperService } from '../../../engine/index.ts';
import type { Charter } from '../../../engine/model/charter.ts';
import { main } from '../../../cli/main.ts';
import { registry, tempDir } from '../../helpers/engine.ts';
import { MemoryKeychain } from '../../helpers/memory-keychain.ts';
import { readyCharter } from '../../helpers/ready-charter.ts';

let dir: string;
let cleanup: () => Promise<void>;
let service: FlowkeeperService;
let api: FlowkeeperApi;

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
  service = await createService({ dataDir: dir, registry, keychain: new MemoryKeychain(), resumeOnStart: false });
  api = inProcessApi(service);
});
afterEach(async () => {
  await service.close();
  await cleanup();
});

/** Every morning: AI drafts, a person reviews, the reply is e-mailed (its failures noted). */
function flow(id: string, charter: Partial<Charter> | null = {}, change: (f: ReturnType<typeof base>) => void = () => {}) {
  const f = base(id, charter);
  change(f);
  return f;
}
function base(id: string, charter: Partial<Charter> | null) {
  return {
    format: 'flowkeeper/flow' as const,
    formatVersion: 1 as const,
    id,
    name: `Replies ${id}`,
    ...(charter === null ? {} : { charter: { ...readyCharter(), ...charter } }),
    nodes: [
      { id: 'clock', type: 'trigger.schedule', config: { cron: '0 9 * * *', timezone: 'UTC' } },
      { id: 'draft', type: 'llm.generate', name: 'Draft reply', config: { model: 'gpt-4o-mini', credential: 'openai', prompt: 'Reply to {{ text }}' } },
      { id: 'check', type: 'human.review', config: {} },
      { id: 'send', type: 'email.send', name: 'Send reply', config: { credential: 'smtp', from: 'a@example.com', to: 'b@example.com', subject: 'Hi', text: 'x' } },
      { id: 'notice', type: 'transform.set', config: { fields: [{ name: 'failed', value: 'yes' }] } },
    ],
    edges: [
      { source: 'clock', target: 'draft' },
      { source: 'draft', target: 'check' },
      { source: 'check', sourcePort: 'approve', target: 'send' },
      { source: 'send', sourcePort: 'error', target: 'notice' },
    ],
  };
}

async function cli(...argv: string[]) {
  let out = '';
  let err = '';
  const code = await main([...argv, '--data-dir', dir], { out: (s) => void (out += `${s}\n`), err: (s) => void (err += `${s}\n`) });
  return { code, out, err };
}

const cases: Array<[string, string, ReturnType<typeof flow>, RegExp]> = [
  ['live-trigger', 'FLOW_HAS_NO_TRIGGER', flow('by-hand', {}, (f) => void (f.nodes[0] = { id: 'clock', type: 'trigger.manual', config: {} })), /only starts by hand/],
  ['review-step', 'FLOW_NOT_READY', flow('unreviewed', {}, (f) => void (f.edges = [f.edges[0]!, { source: 'draft', target: 'send' }, f.edges[3]!])), /The answer of the AI step "Draft reply" reaches "Send reply", which writes, without a person reviewing it/],
  ['owner', 'FLOW_NOT_READY', flow('no-owner', { owner: { name: '', email: '' } }), /Nobody owns it/],
  ['backup-owner', 'FLOW_NOT_READY', flow('no-backup', { backupOwner: { name: 'Ben', email: '' } }), /backup owner Ben has no e-mail address/],
  ['metric', 'FLOW_NOT_READY', flow('no-metric', { metric: { kind: 'items-reached-step', stepId: 'gone', period: 'day', target: 5, windowDays: 7 } }), /"gone", which is not in the flow/],
  ['alert-route', 'FLOW_NOT_READY', flow('no-alerts', { alerts: { desktop: true } }), /Nobody is told when it fails/],
  ['error-paths', 'FLOW_NOT_READY', flow('no-error-path', {}, (f) => void (f.edges = f.edges.slice(0, 3))), /The step "Send reply" writes but its error path leads nowhere/],
];

describe('the activation gate', () => {
  it.each(cases)('refuses a flow missing "%s" through the API, naming the item', async (check, code, f, words) => {
    await api.flows.save({ flow: f });
    const error = await api.flows.activate({ id: f.id }).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    const refused = error as ApiError;
    expect(refused.code).toBe(code);
    expect(`${refused.message}\n${refused.hint}`).toMatch(words);
    const missing = refused.details?.missing as string[];
    expect(missing).toHaveLength(1);
    expect(missing[0]).toMatch(words);
    const items = (refused.details?.readiness as { items: Array<{ check: string; ok: boolean }> }).items;
    expect(items.filter((i) => !i.ok).map((i) => i.check)).toEqual([check]);
    expect(await api.triggers.status()).toEqual([]);
    expect((await api.flows.list()).find((l) => l.id === f.id)?.active).toBeUndefined();
  });

  it.each(cases)('refuses a flow missing "%s" on the command line, exit 2', async (_check, _code, f, words) => {
    await api.flows.save({ flow: f });
    const refused = await cli('flows', 'activate', f.id);
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(words);
    expect(refused.out).toBe('');
    expect((await cli('flows', 'status')).out).toContain('No flow is switched on');
  });

  it('lists every missing item of a flow without a charter, in plain words', async () => {
    await api.flows.save({ flow: flow('bare', null) });
    const refused = (await api.flows.activate({ id: 'bare' }).catch((e: unknown) => e)) as ApiError;
    expect(refused.message).toBe(
      [
        'The flow "Replies bare" is not ready to be switched on (4 items are missing):',
        '- Nobody owns it: name the owner, the person who answers when it breaks.',
        '- There is no backup owner: name who takes over when the owner is away.',
        '- No success metric: pick what success means for this flow and a target.',
        '- Nobody is told when it fails: send alerts by e-mail (an SMTP credential) or to a webhook such as Slack.',
      ].join('\n'),
    );
    expect(refused.hint).toMatch(/flow page/);
    // The flows list says the same before anyone tries the switch.
    expect((await api.flows.list()).find((l) => l.id === 'bare')).toMatchObject({ startsByItself: true, readinessMissing: 4 });
    const fromCli = await cli('flows', 'activate', 'bare');
    expect(fromCli.code).toBe(2);
    expect(fromCli.err).toContain('- No success metric: pick what success means');
    const json = await cli('flows', 'activate', 'bare', '--json');
    expect(JSON.parse(json.err).error).toMatchObject({ code: 'FLOW_NOT_READY', details: { missing: expect.arrayContaining([expect.stringMatching(/^Nobody owns it/)]) } });
  });

  it('switches a complete flow on (API and CLI); a later save that breaks the checklist leaves it on and says why', async () => {
    await api.flows.save({ flow: flow('ready') });
    expect((await api.flows.list()).find((l) => l.id === 'ready')?.readinessMissing).toBe(0);
    const on = await api.flows.activate({ id: 'ready' });
    expect(on).toMatchObject({ flowId: 'ready', active: true });
    await api.flows.save({ flow: flow('ready-too') });
    const fromCli = await cli('flows', 'activate', 'ready-too');
    expect(fromCli).toMatchObject({ code: 0, err: '' });
    expect(fromCli.out).toContain('Switched on "Replies ready-too" (On a schedule)');

    await api.flows.save({ flow: flow('ready', { owner: { name: '', email: '' } }) });
    expect((await api.flows.list()).find((l) => l.id === 'ready')?.active).toBe(true);
    const checklist = await api.charter.readiness({ flowId: 'ready' });
    expect(checklist).toMatchObject({ active: true, ready: false, missing: [expect.stringMatching(/^Nobody owns it/)] });
  });

  it('shows the checklist of a draft before it is saved, and keeps the flow\'s owner in step with the charter', async () => {
    const draft = await api.charter.readiness({ flowId: 'draft', flow: flow('draft', { alerts: undefined }) });
    expect(draft).toMatchObject({ flowId: 'draft', ready: false, active: false });
    expect(draft.items.find((i) => i.check === 'alert-route')).toMatchObject({ ok: false, fix: { kind: 'charter', field: 'alerts' } });
    await api.flows.save({ flow: { ...flow('owned'), owner: 'someone else' } });
    expect((await api.flows.get({ id: 'owned' })).flow.owner).toBe('Ana Owner');
    expect((await api.flows.list()).find((l) => l.id === 'owned')?.owner).toBe('Ana Owner');
  });
});
