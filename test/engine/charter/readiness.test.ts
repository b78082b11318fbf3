/**
 * The production checklist: each item fails on its own with a plain sentence and a place to fix
 * it, and a complete flow passes. Flows are built raw (readiness is pure over the flow and the
 * catalogue's node definitions).
 */
import { describe, expect, it } from 'vitest';
import { readiness } from '../../../engine/charter/readiness.ts';
import type { Flow } from '../../../engine/model/flow.ts';
import type { Charter } from '../../../engine/model/charter.ts';
import { registry } from '../../helpers/engine.ts';
import { readyCharter } from '../../helpers/ready-charter.ts';

type N = { id: string; type: string; name?: string; config?: Record<string, unknown> };
function flow(nodes: N[], edges: Array<[string, string, string?]>, charter: Partial<Charter> | null = readyCharter()): Flow {
  return {
    format: 'flowkeeper/flow',
    formatVersion: 1,
    id: 'f',
    name: 'F',
    description: '',
    owner: '',
    version: 3,
    settings: { concurrency: 4 },
    ...(charter === null ? {} : { charter: { ...readyCharter(), ...charter } }),
    nodes: nodes.map((n) => ({ version: 1, position: { x: 0, y: 0 }, config: {}, ...n })),
    edges: edges.map(([source, target, sourcePort = 'out']) => ({ source, sourcePort, target, targetPort: 'in' })),
  } as Flow;
}

const schedule: N = { id: 'clock', type: 'trigger.schedule', config: { cron: '0 9 * * *', timezone: 'UTC' } };
const ai: N = { id: 'draft', type: 'llm.generate', name: 'Draft reply', config: {} };
const review: N = { id: 'check', type: 'human.review', config: {} };
const send: N = { id: 'send', type: 'email.send', name: 'Send reply', config: {} };
const notice: N = { id: 'notice', type: 'transform.set', config: {} };
const get: N = { id: 'fetch', type: 'http.request', config: { method: 'GET', url: 'http://x' } };

/** The complete flow: schedule → AI → review → send (error path to a notice). */
const complete = () => flow([schedule, ai, review, send, notice], [['clock', 'draft'], ['draft', 'check'], ['check', 'send', 'approve'], ['send', 'notice', 'error']]);

function item(f: Flow, check: string) {
  const found = readiness(f, registry).items.find((i) => i.check === check);
  if (!found) throw new Error(`no item ${check}`);
  return found;
}

describe('readiness', () => {
  it('passes a complete flow: every item ok, in checklist order, nothing missing', () => {
    const result = readiness(complete(), registry);
    expect(result.ready).toBe(true);
    expect(result.missing).toEqual([]);
    expect(result.items.map((i) => i.check)).toEqual(['live-trigger', 'review-step', 'owner', 'backup-owner', 'metric', 'alert-route', 'error-paths']);
    expect(result.items.every((i) => i.ok)).toBe(true);
    expect(item(complete(), 'live-trigger').message).toContain('"On a schedule"');
    expect(item(complete(), 'owner').message).toBe('Owned by Ana Owner (ana@example.com).');
    expect(result).toMatchObject({ flowId: 'f', flowVersion: 3 });
  });

  it('fails a flow that only starts by hand, pointing at its manual trigger', () => {
    const f = flow([{ id: 'start', type: 'trigger.manual' }, notice], [['start', 'notice']]);
    const live = item(f, 'live-trigger');
    expect(live).toMatchObject({ ok: false, fix: { kind: 'node', nodeId: 'start' } });
    expect(live.message).toMatch(/only starts by hand/);
    expect(readiness(f, registry).missing).toEqual([live.message]);
  });

  it('fails an AI step feeding a write step without a review step, unless waived with a reason', () => {
    const f = flow([schedule, ai, send, notice], [['clock', 'draft'], ['draft', 'send'], ['send', 'notice', 'error']]);
    const r = item(f, 'review-step');
    expect(r).toMatchObject({ ok: false, fix: { kind: 'node', nodeId: 'send' }, nodeIds: ['send'] });
    expect(r.message).toBe('The answer of the AI step "Draft reply" reaches "Send reply", which writes, without a person reviewing it: add a review step between them, or record why none is needed.');
    // Through a pure step in between it still reaches the write.
    const through = flow([schedule, ai, notice, send, { id: 'n2', type: 'transform.set' }], [['clock', 'draft'], ['draft', 'notice'], ['notice', 'send'], ['send', 'n2', 'error']]);
    expect(item(through, 'review-step').ok).toBe(false);
    // The AI step's own error path carries its failure, not its answer.
    const errorOnly = flow([schedule, ai, send, notice], [['clock', 'draft'], ['draft', 'send', 'error'], ['send', 'notice', 'error']]);
    expect(item(errorOnly, 'review-step').ok).toBe(true);
    // A waiver without a reason does not count; one with a reason passes and is shown.
    const blank = flow(f.nodes, [['clock', 'draft'], ['draft', 'send'], ['send', 'notice', 'error']], { waivers: [{ check: 'review-step', reason: '  ', by: 'Ana', at: '2026-12-01T09:00:00Z' }] });
    expect(item(blank, 'review-step').ok).toBe(false);
    const waived = flow(f.nodes, [['clock', 'draft'], ['draft', 'send'], ['send', 'notice', 'error']], { waivers: [{ check: 'review-step', reason: 'Replies go to our own test inbox.', by: 'Ana', at: '2026-12-01T09:00:00Z' }] });
    expect(item(waived, 'review-step')).toMatchObject({ ok: true, waived: { by: 'Ana' }, message: 'No review step, waived by Ana on 2026-12-01: Replies go to our own test inbox.' });
  });

  it('reads a node\'s effects from its settings: an HTTP GET does not write, a POST does', () => {
    const read = flow([schedule, ai, get], [['clock', 'draft'], ['draft', 'fetch']]);
    expect(item(read, 'review-step').ok).toBe(true);
    expect(item(read, 'error-paths').ok).toBe(true);
    const post = flow([schedule, ai, { ...get, config: { method: 'POST', url: 'http://x' } }], [['clock', 'draft'], ['draft', 'fetch']]);
    expect(item(post, 'review-step').ok).toBe(false);
    expect(item(post, 'error-paths')).toMatchObject({ ok: false, nodeIds: ['fetch'] });
  });

  it('fails without an owner, or an owner without a valid e-mail', () => {
    expect(item(flow([schedule], [], { owner: { name: '', email: '' } }), 'owner')).toMatchObject({ ok: false, fix: { kind: 'charter', field: 'owner' }, message: expect.stringMatching(/^Nobody owns it/) });
    expect(item(flow([schedule], [], { owner: { name: 'Ana', email: 'ana' } }), 'owner').message).toBe('The owner Ana has no valid e-mail address ("ana"): add one so alerts reach them.');
    expect(item(flow([schedule], [], null), 'owner').ok).toBe(false);
  });

  it('fails without a backup owner, or when the backup is the owner', () => {
    expect(item(flow([schedule], [], { backupOwner: { name: '', email: '' } }), 'backup-owner')).toMatchObject({ ok: false, fix: { kind: 'charter', field: 'backupOwner' } });
    expect(item(flow([schedule], [], { backupOwner: { name: 'Ben', email: '' } }), 'backup-owner').message).toMatch(/Ben has no e-mail address/);
    expect(item(flow([schedule], [], { backupOwner: { name: 'Ana again', email: 'ANA@example.com' } }), 'backup-owner').message).toBe('The backup owner is the owner: name a second person.');
  });

  it('fails without a metric, or with one not valid for its form', () => {
    const m = (metric: Charter['metric']) => item(flow([schedule, notice], [['clock', 'notice']], { ...(metric ? { metric } : {}), ...(metric ? {} : { metric: undefined }) }), 'metric');
    expect(m(undefined)).toMatchObject({ ok: false, fix: { kind: 'charter', field: 'metric' }, message: expect.stringMatching(/^No success metric/) });
    expect(m({ kind: 'items-reached-step', period: 'day', target: 10, windowDays: 7 }).message).toMatch(/names no step/);
    expect(m({ kind: 'items-reached-step', stepId: 'gone', period: 'day', target: 10, windowDays: 7 }).message).toMatch(/"gone", which is not in the flow/);
    expect(m({ kind: 'items-reached-step', stepId: 'notice', target: 10, windowDays: 7 }).message).toMatch(/per day or per week/);
    expect(m({ kind: 'items-reached-step', stepId: 'notice', period: 'day', target: 0, windowDays: 7 }).message).toMatch(/no target/);
    expect(m({ kind: 'minutes-saved', period: 'week', target: 60, windowDays: 7 }).message).toMatch(/minutes per run/);
    expect(m({ kind: 'reviews-approved-unedited', target: 80, windowDays: 7 }).message).toMatch(/share between 0 and 100 %/);
    expect(m({ kind: 'median-trigger-to-done', target: 0, windowDays: 7 }).message).toMatch(/no target time/);
    expect(m({ kind: 'items-reached-step', stepId: 'notice', period: 'week', target: 10, windowDays: 7 })).toMatchObject({ ok: true, message: 'Success means: at least 10 items reach "notice" per week.' });
    expect(m({ kind: 'median-trigger-to-done', target: 90_000, windowDays: 7 }).message).toBe('Success means: half the runs done within 90 s of their trigger.');
  });

  it('fails without an alert route, or with a broken one', () => {
    expect(item(flow([schedule], [], { alerts: undefined }), 'alert-route')).toMatchObject({ ok: false, fix: { kind: 'charter', field: 'alerts' }, message: expect.stringMatching(/^Nobody is told when it fails/) });
    expect(item(flow([schedule], [], { alerts: { desktop: true } }), 'alert-route').ok).toBe(false);
    expect(item(flow([schedule], [], { alerts: { webhook: { url: 'hooks.slack.com/x', format: 'slack' }, desktop: true } }), 'alert-route').message).toMatch(/^The alert webhook "hooks.slack.com\/x" is not a web address/);
    expect(item(flow([schedule], [], { alerts: { email: { credential: 'smtp', to: ['ops@example.com', 'nope'] }, desktop: true } }), 'alert-route').message).toMatch(/"nope" is not an e-mail address/);
    expect(item(flow([schedule], [], { alerts: { email: { credential: 'smtp', to: [] }, desktop: false } }), 'alert-route')).toMatchObject({ ok: true, message: 'Alerts go by e-mail to the owner and the backup owner.' });
    // A draft half filled in: saved, but not ready.
    expect(item(flow([schedule], [], { alerts: { email: { credential: '', to: [] }, desktop: true } }), 'alert-route').message).toBe('E-mail alerts need a mail server: pick an SMTP credential.');
    expect(item(flow([schedule], [], { alerts: { webhook: { url: '', format: 'slack' }, desktop: true } }), 'alert-route').ok).toBe(false);
  });

  it('fails a write step whose error path leads nowhere, unless waived', () => {
    const f = flow([schedule, send, { id: 'post', type: 'slack.post-message', name: 'Tell the team' }], [['clock', 'send'], ['clock', 'post']]);
    const e = item(f, 'error-paths');
    expect(e).toMatchObject({ ok: false, fix: { kind: 'node', nodeId: 'send' }, nodeIds: ['send', 'post'] });
    expect(e.message).toBe('The steps "Send reply" and "Tell the team" write but their error path leads nowhere: connect it (to a notice or a review), or record why none is needed.');
    const waived = flow(f.nodes, [['clock', 'send'], ['clock', 'post']], { waivers: [{ check: 'error-paths', reason: 'A failed send is retried by hand from the run list.', by: 'Ana', at: '' }] });
    expect(item(waived, 'error-paths')).toMatchObject({ ok: true, waived: { check: 'error-paths' } });
  });

  it('lists every missing item of an empty draft in plain words', () => {
    const result = readiness(flow([{ id: 'start', type: 'trigger.manual' }], [], null), registry);
    expect(result.ready).toBe(false);
    expect(result.missing).toHaveLength(5);
    expect(result.items.filter((i) => !i.ok).map((i) => i.check)).toEqual(['live-trigger', 'owner', 'backup-owner', 'metric', 'alert-route']);
  });
});
