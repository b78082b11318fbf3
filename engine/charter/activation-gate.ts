/**
 * The activation gate: a flow is switched on only when its production checklist passes
 * (engine/charter/readiness.ts). Used by `flows.activate` (every door) and by the CLI's
 * `flowkeeper flows activate`, which edits the data folder directly. The error lists each
 * missing item in plain words (message), and the checklist for the UI (details).
 *
 * A flow that is already on and whose saved version stops being ready stays on: the gate guards
 * the switch, not every save (a charter edit must not stop a flow serving customers); its
 * readiness then lists the problems on the flow page and in `flowkeeper status`.
 *
 * May import: `engine/model`, `engine/charter`.
 */
import { ApiError } from '../model/contract.ts';
import type { Flow } from '../model/flow.ts';
import type { Readiness } from '../model/charter.ts';
import { readiness, type ReadinessCatalog } from './readiness.ts';

/** The checklist of a flow about to be switched on; throws when something is missing. */
export function assertReady(flow: Flow, catalog: ReadinessCatalog): Readiness {
  const result = readiness(flow, catalog);
  if (result.ready) return result;
  throw notReady(flow, result);
}

export function notReady(flow: Pick<Flow, 'name'>, result: Readiness): ApiError {
  const failing = result.items.filter((i) => !i.ok);
  const details = { readiness: result, missing: result.missing };
  const trigger = failing.find((i) => i.check === 'live-trigger');
  const others = failing.filter((i) => i !== trigger).map((i) => `- ${i.message}`);
  if (trigger) {
    // The oldest refusal keeps its code and words; whatever else is missing follows in the hint.
    return new ApiError({
      code: 'FLOW_HAS_NO_TRIGGER',
      message: `The flow "${flow.name}" only starts by hand, so there is nothing to switch on.`,
      hint: `Add a trigger that fires by itself (for example "On a schedule"), save, and switch the flow on again.${others.length > 0 ? `\nIt also needs:\n${others.join('\n')}` : ''}`,
      details,
    });
  }
  return new ApiError({
    code: 'FLOW_NOT_READY',
    message: `The flow "${flow.name}" is not ready to be switched on (${failing.length} ${failing.length === 1 ? 'item is' : 'items are'} missing):\n${failing.map((i) => `- ${i.message}`).join('\n')}`,
    hint: 'Complete its checklist on the flow page (Overview), save, and switch it on again.',
    details,
  });
}
