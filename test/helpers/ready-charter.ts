/**
 * A complete charter (owner, backup, metric, alert route) for tests that switch flows on: the
 * activation gate refuses a flow without one, and tests about triggers should not have to spell
 * it out. Tests of the gate itself take it apart item by item.
 */
import type { Charter } from '../../engine/model/charter.ts';

export function readyCharter(): Charter {
  return {
    owner: { name: 'Ana Owner', email: 'ana@example.com' },
    backupOwner: { name: 'Ben Backup', email: 'ben@example.com' },
    metric: { kind: 'runs-without-person', target: 0.8, baseline: 0.2, windowDays: 7 },
    mustNever: 'Send anything to a customer without a person seeing it.',
    reviewers: 'Ana Owner',
    alerts: { webhook: { url: 'http://127.0.0.1:9/alerts', format: 'json' }, desktop: true },
    waivers: [],
  };
}

/** The flow with a complete charter (keeps one it already has). */
export function withReadyCharter<T extends object>(flow: T): T & { charter: Charter } {
  return { charter: readyCharter(), ...flow } as T & { charter: Charter };
}
