/**
 * What a demo run is answered with: the reference's recorded calls (keyed by node, attempt, item,
 * kind and n-th call, as a replay reads them), its review decisions by step and item, and its
 * recorded time-outs. Plus the two stand-ins that make "nothing is sent" hold even if a path
 * forgot to ask the recorder: a credential resolver and an HTTP transport that refuse.
 *
 * May import: `engine/model`, the runner's types, the engine's loadRecordedCalls.
 */
import type { NodeErrorInfo, PortItems } from '../model/node-kit.ts';
import { NodeError } from '../model/node-kit.ts';
import { reduceRun, type RecordedCall, type RunState } from '../model/run-state.ts';
import type { ReviewRecord } from '../model/review.ts';
import type { DemoReviews } from '../runner/review-desk.ts';
import type { HttpTransport } from '../runner/http-transport.ts';
import type { SecretResolver } from '../secrets.ts';
import type { DemoReference } from './demo-reference.ts';

export interface DemoPlan {
  /**
   * Steps that did not run in the reference either (a fork's copied results, pinned test data):
   * their recorded results are used as they are, as a replay does, since no call of theirs is recorded.
   */
  reused: Map<string, PortItems>;
  recorded: Map<string, RecordedCall>;
  reviews: DemoReviews;
  recordedTimeouts: Map<string, NodeErrorInfo>;
}

/** `loadCalls`: the engine's loadRecordedCalls (what resume and replay read), handed in to keep imports one way. */
export async function demoPlan(
  reference: DemoReference,
  getPayload: (value: unknown) => Promise<unknown>,
  loadCalls: (state: RunState, getPayload: (value: unknown) => Promise<unknown>) => Promise<Map<string, RecordedCall>>,
): Promise<DemoPlan> {
  const { header, events } = reference.trace;
  const state = reduceRun(header, events);
  const recorded = await loadCalls(state, getPayload);
  const reused = new Map<string, PortItems>();
  for (const [nodeId, n] of Object.entries(state.nodes)) {
    if (n.reusedFrom !== undefined || n.pinnedFrom !== undefined) reused.set(nodeId, (await getPayload(n.outputs ?? {})) as PortItems);
  }
  const byItem = new Map<string, ReviewRecord>();
  for (const record of state.reviews.values()) byItem.set(`${record.nodeId}/${record.itemIndex}`, { ...record, item: await getPayload(record.item) });
  const recordedTimeouts = new Map<string, NodeErrorInfo>();
  for (const event of events) {
    if (event.type === 'node.failed' && event.error.details?.limit === 'node') recordedTimeouts.set(`${event.nodeId}#${event.attempt}`, event.error);
  }
  return { reused, recorded, reviews: { referenceRunId: header.runId, byItem, autoApproved: state.autoApproved }, recordedTimeouts };
}

/** A demo reads no credential: a step that asks past the recorder gets this, never a keychain. */
export const NO_CREDENTIALS: SecretResolver = {
  get(credentialId) {
    return Promise.reject(new NodeError({ message: `A demo run reads no credentials, so “${credentialId}” was not looked up.`, code: 'DEMO_NO_CREDENTIALS', retryable: false, hint: 'Nothing to do: the demo answers every call from the recording.' }));
  },
};

/** A demo sends nothing: any request that reached the transport would be a bug, refused here. */
export const NO_NETWORK: HttpTransport = () => Promise.reject(new NodeError({ message: 'A demo run sends nothing; this request was not sent.', code: 'DEMO_NOT_RECORDED', retryable: false }));
