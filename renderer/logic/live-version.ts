/**
 * Which saved version of a switched-on flow runs, in plain words. The app pins the version it
 * switches on (the editor autosaves, so following every save would put half-made edits live);
 * once someone saves again, the switch says the live version is older and offers to put the
 * latest one live.
 */

export interface LiveVersionInput {
  /** Switched on (its triggers fire by themselves). */
  active?: boolean;
  /** The version whose triggers run, when on (`FlowSummary.activeVersion`). */
  activeVersion?: number;
  /** The latest saved version. */
  latest: number;
}

export interface LiveVersionBehind {
  live: number;
  latest: number;
  /** "On: version 7 is live · your edits since (version 9) are not" */
  text: string;
  /** "Put version 9 live" */
  button: string;
}

/** Undefined while off, or when the live version is the latest save (nothing to say). */
export function describeLiveVersion({ active, activeVersion, latest }: LiveVersionInput): LiveVersionBehind | undefined {
  if (!active || activeVersion === undefined || activeVersion >= latest) return undefined;
  return {
    live: activeVersion,
    latest,
    text: `On: version ${activeVersion} is live · your edits since (version ${latest}) are not`,
    button: `Put version ${latest} live`,
  };
}

/** The canvas header's small note: "Live: version 7", or undefined while off. */
export function liveNote({ active, activeVersion }: Omit<LiveVersionInput, 'latest'>): string | undefined {
  return active && activeVersion !== undefined ? `Live: version ${activeVersion}` : undefined;
}
