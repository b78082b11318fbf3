/** The run page's banner for a demo run: which recording answered every outside call, and that nothing was sent. */
import { demoBanner, type DemoInfo } from '../logic/demo-origin.ts';
import { formatRoute } from '../logic/route.ts';

export function DemoBanner({ demo }: { demo: DemoInfo }) {
  const words = demoBanner(demo);
  return (
    <p className="demo-banner" role="note" data-testid="demo-banner">
      <strong>{words.title}:</strong> {words.lead}
      {words.linkRunId ? <a href={formatRoute({ view: 'run', runId: words.linkRunId })}>{words.runLabel}</a> : <span className="mono">{words.runLabel}</span>}
      {words.tail}
    </p>
  );
}
