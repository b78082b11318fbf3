/**
 * A raw `appendFile + fdatasync` loop, µs per line: the disk baseline. Figure 3 measures it
 * interleaved with its cases; a figure run without figure 3 measures it here instead.
 */
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { median, timed } from './stats.ts';

export async function measureRawFsyncUs(dir: string, lines = 200, reps = 3): Promise<number> {
  const samples: number[] = [];
  for (let rep = 0; rep < reps; rep++) {
    const fh = await open(join(dir, `raw-fsync-${rep}.jsonl`), 'a');
    const ms = await timed(async () => {
      for (let i = 0; i < lines; i++) {
        await fh.appendFile(JSON.stringify({ seq: i + 1, ts: new Date().toISOString(), type: 'node.log', message: `line ${i}` }) + '\n');
        await fh.datasync();
      }
    });
    await fh.close();
    samples.push((ms * 1000) / lines);
  }
  return median(samples);
}
