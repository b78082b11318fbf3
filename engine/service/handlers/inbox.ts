/**
 * inbox.*: review items waiting for people. Listing is served by the inbox index (no trace is
 * parsed); one item's detail is read from its run's trace; a decision is a `decide` job on the
 * run queue, answered as soon as the decision is synced to the trace (the rest of the run goes
 * on in the background) or refused with a plain reason.
 */
import { ApiError } from '../../model/contract.ts';
import type { RunEvent } from '../../model/events.ts';
import { DecisionRefused, parseReviewId, type ReviewDecision } from '../../model/review.ts';
import { inboxItemDetail, inboxNotFound as notFound } from '../../inbox/inbox-detail.ts';
import { publicItem } from '../../inbox/inbox-entries.ts';
import { reviewStats } from '../../inbox/review-stats.ts';
import type { DecideJob } from '../../queue/run-queue.ts';
import { RunNotFoundError } from '../../trace/trace-store.ts';
import type { ServiceContext } from '../service-context.ts';
import type { GroupHandlers } from './types.ts';

/** How many times a decision waits for another job of the same run to finish before giving up. */
const BUSY_RETRIES = 20;

export function inboxHandlers(context: ServiceContext): GroupHandlers<'inbox'> {
  const { data, inbox, clock } = context;
  const groups = () => data.settings.current.reviewerGroups ?? {};
  return {
    'inbox.list': async (filter) => {
      const now = clock.now();
      return inbox.list(filter, groups(), now).map((item) => publicItem(item, now));
    },
    'inbox.get': async ({ id }) => inboxItemDetail(data.traces, context.registry, clock.now(), id),
    'inbox.decide': async ({ id, outcome, comment, edits, by }) => {
      const ref = parseReviewId(id);
      if (!ref) throw notFound(id);
      const who = by ?? (await data.settings.read()).reviewerName;
      if (!who || who.trim() === '') {
        throw new ApiError({ code: 'REVIEWER_UNKNOWN', message: 'A decision needs the name of the person making it.', hint: 'Set your name in Settings (it is recorded with every decision).' });
      }
      const job: DecideJob = { kind: 'decide', runId: ref.runId, requestId: id, outcome, by: who, ...(comment === undefined ? {} : { comment }), ...(edits === undefined ? {} : { edits }) };
      const decision = await decideThroughQueue(context, job);
      await inbox.refreshLater(ref.runId);
      const stillWaiting = !decision.final || inbox.all().some((item) => item.runId === ref.runId && item.nodeId === ref.nodeId);
      return { ok: true as const, decision, stillWaiting };
    },
    'inbox.history': async ({ flowId, limit }) => inbox.history({ ...(flowId === undefined ? {} : { flowId }), limit }),
    'inbox.stats': async ({ flowId, nodeId, runs }) => reviewStats(data.traces, flowId, { runs, ...(nodeId === undefined ? {} : { nodeId }) }),
  };
}

/**
 * Enqueues the decision and waits until it is recorded (its `review.decided` event) or refused
 * (the job's error). Another job of the same run (a timer, another decision) is waited out.
 */
async function decideThroughQueue({ queue, hub }: ServiceContext, job: DecideJob): Promise<ReviewDecision> {
  return new Promise<ReviewDecision>((resolve, reject) => {
    let settledOnce = false;
    const done = (fn: () => void) => {
      if (settledOnce) return;
      settledOnce = true;
      offEvent();
      offOutcome();
      fn();
    };
    const offEvent = hub.subscribe((event) => {
      if (event.type !== 'run.event' || event.runId !== job.runId) return;
      const e = event.event as RunEvent;
      if (e.type === 'review.decided' && e.requestId === job.requestId && e.by === job.by.trim()) {
        done(() => resolve({ outcome: e.outcome, by: e.by, at: e.ts, changes: e.changes, values: e.values, final: e.final, ...(e.comment === undefined ? {} : { comment: e.comment }) }));
      }
    });
    const offOutcome = queue.onOutcome((outcome) => {
      if (outcome.runId !== job.runId || outcome.kind !== 'decide') return;
      if (outcome.ok) return; // the decided event came first
      if (outcome.reason === 'owned-elsewhere') {
        done(() => reject(new ApiError({ code: 'RUN_BUSY', message: `Run ${job.runId} is being worked on by another Flowkeeper process right now.`, hint: 'Try again in a moment.' })));
      } else {
        done(() => reject(refusal(outcome.error)));
      }
    });
    void (async () => {
      for (let attempt = 0; attempt <= BUSY_RETRIES; attempt++) {
        if (queue.enqueue(job)) return;
        if (!queue.isActive(job.runId)) break;
        await queue.settled(job.runId);
      }
      done(() => reject(new ApiError({ code: queue.isActive(job.runId) ? 'RUN_BUSY' : 'SERVICE_CLOSING', message: queue.isActive(job.runId) ? `Run ${job.runId} is busy; the decision was not recorded.` : 'Flowkeeper is closing, so the decision was not recorded.', hint: 'Try again in a moment.' })));
    })();
  });
}

function refusal(error: unknown): unknown {
  if (error instanceof DecisionRefused || error instanceof ApiError) return error;
  if (error instanceof RunNotFoundError) return new ApiError({ code: 'INBOX_ITEM_NOT_FOUND', message: `There is no run "${error.runId}", so there is nothing to decide.` });
  return error;
}
