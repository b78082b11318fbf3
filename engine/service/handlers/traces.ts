/** traces.*: a run's events, a page at a time. */
import type { ServiceContext } from '../service-context.ts';
import type { GroupHandlers } from './types.ts';

export function traceHandlers({ data }: ServiceContext): GroupHandlers<'traces'> {
  return {
    'traces.events': async ({ runId, afterSeq, limit }) => {
      const trace = await data.traces.load(runId);
      const after = trace.events.filter((e) => e.seq > afterSeq);
      const page = after.slice(0, limit);
      return { events: page, lastSeq: page.length > 0 ? page[page.length - 1]!.seq : afterSeq, hasMore: after.length > page.length };
    },
  };
}
