/**
 * The side panel's part about pinned test data for one step: pin its result from the run shown
 * (so test runs from the editor do not call a slow or paid service again), or unpin it in one
 * click. A pinned result is always said to be pinned, never shown as if the step had run.
 */
import { usePins } from './pin-store.ts';
import { useRunView } from './run-view-store.ts';

export function PinSection({ flowId, nodeId }: { flowId: string; nodeId: string }) {
  const pin = usePins((s) => s.byNode[nodeId]);
  const error = usePins((s) => s.error);
  const runId = useRunView((s) => s.runId);
  const done = useRunView((s) => s.state?.nodes[nodeId]?.status === 'succeeded');
  const pinnedHere = useRunView((s) => s.state?.nodes[nodeId]?.pinnedFrom);
  const finished = useRunView((s) => s.state !== undefined && ['succeeded', 'failed', 'cancelled'].includes(s.state.status));
  const count = pin ? Object.values(pin.items).reduce((a, b) => a + b, 0) : 0;
  if (!pin && !(runId && done && finished)) return null;
  return (
    <section className="side-panel-pin" aria-label="Pinned test data" data-testid="pin-section">
      {pin ? (
        <>
          <h3>Test data</h3>
          <p>
            <strong>Pinned:</strong> test runs from this editor use the {count === 1 ? '1 item' : `${count} items`} this step gave in an earlier run, instead of running it. Runs started any other way
            always run it.
          </p>
          <button type="button" className="button button-small" onClick={() => void usePins.getState().unpin(flowId, nodeId)}>
            Unpin
          </button>
        </>
      ) : (
        <>
          {/* Small when not pinned: an offer on every finished step must not push its settings down. */}
          <button type="button" className="button button-small button-quiet" title="Test runs from this editor then use this result instead of running the step (or paying for it) again." onClick={() => void usePins.getState().pin(flowId, nodeId, pinnedHere ?? runId!)}>
            Pin this result for test runs
          </button>
        </>
      )}
      {error ? (
        <p className="field-error" role="alert">
          {error}
        </p>
      ) : null}
    </section>
  );
}
