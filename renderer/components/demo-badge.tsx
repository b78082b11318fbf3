/** The "Demo" mark of a demo run (engine/demo/): words, not only colour, with the why on hover. */
import { DEMO_BADGE_TITLE } from '../logic/demo-origin.ts';

export function DemoBadge({ label = 'Demo' }: { label?: string }) {
  return (
    <span className="badge tone-demo" title={DEMO_BADGE_TITLE} data-testid="demo-badge">
      {label}
    </span>
  );
}
