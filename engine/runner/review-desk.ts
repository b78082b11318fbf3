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
  ) {
    for (const record of reviews.values()) this.records.set(record.requestId, record);
    this.auto = new Set(autoApproved);
  }

  async ask(nodeId: string, itemIndex: number, ask: { request: ReviewRequest; item: Item } | { auto: true; emit?: 'each' }, now: () => Promise<number>): Promise<ReviewAnswer | undefined> {
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
}
