/**
 * Demo runs in words (engine/demo/): the badge's tooltip and the run page's banner, from the run's
 * `demo` field (which recorded run answered, and where it came from). Pure: no DOM, no React.
 */

export interface DemoInfo {
  runId: string;
  from: 'run' | 'reference' | 'bundle';
  flowVersion: number;
  file?: string;
}

export interface DemoBannerWords {
  /** "Demo run", in bold. */
  title: string;
  /** Before the recorded run's name. */
  lead: string;
  /** The recorded run, shown as a link when it is a run of this machine. */
  runLabel: string;
  linkRunId?: string;
  /** After it. */
  tail: string;
}

export const DEMO_BADGE_TITLE = 'A demo: every outside call was answered from a recording; nothing was sent.';

/** "Demo run: every outside call was answered from the recording of run …; nothing was sent." */
export function demoBanner(demo: DemoInfo): DemoBannerWords {
  const title = 'Demo run';
  const lead = 'every outside call was answered from the recording of ';
  const tail = '; nothing was sent and no credential was used.';
  if (demo.from === 'run') return { title, lead, runLabel: `run ${demo.runId}`, linkRunId: demo.runId, tail };
  if (demo.from === 'reference') return { title, lead, runLabel: `reference run ${demo.runId}`, tail: ` (a run handed over with the flow)${tail}` };
  return { title, lead, runLabel: `run ${demo.runId}`, tail: `${demo.file ? ` in the hand-over file ${demo.file}` : ' in a hand-over file'}${tail}` };
}

/** The runs a demo can be answered from: finished runs that really ran (not replays or other demos). */
export function canAnswerDemo(run: { status: string; mode: string }): boolean {
  return (run.status === 'succeeded' || run.status === 'failed') && (run.mode === 'run' || run.mode === 'fork');
}
