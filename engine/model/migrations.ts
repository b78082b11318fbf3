/**
 * Flow format migrations, keyed by the format version they upgrade FROM.
 * A flow saved by an older Flowkeeper is upgraded step by step on load; the file on disk is
 * only rewritten when the person saves.
 */
import { FLOW_FORMAT, FLOW_FORMAT_VERSION } from './flow.ts';

type Json = Record<string, unknown>;

/**
 * `0 → 1`: the pre-release format had `connections` with `from`/`to` strings ("node.port")
 * and no format marker. Kept as the worked example of how a migration is written.
 */
export const FLOW_MIGRATIONS: Readonly<Record<number, (flow: Json) => Json>> = {
  0: (flow) => {
    const { connections, ...rest } = flow as Json & { connections?: Array<{ from: string; to: string }> };
    const edges = (connections ?? []).map((c) => {
      const [source = '', sourcePort = 'out'] = String(c.from).split('.');
      const [target = '', targetPort = 'in'] = String(c.to).split('.');
      return { source, sourcePort, target, targetPort };
    });
    return { ...rest, format: FLOW_FORMAT, formatVersion: 1, edges: [...((rest.edges as unknown[]) ?? []), ...edges] };
  },
};

export type MigrationResult = { ok: true; flow: Json; migratedFrom?: number } | { ok: false; message: string };

export function migrateFlow(raw: Json): MigrationResult {
  let version: unknown = raw.formatVersion;
  if (version === undefined && raw.format === undefined) version = 0;
  if (typeof version !== 'number' || !Number.isInteger(version)) {
    return { ok: false, message: '"formatVersion" must be a whole number. Is this a Flowkeeper flow file?' };
  }
  if (version > FLOW_FORMAT_VERSION) {
    return {
      ok: false,
      message: `This flow was saved by a newer Flowkeeper (format ${version}; this version reads up to ${FLOW_FORMAT_VERSION}). Update Flowkeeper to open it.`,
    };
  }
  const from = version;
  let flow = raw;
  while (version < FLOW_FORMAT_VERSION) {
    const step = FLOW_MIGRATIONS[version];
    if (!step) return { ok: false, message: `No migration from flow format ${version}.` };
    flow = step(flow);
    version += 1;
  }
  return from === FLOW_FORMAT_VERSION ? { ok: true, flow } : { ok: true, flow, migratedFrom: from };
}
