/**
 * The runner's side of `ctx.review`: answers a review step from what the trace already holds
 * (a decision, an auto-approval), and otherwise records the request, synced before the run
 * pauses, so nothing but the trace is needed to carry on after a restart. Keys are attemptless
 * (`node/item`): a decision belongs to the item, whichever attempt of the node asked.
 *
 * One by one (`emit: "each"`): a decided item goes on in a run of its own, so here it is answered
 * `elsewhere`; in that run (`carried`) the step is answered with the decision for its one item
 * and `elsewhere` for every other item.
 */

import type { Item } from '../model/flow.ts';
import type { ReviewAnswer } from '../model/node-kit.ts';
import { reviewId, type ReviewDecision, type ReviewRecord, type ReviewRequest } from '../model/review.ts';
import type { EventSink } from '../trace/trace-store.ts';
import { NodeError } from '../model/node-kit.ts';
import { matchesRecording } from './call-recorder.ts';

/**
 * A demo run (engine/demo/): review steps are answered by the decisions of the reference run, by
 * `node/item`, for an item equal to the one the reviewer saw then. Nothing is asked and no
 * review event is written, so a demo never reaches the inbox, its reminders or the review figures.
 */
export interface DemoReviews {
  referenceRunId: string;
  /** The reference's review records by `node/item`, their items read back from side files. */
  byItem: ReadonlyMap<string, ReviewRecord>;
  /** Items the reference let through without review (`node/item`). */
  autoApproved: ReadonlySet<string>;
}

/** Carried on in a run of its own (see the header): the step gives nothing out for it here. */
const ELSEWHERE: ReviewAnswer = { outcome: '', by: '', at: '', changes: [], values: {}, elsewhere: true };

function answerOf(d: ReviewDecision): ReviewAnswer {
  return { outcome: d.outcome, by: d.by, at: d.at, changes: d.changes, values: d.values, ...(d.comment === undefined ? {} : { comment: d.comment }) };
}

export class ReviewDesk {
  private readonly records = new Map<string, ReviewRecord>();
  private readonly requested = new Set<string>();
  private readonly auto: Set<string>;

  constructor(
    private readonly runId: string,
    private readonly sink: EventSink,
    reviews: ReadonlyMap<string, ReviewRecord>,
    autoApproved: ReadonlySet<string>,
    private readonly payload: (value: unknown) => Promise<unknown>,
    private readonly carried?: { nodeId: string; itemIndex: number; decision: ReviewDecision; auto?: boolean },
    /** One by one: items let through that already went on in a run of their own (`node/item`). */
    private readonly autoEmitted: ReadonlySet<string> = new Set(),
    private readonly demo?: DemoReviews,
  ) {
    for (const record of reviews.values()) this.records.set(record.requestId, record);
    this.auto = new Set(autoApproved);
  }

  async ask(nodeId: string, itemIndex: number, ask: { request: ReviewRequest; item: Item } | { auto: true; emit?: 'each' }, now: () => Promise<number>): Promise<ReviewAnswer | undefined> {
    if (this.demo) return this.answerDemo(this.demo, nodeId, itemIndex, ask, now);
    if (this.carried && nodeId === this.carried.nodeId) {
      if (itemIndex !== this.carried.itemIndex) return ELSEWHERE;
      return { ...answerOf(this.carried.decision), ...(this.carried.auto ? { auto: true } : {}) };
    }
    const id = reviewId(this.runId, nodeId, itemIndex);
    const record = this.records.get(id);
    if (record?.decided) return record.request.emit === 'each' ? ELSEWHERE : answerOf(record.decided);
    const key = `${nodeId}/${itemIndex}`;
    if ('auto' in ask) {
      // One by one: an item let through that went on in its own run (at the pause) gives nothing here.
      if (this.autoEmitted.has(key)) return ELSEWHERE;
      if (!this.auto.has(key)) {
        this.auto.add(key);
        this.sink.append({ type: 'review.auto-approved', nodeId, itemIndex, ...(ask.emit === 'each' ? { emit: 'each' as const } : {}) });
      }
      return { outcome: 'approve', by: 'auto', at: new Date(await now()).toISOString(), changes: [], values: {}, auto: true };
    }
    if (record || this.requested.has(id)) return undefined;
    this.requested.add(id);
    await this.sink.appendDurable({ type: 'review.requested', requestId: id, nodeId, itemIndex, request: ask.request, item: await this.payload(ask.item) });
    return undefined;
  }

  private async answerDemo(demo: DemoReviews, nodeId: string, itemIndex: number, ask: { request: ReviewRequest; item: Item } | { auto: true; emit?: 'each' }, now: () => Promise<number>): Promise<ReviewAnswer> {
    const key = `${nodeId}/${itemIndex}`;
    const item = `item ${itemIndex + 1}`;
    if ('auto' in ask) return { outcome: 'approve', by: 'auto', at: new Date(await now()).toISOString(), changes: [], values: {}, auto: true };
    const record = demo.byItem.get(key);
    const missing = (why: string) =>
      new NodeError({
        message: `This demo has no recorded decision for review step "${nodeId}" (${item}): ${why}. Nobody was asked.`,
        code: 'DEMO_NOT_RECORDED',
        retryable: false,
        details: { referenceRunId: demo.referenceRunId },
        hint: `Start the demo with the input of run ${demo.referenceRunId}, or choose a recorded run in which this item was decided.`,
      });
    if (!record?.decided) throw missing(demo.autoApproved.has(key) ? 'in the recording it was let through without review' : 'nobody decided it in the recording');
    if (!matchesRecording(record.item, ask.item)) throw missing(`the reviewer in the recording saw ${brief(record.item)}, this run has ${brief(ask.item)}`);
    const decided = record.decided;
    this.sink.append({ type: 'node.log', nodeId, level: 'info', message: `Demo: ${item} answered with the decision recorded in run ${demo.referenceRunId}: “${decided.outcome}” by ${decided.by}.` });
    return answerOf(decided);
  }
}

function brief(value: unknown): string {
  const text = JSON.stringify(value) ?? 'nothing';
  return text.length > 160 ? `${text.slice(0, 157)}…` : text;
}
