import { nodeStatusLabel, nodeStatusTone, runStatusLabel, runStatusTone } from '../logic/format.ts';

/** A run or step status: coloured, but always with words (colour is never the only signal). */
export function StatusBadge({ status, kind = 'run' }: { status: string; kind?: 'run' | 'node' }) {
  const label = kind === 'run' ? runStatusLabel(status) : nodeStatusLabel(status);
  const tone = kind === 'run' ? runStatusTone(status) : nodeStatusTone(status);
  return (
    <span className={`badge tone-${tone}`} data-status={status}>
      <span className="badge-dot" aria-hidden="true" />
      {label}
    </span>
  );
}
