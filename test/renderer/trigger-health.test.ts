/**
 * The flows list's "Starts" column in words: by hand (no switch), off, listening with when it last
 * fired, stopped with the error, a note when nothing listens, several triggers named.
 */
import { describe, expect, it } from 'vitest';
import type { FlowTriggerStatus, TriggerHealth } from '../../engine/model/contract.ts';
import { describeFlowStart } from '../../renderer/logic/trigger-health.ts';

const now = new Date('2026-12-01T10:00:00Z');
const health = (change: Partial<TriggerHealth> = {}): TriggerHealth => ({ nodeId: 'hook', type: 'trigger.webhook', title: 'On a webhook', state: 'listening', since: '2026-12-01T09:00:00Z', fired: 0, ...change });
const status = (triggers: TriggerHealth[], extra: Partial<FlowTriggerStatus> = {}): FlowTriggerStatus => ({ flowId: 'f', active: true, runsHere: true, triggers, ...extra });

describe('how a flow starts, on the flows list', () => {
  it('a flow without a trigger that fires by itself starts by hand and has no switch', () => {
    expect(describeFlowStart({ startsByItself: false }, undefined, now)).toEqual({ kind: 'by-hand', text: 'Starts by hand' });
    // Switched on before its trigger was removed: the switch stays, to switch it off.
    expect(describeFlowStart({ startsByItself: false, active: true }, status([]), now)).toMatchObject({ kind: 'switch', on: true, lines: [{ tone: 'warning', text: expect.stringMatching(/^Switched on, but nothing in it fires by itself any more/) }] });
  });

  it('off, then listening: not fired yet, then when it last fired', () => {
    expect(describeFlowStart({ startsByItself: true }, undefined, now)).toEqual({ kind: 'switch', on: false, lines: [{ tone: 'neutral', text: 'Off: starts only when someone runs it' }] });
    expect(describeFlowStart({ startsByItself: true, active: true }, status([health()]), now)).toMatchObject({ on: true, lines: [{ tone: 'success', text: 'Listening · not fired yet' }] });
    const fired = describeFlowStart({ startsByItself: true, active: true }, status([health({ fired: 2, lastFiredAt: '2026-12-01T09:57:00Z', heartbeatAt: '2026-12-01T09:59:30Z' })]), now);
    expect(fired).toMatchObject({ on: true, lines: [{ tone: 'success', text: 'Listening · last fired 3 min ago', detail: 'Last sign of life just now' }] });
  });

  it('stopped, with the error in plain words; a recovered problem is a warning', () => {
    const failed = describeFlowStart({ startsByItself: true, active: true }, status([health({ state: 'failed', lastError: { message: 'Port 7700 is already in use by another program.', at: '2026-12-01T09:59:00Z' } })]), now);
    expect(failed).toMatchObject({ lines: [{ tone: 'danger', text: 'Stopped: Port 7700 is already in use by another program.' }] });
    const shaky = describeFlowStart({ startsByItself: true, active: true }, status([health({ lastError: { message: 'The connection dropped.', at: '2026-12-01T09:58:00Z' } })]), now);
    expect(shaky).toMatchObject({ lines: [{ tone: 'warning', text: 'Listening · not fired yet · last problem 2 min ago: The connection dropped.' }] });
  });

  it('says why nothing listens, and names each trigger when there are several', () => {
    const note = describeFlowStart({ startsByItself: true, active: true }, status([], { note: 'Nothing listens: the flow has problems.' }), now);
    expect(note).toMatchObject({ lines: [{ tone: 'danger', text: 'Nothing listens: the flow has problems.' }] });
    const two = describeFlowStart({ startsByItself: true, active: true }, status([health(), health({ nodeId: 'tick', title: 'On a schedule', state: 'starting' })]), now);
    expect(two).toMatchObject({ lines: [{ text: 'On a webhook: Listening · not fired yet' }, { text: 'On a schedule: Starting…' }] });
    expect(describeFlowStart({ startsByItself: true, active: true }, undefined, now)).toMatchObject({ lines: [{ text: 'Starting…' }] });
  });
});
