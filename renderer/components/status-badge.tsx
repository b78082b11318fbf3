import { nodeStatusLabel, nodeStatusTone, runStatusLabel, runStatusTone, type Tone } from '../logic/format.ts';

interface StatusBadgeProps {
  status: string;
  kind?: 'run' | 'node';
  /** Words and colour derived elsewhere (renderer/logic/run-health.ts), over the plain status. */
  look?: { label: string; tone: Tone };
  /** What the badge stands for when it differs from the raw status ("done-with-failures"). */
  state?: string;
}

/** A run or step status: coloured, but always with words (colour is never the only signal). */
export function StatusBadge({ status, kind = 'run', look, state }: StatusBadgeProps) {
  const label = look?.label ?? (kind === 'run' ? runStatusLabel(status) : nodeStatusLabel(status));
  const tone = look?.tone ?? (kind === 'run' ? runStatusTone(status) : nodeStatusTone(status));
  return (
    <span className={`badge tone-${tone}`} data-status={status} data-state={state ?? status}>
      <span className="badge-dot" aria-hidden="true" />
      {label}
    </span>
  );
}
