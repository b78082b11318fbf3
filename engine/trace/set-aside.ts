/**
 * The traces that were damaged and set aside in `<data>/quarantine/`, read back from the folder
 * each time, so a set-aside run stays visible in every listing (not only in the command that
 * happened to move it). File names are `<runId>.<epochMs>.jsonl`, each with a `.reason.txt`.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { QuarantineNotice } from './trace-store.ts';

const NAME_RE = /^(.+)\.(\d+)\.jsonl$/;

export async function readSetAside(quarantineDir: string): Promise<QuarantineNotice[]> {
  let names: string[];
  try {
    names = await readdir(quarantineDir);
  } catch {
    return []; // no folder yet (or unreadable: nothing to report from it)
  }
  const notices: QuarantineNotice[] = [];
  for (const name of names.sort()) {
    const match = NAME_RE.exec(name);
    if (!match) continue;
    const movedTo = join(quarantineDir, name);
    const note = await readFile(`${movedTo}.reason.txt`, 'utf8').catch(() => '');
    // The note's first line is the damage message: "<file>: line N: <reason>" or similar.
    const first = note.split('\n')[0]?.trim() ?? '';
    const reason = (/(line \d+: .*?)\.?$/.exec(first)?.[1] ?? first) || 'the reason was not recorded';
    notices.push({ runId: match[1]!, movedTo, moved: true, reason, setAsideAt: new Date(Number(match[2])).toISOString() });
  }
  return notices;
}
