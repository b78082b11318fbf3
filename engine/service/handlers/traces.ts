/** traces.*: a run's events, a page at a time. */
import type { ServiceContext } from '../service-context.ts';
import type { GroupHandlers } from './types.ts';

export function traceHandlers({ data }: ServiceContext): GroupHandlers<'traces'> {
  return {
    // A page is read without loading the whole trace (the store streams it).
    'traces.events': ({ runId, afterSeq, limit }) => data.traces.readEvents(runId, afterSeq, limit),
  };
}
